'use client';

import { cx } from '~/components/ui/cx';
import { type Exchange, shortModel, tokens } from './conversation-types';
import { CutMark, MessageView } from './message-blocks';
import { formatBytes, formatMs } from './session-bits';
import { guardLabel, ToolCallView } from './tool-call';

const label = 'mb-1 text-[10.5px] font-semibold uppercase tracking-wider';

function Tokens({ x }: { x: Exchange }) {
  const u = x.response?.usage;
  if (!u) return null;
  const cache = u.cacheReadInputTokens + u.cacheCreationInputTokens;
  return (
    <span
      className="font-mono text-[11px] tabular-nums text-slate-500"
      data-testid="exchange-tokens"
      title={
        `${u.inputTokens.toLocaleString('en-US')} input tokens, ${u.outputTokens.toLocaleString('en-US')} output tokens, ` +
        `${u.cacheReadInputTokens.toLocaleString('en-US')} read from the prompt cache, ` +
        `${u.cacheCreationInputTokens.toLocaleString('en-US')} written to it`
      }
    >
      {tokens(u.inputTokens)} in · {tokens(u.outputTokens)} out
      {cache > 0 && <> · {tokens(cache)} cache</>}
    </span>
  );
}

function Timing({ x }: { x: Exchange }) {
  const r = x.response;
  if (!r || r.ms === null) return null;
  return (
    <span className="font-mono text-[11px] tabular-nums text-slate-500" data-testid="exchange-latency" title="First byte of the answer · the whole answer">
      {r.firstByteMs !== null && <>{formatMs(r.firstByteMs)} first byte · </>}
      {formatMs(r.ms)}
    </span>
  );
}

/** What the request added, or why the page cannot show it. */
function Turn({ x, onFull }: { x: Exchange; onFull: () => void }) {
  const r = x.request;
  if (!r) return <p className="text-[12px] text-slate-500">The request was not recorded.</p>;
  if (!r.parsed)
    return (
      <div data-testid="raw-request">
        <p className="mb-1 text-[12px] text-amber-800">The recorded body is not JSON: it is shown as it was recorded.</p>
        <pre className="max-h-64 overflow-auto rounded bg-slate-50 px-2.5 py-1.5 font-mono text-[12px] whitespace-pre-wrap break-all text-slate-700">
          {r.raw ?? '(empty)'}
        </pre>
      </div>
    );
  // the model's earlier answers, resent as history, were shown with the exchange that got them
  const turn = r.continues !== null ? r.turn.filter((m) => m.role !== 'assistant') : r.turn;
  const more = (
    <button type="button" onClick={onFull} className="underline underline-offset-2 hover:text-slate-900" data-testid="open-full-request">
      full request
    </button>
  );
  return (
    <div className="space-y-2">
      {turn.map((m, i) => (
        <MessageView key={i} m={m} />
      ))}
      {turn.length === 0 && !r.cut && (
        <p className="text-[12px] text-slate-500">
          Nothing new: the same messages as the request before{r.continues !== null ? ` (exchange ${r.continues})` : ''}, sent again.
        </p>
      )}
      {r.cut && turn.every((m) => !m.cut) && (
        <CutMark>{turn.length === 0 ? 'the new turn lies beyond the recorded 64 KB' : 'the rest of this request lies beyond the recorded 64 KB'}</CutMark>
      )}
      <p className="text-[11px] text-slate-400" data-testid="request-facts">
        {r.earlier > 0 ? `${r.earlier} earlier message${r.earlier === 1 ? '' : 's'} resent, not repeated here · ` : ''}
        {r.rewritten ? 'the history before it was rewritten (compacted) · ' : ''}
        {formatBytes(r.bytes)}
        {r.truncated ? `, first ${formatBytes(64 * 1024)} recorded` : ''} · {more}
      </p>
    </div>
  );
}

