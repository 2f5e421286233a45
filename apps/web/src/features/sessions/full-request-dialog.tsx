'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton } from '~/components/ui/copy-button';
import { cx } from '~/components/ui/cx';
import { Dialog } from '~/components/ui/dialog';
import { ErrorNote } from '~/components/ui/empty-state';
import { useTRPC } from '~/trpc/react';
import { CutMark, MessageView } from './message-blocks';
import { formatBytes } from './session-bits';

const SYSTEM = 'max-h-80 overflow-auto border-t border-slate-100 px-2.5 py-1.5 font-mono text-[11.5px] whitespace-pre-wrap text-slate-600';

/** One request of the conversation as the trail holds it: every message of its record, or the raw text. */
export function FullRequestDialog({ sessionId, seq, onClose }: { sessionId: string; seq: number | null; onClose: () => void }) {
  const trpc = useTRPC();
  const [view, setView] = useState<'messages' | 'raw'>('messages');
  const q = useQuery({ ...trpc.session.exchangeRequest.queryOptions({ id: sessionId, seq: seq ?? 0 }), enabled: seq !== null, staleTime: Infinity });
  const r = q.data;
  const tab = (v: typeof view, text: string) => (
    <button
      type="button"
      onClick={() => setView(v)}
      aria-pressed={view === v}
      className={cx('rounded px-2.5 py-1 text-[12px] font-medium', view === v ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100')}
    >
      {text}
    </button>
  );
  return (
    <Dialog
      open={seq !== null}
      onClose={onClose}
      width="lg"
      testId="full-request"
      title={r ? `Request of exchange ${r.exchange ?? '?'}` : 'Request'}
      description={
        r ? (
          <span className="font-mono text-[12px]">
            {r.method} {r.path} · {r.model ?? 'no model named'} · {formatBytes(r.bytes)}
            {r.truncated ? ` (first ${formatBytes(64 * 1024)} recorded)` : ''}
          </span>
        ) : undefined
      }
    >
      {q.isPending ? (
        <div className="h-40 animate-pulse rounded bg-slate-50" aria-busy="true" aria-label="Loading" />
      ) : q.isError ? (
        <ErrorNote title="Could not load this request" message={q.error.message} />
      ) : (
        r && (
          <div className="space-y-3">
            <div className="flex items-center gap-1.5">
              {tab('messages', `Messages (${r.messages.length})`)}
              {tab('raw', 'Raw body')}
              {r.sha256 && (
                <span className="ml-auto truncate font-mono text-[11px] text-slate-400" title="sha256 of the whole body, as the agent received it">
                  sha256 {r.sha256.slice(0, 16)}…
                </span>
              )}
            </div>
            <div className="max-h-[60vh] space-y-3 overflow-y-auto pr-1">
              {view === 'raw' || !r.parsed ? (
                <>
                  {!r.parsed && <p className="text-[12px] text-amber-800">The recorded body is not JSON: it is shown as it was recorded.</p>}
                  <div className="flex justify-end">
                    <CopyButton text={r.body} label="Copy the recorded body" />
                  </div>
                  <pre
                    className="rounded bg-slate-50 px-2.5 py-1.5 font-mono text-[11.5px] whitespace-pre-wrap break-all text-slate-700"
                    data-testid="raw-body"
                  >
                    {r.body}
                  </pre>
                  {r.truncated && <CutMark />}
                </>
              ) : (
                <>
                  {r.messages.map((m, i) => (
                    <MessageView key={i} m={m} />
                  ))}
                  {r.cut && r.messages.every((m) => !m.cut) && <CutMark>the messages go on beyond the recorded 64 KB</CutMark>}
                  {r.system && (
                    <details className="rounded border border-slate-200">
                      <summary className="cursor-pointer px-2.5 py-1 text-[12px] text-slate-600 select-none">
                        System prompt ({r.system.length.toLocaleString('en-US')} characters recorded)
                      </summary>
                      <pre className={SYSTEM}>{r.system}</pre>
                    </details>
                  )}
                </>
              )}
            </div>
          </div>
        )
      )}
    </Dialog>
  );
}
