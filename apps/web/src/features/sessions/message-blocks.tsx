'use client';

import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { type Block, type Message, prettyJson } from './conversation-types';

const ROLE: Record<string, { label: string; tone: string }> = {
  user: { label: 'User', tone: 'border-l-sky-400' },
  assistant: { label: 'Claude (earlier answer, as resent)', tone: 'border-l-slate-300' },
  system: { label: 'System note from Claude Code', tone: 'border-l-slate-300' },
};

/** "… 12,345 more characters": what the page left out of a long block (the full request has it). */
function More({ clipped }: { clipped: number }) {
  if (clipped <= 0) return null;
  return (
    <div className="mt-1 text-[11px] text-slate-500" data-testid="block-clipped">
      … {clipped.toLocaleString('en-US')} more characters in the full request
    </div>
  );
}

/** Where the recorded body stops: the request went on, the trail kept its first 64 KB. */
export function CutMark({ children }: { children?: ReactNode }) {
  return (
    <div
      className="mt-1.5 flex items-center gap-2 text-[11px] font-medium text-amber-800"
      data-testid="truncated-mark"
      title="The trail keeps the first 64 KB of each request; its size and sha256 name the rest"
    >
      <span className="h-px flex-1 border-t border-dashed border-amber-300" />
      {children ?? 'the recorded body ends here'}
      <span className="h-px flex-1 border-t border-dashed border-amber-300" />
    </div>
  );
}

const pre = 'max-h-80 overflow-auto rounded px-2.5 py-1.5 font-mono text-[12px] leading-relaxed whitespace-pre-wrap break-words';

function Folded({ summary, children, testId, open }: { summary: ReactNode; children: ReactNode; testId?: string; open?: boolean }) {
  return (
    <details className="group rounded border border-slate-200 bg-white" data-testid={testId} open={open}>
      <summary className="cursor-pointer list-none px-2.5 py-1 text-[12px] text-slate-600 select-none hover:bg-slate-50">
        <span className="mr-1.5 inline-block text-slate-400 transition-transform group-open:rotate-90">▸</span>
        {summary}
      </summary>
      <div className="border-t border-slate-100 p-1.5">{children}</div>
    </details>
  );
}

/** `folded`: text Claude Code wrote for the model (a system note), shown folded like its reminders. */
export function BlockView({ b, folded }: { b: Block; folded?: boolean }) {
  let body: ReactNode;
  switch (b.type) {
    case 'text':
      body =
        b.reminder || folded ? (
          <Folded summary={<span className="text-slate-500">Context Claude Code added ({b.text.length.toLocaleString('en-US')} characters)</span>}>
            <pre className={cx(pre, 'bg-slate-50 text-slate-600')}>{b.text}</pre>
          </Folded>
        ) : (
          <p className="text-[13px] leading-relaxed whitespace-pre-wrap break-words text-slate-900" data-testid="turn-text">
            {b.text}
          </p>
        );
      break;
    case 'tool_result':
      body = (
        <Folded
          testId="tool-result"
          open={b.text.length < 600}
          summary={
            <>
              <span className={cx('font-medium', b.isError ? 'text-red-700' : 'text-slate-700')}>{b.isError ? 'Tool error' : 'Tool result'}</span>
              <span className="ml-1.5 font-mono text-[11px] text-slate-400">{b.toolUseId}</span>
              <span className="ml-1.5 text-slate-400">
                · {b.text.length.toLocaleString('en-US')} characters{b.media > 0 ? ` · ${b.media} image${b.media === 1 ? '' : 's'}` : ''}
              </span>
            </>
          }
        >
          <pre className={cx(pre, b.isError ? 'bg-red-50 text-red-900' : 'bg-slate-50 text-slate-800')}>{b.text || '(empty)'}</pre>
        </Folded>
      );
      break;
    case 'tool_use':
      body = (
        <div className="text-[12px] text-slate-600">
          Tool call <span className="font-mono font-medium text-slate-800">{b.name}</span> <span className="font-mono text-slate-400">{b.id}</span>
          <pre className={cx(pre, 'mt-1 bg-slate-50 text-slate-700')}>{prettyJson(b.input)}</pre>
        </div>
      );
      break;
    case 'thinking':
      body = (
        <Folded summary={<span className="italic text-slate-500">Thinking</span>}>
          <pre className={cx(pre, 'bg-slate-50 text-slate-600 italic')}>{b.text}</pre>
        </Folded>
      );
      break;
    case 'media':
      body = (
        <div className="inline-flex items-center gap-1.5 rounded bg-slate-100 px-2 py-0.5 text-[12px] text-slate-600">
          {b.kind === 'image' ? 'Image' : 'Document'}
          {b.mediaType && <span className="font-mono text-[11px] text-slate-400">{b.mediaType}</span>}
          <span className="text-slate-400">(not kept on the page)</span>
        </div>
      );
      break;
    default:
      body = (
        <Folded summary={<span className="font-mono text-slate-500">{b.kind}</span>}>
          <pre className={cx(pre, 'bg-slate-50 text-slate-700')}>{b.text}</pre>
        </Folded>
      );
  }
  return (
    <div data-testid="turn-block" data-type={b.type}>
      {body}
      <More clipped={b.clipped} />
      {b.cut && <CutMark />}
    </div>
  );
}

/** One message of a request: its role, then its blocks in order. */
export function MessageView({ m, compact }: { m: Message; compact?: boolean }) {
  const role = ROLE[m.role] ?? { label: m.role, tone: 'border-l-slate-300' };
  const onlyResults = m.role === 'user' && m.blocks.length > 0 && m.blocks.every((b) => b.type === 'tool_result');
  return (
    <div className={cx('border-l-2 pl-3', role.tone)} data-testid="turn-message" data-role={m.role}>
      {!compact && <div className="mb-1 text-[10.5px] font-semibold uppercase tracking-wider text-slate-400">{onlyResults ? 'Tool results' : role.label}</div>}
      <div className="space-y-1.5">
        {m.blocks.length === 0 && <p className="text-[12px] text-slate-400">(no content)</p>}
        {m.blocks.map((b, i) => (
          <BlockView key={i} b={b} folded={m.role === 'system'} />
        ))}
      </div>
      {m.cut && m.blocks.every((b) => !b.cut) && <CutMark />}
    </div>
  );
}