/** One request to the model and its answer: the user's new turn, what the model said and asked to run, and what it cost. */
export function ExchangeCard({ x, first, onFull }: { x: Exchange; first: boolean; onFull: () => void }) {
  const r = x.response;
  const refused = x.toolCalls.some((t) => t.guard && guardLabel(t.guard).refused);
  const held = x.toolCalls.some((t) => t.guard?.verdict === 'review');
  const failed = x.failure?.kind === 'error' || (r !== null && r.status >= 400);
  const side = x.kind === 'messages' && x.request?.parsed && x.request.continues === null && !first;
  if (x.kind !== 'messages')
    return (
      <div className="flex min-w-0 flex-wrap items-baseline gap-x-2 py-0.5 text-[12.5px] text-slate-500" data-testid="exchange" data-kind={x.kind}>
        <span className="font-mono text-slate-600">
          {x.method} {x.path}
        </span>
        {r && <span className={cx('font-mono', r.status >= 400 && 'text-red-700')}>→ {r.status}</span>}
        {r?.ms != null && <span className="font-mono text-[11px]">{formatMs(r.ms)}</span>}
        {x.failure && <span className="text-red-700">{x.failure.message}</span>}
      </div>
    );
  return (
    <div
      data-testid="exchange"
      data-exchange={x.exchange}
      data-kind={x.kind}
      className={cx(
        'min-w-0 rounded-md border border-l-[3px] border-slate-200 bg-white',
        failed || refused ? 'border-l-red-500' : held ? 'border-l-amber-400' : x.toolCalls.length ? 'border-l-emerald-400' : 'border-l-violet-400',
      )}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-100 px-3 py-1.5">
        {x.model && (
          <span className="font-mono text-[11.5px] font-medium text-slate-700" data-testid="exchange-model">
            {shortModel(x.model)}
          </span>
        )}
        {side && (
          <span
            className="text-[11px] text-slate-500"
            title="A request that does not continue the conversation's history, such as a title Claude Code asks for"
          >
            side request
          </span>
        )}
        {r?.stopReason && (
          <span className="text-[11px] text-slate-400" data-testid="stop-reason">
            {r.stopReason.replace(/_/g, ' ')}
          </span>
        )}
        <span className="ml-auto flex flex-wrap items-center gap-x-3">
          <Tokens x={x} />
          <Timing x={x} />
        </span>
      </div>
      <div className="space-y-3 px-3 py-2.5">
        <section aria-label="Request">
          <Turn x={x} onFull={onFull} />
        </section>
        {(r || x.toolCalls.length > 0) && (
          <section aria-label="Answer" className="border-l-2 border-l-violet-300 pl-3" data-testid="answer">
            <div className={cx(label, 'text-violet-500')}>Claude</div>
            {r?.text && (
              <p className="text-[13px] leading-relaxed whitespace-pre-wrap break-words text-slate-900" data-testid="answer-text">
                {r.text}
              </p>
            )}
            {r?.raw && (
              <pre className="max-h-64 overflow-auto rounded bg-slate-50 px-2.5 py-1.5 font-mono text-[12px] whitespace-pre-wrap break-all text-slate-700">
                {r.raw}
              </pre>
            )}
            {x.toolCalls.length > 0 && (
              <div className="mt-2 space-y-1.5">
                {x.toolCalls.map((t, i) => (
                  <ToolCallView key={t.id || i} t={t} />
                ))}
              </div>
            )}
            {r && !r.text && !r.raw && x.toolCalls.length === 0 && !r.error && <p className="text-[12px] text-slate-400">(no text)</p>}
          </section>
        )}
        {(r?.error || (r && r.status >= 400) || x.failure) && (
          <div className="rounded bg-red-50 px-2.5 py-1.5 text-[12px] text-red-800" data-testid="exchange-failure">
            {x.failure?.kind === 'abort' ? 'Abandoned: ' : r && r.status >= 400 ? `HTTP ${r.status}: ` : 'Failed: '}
            {r?.error ? `${r.error.type}${r.error.message ? ` — ${r.error.message}` : ''}` : (x.failure?.message ?? '')}
            {x.failure?.ms != null && <span className="text-red-600"> · after {formatMs(x.failure.ms)}</span>}
          </div>
        )}
      </div>
    </div>
  );
}
