'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { cx } from '~/components/ui/cx';
import type { useTRPC } from '~/trpc/react';
import { formatBytes, formatMs } from './session-bits';

type Entry = inferOutput<ReturnType<typeof useTRPC>['session']['get']>['timeline'][number];
type StatementEntry = Extract<Entry, { kind: 'statement' }>;

type Http = NonNullable<StatementEntry['http']>;
type Body = NonNullable<Http['request']>;

const STATUS_TONE = (s: number | null) =>
  s === null
    ? 'bg-slate-100 text-slate-600 ring-slate-200'
    : s >= 500
      ? 'bg-red-50 text-red-800 ring-red-200'
      : s >= 400
        ? 'bg-amber-50 text-amber-900 ring-amber-200'
        : 'bg-emerald-50 text-emerald-800 ring-emerald-200';

/** A body as the trail keeps it: masked text (cut at 64 KB, said so), or a binary body by its size and hash. */
function BodyBlock({ label, body }: { label: string; body: Body }) {
  const [open, setOpen] = useState(false);
  const facts = [formatBytes(body.bytes), body.contentType].filter(Boolean).join(' · ');
  if (body.bytes === 0) return null;
  return (
    <div className="mt-1.5" data-testid="http-body" data-which={label.toLowerCase()} data-binary={body.binary}>
      <button
        type="button"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        className="flex w-full items-center gap-2 text-left text-[12px] text-slate-600 hover:text-slate-900"
      >
        <span className="font-mono text-slate-400">{open ? '▾' : '▸'}</span>
        <span className="font-medium">{label} body</span>
        <span className="font-mono text-[11px] text-slate-500">{facts}</span>
        {body.binary && <span className="rounded bg-slate-100 px-1.5 py-px text-[11px] text-slate-600 ring-1 ring-inset ring-slate-200">binary</span>}
        {body.truncated && !body.binary && <span className="text-[11px] text-amber-800">first 64 KB kept</span>}
      </button>
      {open &&
        (body.binary || body.text === null ? (
          <p className="mt-1 rounded bg-slate-50 px-2.5 py-1.5 font-mono text-[12px] text-slate-600" data-testid="http-body-binary">
            binary, {body.bytes.toLocaleString('en-US')} bytes{body.sha256 ? `, sha256 ${body.sha256}` : ''}: not kept in the trail
          </p>
        ) : (
          <pre
            className={cx(
              'mt-1 max-h-80 overflow-auto rounded bg-slate-50 px-2.5 py-1.5',
              'font-mono text-[12px] leading-relaxed whitespace-pre-wrap break-words text-slate-800',
            )}
            data-testid="http-body-text"
          >
            {pretty(body.text)}
            {body.truncated && <span className="block pt-1 text-amber-800">… {formatBytes(body.bytes)} in all: the trail keeps the first 64 KB</span>}
          </pre>
        ))}
    </div>
  );
}

/** JSON indented when the kept text is a whole document; anything else as it is. */
function pretty(text: string): string {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return text;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return text;
  }
}

/** The request line of an http request with its answer's status, and the bodies it sent and got. */
export function HttpExchangeDetails({ e, x }: { e: StatementEntry; x: Http }) {
  const refused = e.decision === 'deny' || (e.executed === false && !e.held);
  return (
    <div data-testid="http-exchange" data-method={x.method} data-status={x.status ?? ''}>
      <div className="mt-2 flex min-w-0 items-center gap-2 rounded bg-slate-50 px-2.5 py-1.5 font-mono text-[12.5px]">
        <span className="shrink-0 font-semibold text-slate-900" data-testid="http-method">
          {x.method}
        </span>
        <span
          className={cx('min-w-0 flex-1 truncate', refused ? 'text-red-950 line-through decoration-red-300/70' : 'text-slate-800')}
          title={x.path}
          data-testid="statement-text"
        >
          {x.path}
        </span>
        {x.status !== null && (
          <span className={cx('shrink-0 rounded px-1.5 py-px text-[11px] ring-1 ring-inset', STATUS_TONE(x.status))} data-testid="http-status">
            {x.status}
          </span>
        )}
      </div>
      {x.firstByteMs !== null && <p className="mt-1 text-[11px] text-slate-500">first byte after {formatMs(x.firstByteMs)}</p>}
      {x.request && <BodyBlock label="Request" body={x.request} />}
      {x.response && <BodyBlock label="Response" body={x.response} />}
    </div>
  );
}
