'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Card } from '~/components/ui/card';
import { ErrorNote } from '~/components/ui/empty-state';
import { useTRPC } from '~/trpc/react';
import { shortModel, tokens } from './conversation-types';
import { ExchangeCard } from './exchange-card';
import { FullRequestDialog } from './full-request-dialog';
import { Stat } from './session-bits';
import { Gutter, type Session } from './timeline-bits';

/** Exchanges a page: each holds what its request added and its answer, so a page stays a few hundred KB at most. */
const PAGE_SIZE = 20;
const LIVE_POLL_MS = 2_000;

const btn =
  'h-7 rounded border border-slate-300 bg-white px-2.5 text-[12px] font-medium text-slate-700 shadow-sm hover:bg-slate-50 ' +
  'disabled:cursor-not-allowed disabled:opacity-40';

function Pager({ page, pages, total, onPage }: { page: number; pages: number; total: number; onPage: (p: number) => void }) {
  const from = (page - 1) * PAGE_SIZE + 1;
  const to = Math.min(total, page * PAGE_SIZE);
  return (
    <div className="flex items-center gap-1.5 text-[12px] text-slate-500" data-testid="conversation-pager">
      <span className="mr-1 tabular-nums">{pages > 1 ? `${from}–${to} of ${total} exchanges` : `${total} exchange${total === 1 ? '' : 's'}`}</span>
      {pages > 1 && (
        <>
          <button type="button" className={btn} disabled={page <= 1} onClick={() => onPage(1)} aria-label="First exchanges">
            «
          </button>
          <button type="button" className={btn} disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous
          </button>
          <span className="tabular-nums">
            {page} / {pages}
          </span>
          <button type="button" className={btn} disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next
          </button>
          <button type="button" className={btn} disabled={page >= pages} onClick={() => onPage(pages)} aria-label="Latest exchanges">
            »
          </button>
        </>
      )}
    </div>
  );
}

/** A Claude Code conversation, exchange by exchange, a page at a time; followed while it runs. */
export function ConversationTimeline({ s }: { s: Session }) {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const [full, setFull] = useState<number | null>(null);
  const q = useQuery({
    ...trpc.session.conversation.queryOptions({ id: s.id, page, pageSize: PAGE_SIZE }),
    refetchInterval: s.status === 'open' ? LIVE_POLL_MS : false,
    placeholderData: keepPreviousData,
  });
  const total = q.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const go = (p: number) => {
    setPage(p);
    document.querySelector('[data-testid="conversation"]')?.scrollIntoView({ block: 'start' });
  };
  return (
    <Card title="Conversation" testId="conversation" action={<Pager page={page} pages={pages} total={total} onPage={go} />}>
      {q.isPending ? (
        <div className="h-48 animate-pulse rounded bg-slate-50" aria-busy="true" aria-label="Loading the conversation" />
      ) : q.isError ? (
        <ErrorNote title="Could not load the conversation" message={q.error.message} />
      ) : q.data.exchanges.length === 0 ? (
        <p className="text-[13px] text-slate-500">
          {total > 0 ? 'No exchange on this page.' : `No request reached the model in this conversation${s.status === 'open' ? ' yet' : ''}.`}
        </p>
      ) : (
        <ol className="space-y-3" aria-busy={q.isFetching && q.isPlaceholderData}>
          {q.data.exchanges.map((x, i) => (
            <li key={x.exchange} className="grid grid-cols-[4.25rem_minmax(0,1fr)] gap-3">
              <Gutter at={x.at} start={s.startedAt} seq={x.exchange} />
              <ExchangeCard x={x} first={page === 1 && i === 0} onFull={() => setFull(x.request?.seq ?? null)} />
            </li>
          ))}
        </ol>
      )}
      {pages > 1 && q.data && q.data.exchanges.length > 0 && (
        <div className="mt-3 flex justify-end border-t border-slate-100 pt-2">
          <Pager page={page} pages={pages} total={total} onPage={go} />
        </div>
      )}
      <FullRequestDialog sessionId={s.id} seq={full} onClose={() => setFull(null)} />
    </Card>
  );
}

/** The head of a conversation's page: exchanges, tokens, tool calls, refusals. */
export function ConversationStats({ s }: { s: Session }) {
  const c = s.claude;
  if (!c) return null;
  const cache = c.cacheReadTokens + c.cacheCreationTokens;
  return (
    <div className="mb-5 grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="conversation-stats">
      <Stat label="Exchanges" value={<span data-testid="stat-exchanges">{c.exchanges}</span>}>
        <span className="text-[12px] text-slate-500">
          {c.models.map(shortModel).join(', ') || 'no model yet'}
          {c.failed > 0 && <span className="text-red-700"> · {c.failed} failed</span>}
        </span>
      </Stat>
      <Stat label="Tokens" value={<span data-testid="stat-tokens">{tokens(c.inputTokens + c.outputTokens)}</span>}>
        <span className="font-mono text-[11.5px] text-slate-500" data-testid="stat-token-split">
          {tokens(c.inputTokens)} in · {tokens(c.outputTokens)} out{cache > 0 ? ` · ${tokens(cache)} cache` : ''}
        </span>
      </Stat>
      <Stat label="Tool calls" value={<span data-testid="stat-tool-calls">{c.toolCalls}</span>}>
        {c.held > 0 && <span className="text-[12px] text-amber-800">{c.held} held for review</span>}
      </Stat>
      <Stat label="Blocked" value={<span data-testid="stat-blocked">{c.blocked}</span>} tone={c.blocked > 0 ? 'red' : 'neutral'}>
        <span className="text-[12px] text-slate-500">tool calls refused</span>
      </Stat>
    </div>
  );
}
