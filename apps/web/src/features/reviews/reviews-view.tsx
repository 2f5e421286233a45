'use client';

import { ServiceBadge } from '../sessions/session-bits';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferInput, inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Badge } from '~/components/ui/badge';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { HistoryIcon, InboxIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Segmented } from '~/components/ui/search-box';
import { SelectFilter } from '~/components/ui/select-filter';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { useSetSearchParams } from '~/components/ui/use-search-param';
import { useTRPC } from '~/trpc/react';
import { ApprovalMeter, Countdown, modeLabel, requestSummary, ReviewStatusBadge } from './review-bits';

type Trpc = ReturnType<typeof useTRPC>;
type Input = inferInput<Trpc['review']['list']>;
type Item = inferOutput<Trpc['review']['list']>['items'][number];
export type InboxView = 'pending' | 'history';

/** New requests must show up while a reviewer watches the page: poll every 2 s. */
const POLL_MS = 2_000;

const HISTORY_STATUSES = [
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked' },
];

const PENDING_COLUMNS = [
  { label: 'Requested by' },
  { label: 'Connection' },
  { label: 'Statement', className: 'w-[32%]' },
  { label: 'Rule' },
  { label: 'Reason' },
  { label: 'Approvals' },
  { label: 'Expires' },
  { label: '', className: 'w-px' },
];

const HISTORY_COLUMNS = [
  { label: 'Requested' },
  { label: 'Requested by' },
  { label: 'Connection' },
  { label: 'Statement', className: 'w-[30%]' },
  { label: 'Outcome' },
  { label: 'Note' },
  { label: 'Decided' },
];

export function ReviewsView({ view, input }: { view: InboxView; input: Input }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { set } = useSetSearchParams();
  const list = useQuery({ ...trpc.review.list.queryOptions(input), refetchInterval: POLL_MS, placeholderData: keepPreviousData });
  const summary = useQuery({ ...trpc.review.summary.queryOptions({}), refetchInterval: POLL_MS });
  const facets = useQuery({ ...trpc.review.facets.queryOptions({}), staleTime: 10_000, refetchInterval: 15_000 });
  const filtered = Boolean(input.connection || input.requester || (view === 'history' && input.status !== 'decided'));
  const clear = () => set({ connection: null, requester: null, status: null, before: null });
  const open = (id: string) => router.push(`/reviews/${id}`);

  return (
    <section aria-label={view === 'pending' ? 'Pending reviews' : 'Review history'}>
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <Segmented
          param="view"
          value={view === 'history' ? 'history' : null}
          resets={['status', 'before']}
          options={[
            { value: null, label: 'Pending', count: summary.data?.pending },
            { value: 'history', label: 'History' },
          ]}
        />
        {view === 'history' && (
          <SelectFilter param="status" value={input.status === 'decided' ? null : (input.status ?? null)} label="Any outcome" options={HISTORY_STATUSES} />
        )}
        {/* nothing to choose from before the first request */}
        {Boolean(facets.data?.connections.length || input.connection) && (
          <SelectFilter
            param="connection"
            value={input.connection ?? null}
            label="All connections"
            options={(facets.data?.connections ?? []).map((c) => ({ value: c, label: c }))}
          />
        )}
        {Boolean(facets.data?.requesters.length || input.requester) && (
          <SelectFilter
            param="requester"
            value={input.requester ?? null}
            label="All requesters"
            options={(facets.data?.requesters ?? []).map((r) => ({ value: r.email, label: r.name ? `${r.name} (${r.email})` : r.email }))}
          />
        )}
        {view === 'pending' && (
          <span className="ml-auto inline-flex items-center gap-1.5 text-[12px] text-slate-500" title="This list refreshes every 2 seconds">
            <span className="relative inline-flex h-2 w-2 rounded-full bg-emerald-500">
              <span className="absolute inset-0 animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:hidden" />
            </span>
            Live
          </span>
        )}
      </div>

      {list.isPending ? (
        <TableSkeleton />
      ) : list.isError ? (
        <ErrorNote message={list.error.message} />
      ) : list.data.items.length === 0 ? (
        filtered ? (
          <EmptyState
            title={view === 'pending' ? 'No pending request matches these filters' : 'No decided request matches these filters'}
            action={
              <button type="button" className="text-[13px] font-medium text-slate-900 underline underline-offset-4" onClick={clear}>
                Clear filters
              </button>
            }
          >
            Try another connection, requester or outcome.
          </EmptyState>
        ) : view === 'pending' ? (
          <EmptyState icon={<InboxIcon width={18} height={18} />} title="No requests waiting for review">
            When a guardrail holds a statement for approval it appears here at once; this page updates by itself. The requester is told to wait and gets a link
            to the request.
          </EmptyState>
        ) : (
          <EmptyState icon={<HistoryIcon width={18} height={18} />} title="No decided requests yet">
            Approved, rejected, expired and revoked requests are kept here with who decided and why.
          </EmptyState>
        )
      ) : (
        <>
          {view === 'pending' ? (
            <Table columns={PENDING_COLUMNS} label="Pending reviews">
              {list.data.items.map((r) => (
                <PendingRow key={r.id} r={r} onOpen={() => open(r.id)} />
              ))}
            </Table>
          ) : (
            <Table columns={HISTORY_COLUMNS} label="Review history">
              {list.data.items.map((r) => (
                <HistoryRow key={r.id} r={r} onOpen={() => open(r.id)} />
              ))}
            </Table>
          )}
          <div className="mt-2 flex items-center justify-between px-1 text-[12px] text-slate-500">
            <span className="tabular-nums" data-testid="list-count">
              {list.data.items.length} {list.data.items.length === 1 ? 'request' : 'requests'}
              {input.before ? ' (older page)' : ''}
            </span>
            <div className="flex items-center gap-1.5">
              {input.before && <PageButton onClick={() => set({ before: null })}>Newest</PageButton>}
              {list.data.nextBefore && <PageButton onClick={() => set({ before: list.data.nextBefore!.toISOString() })}>Older</PageButton>}
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function PageButton({ onClick, children }: { onClick: () => void; children: string }) {
  return (
    <button
      type="button"
      onClick={onClick}
      className="h-7 rounded border border-slate-300 bg-white px-2.5 text-[12px] font-medium text-slate-700 shadow-sm hover:bg-slate-50"
    >
      {children}
    </button>
  );
}

function Person({ p }: { p: { name: string; email: string; isService?: boolean } }) {
  return (
    <div className="min-w-0">
      <div className="flex items-center gap-1.5 truncate font-medium text-slate-900">
        {p.name || p.email}
        {p.isService && <ServiceBadge />}
      </div>
      <div className="truncate text-[11px] text-slate-400">{p.email}</div>
    </div>
  );
}

function StatementCell({ r }: { r: Item }) {
  const text = requestSummary(r);
  return (
    <Link
      href={`/reviews/${r.id}`}
      title={text}
      onClick={(e) => e.stopPropagation()}
      className={
        'block max-w-[28rem] truncate rounded bg-slate-50 px-1.5 py-0.5 font-mono text-[12px] text-slate-800 ring-1 ring-inset ring-slate-200 ' +
        'hover:bg-slate-100 hover:ring-slate-300'
      }
    >
      {text}
    </Link>
  );
}

const ROW = 'cursor-pointer hover:bg-slate-50/70';

function PendingRow({ r, onOpen }: { r: Item; onOpen: () => void }) {
  return (
    <tr data-testid="review-row" data-id={r.id} onClick={onOpen} className={ROW}>
      <Td>
        <Person p={r.requester} />
      </Td>
      <Td>
        <div className="font-medium text-slate-800">{r.connection.name}</div>
        <div className="text-[11px] text-slate-400">{modeLabel(r.mode)}</div>
      </Td>
      <Td>
        <StatementCell r={r} />
      </Td>
      <Td>
        {r.ruleId ? (
          <span className="font-mono text-[12px] text-slate-700" title={r.ruleMessage ?? undefined}>
            {r.ruleId}
          </span>
        ) : (
          <Muted>—</Muted>
        )}
      </Td>
      <Td className="max-w-[16rem]">
        {r.reason ? (
          <span className="line-clamp-2 text-slate-700" title={r.reason}>
            {r.reason}
          </span>
        ) : (
          <Muted>none given</Muted>
        )}
      </Td>
      <Td>
        <ApprovalMeter approvals={r.approvals} min={r.minApprovals} />
      </Td>
      <Td>
        <Countdown until={r.expiresAt} />
        <div className="mt-0.5 text-[11px] text-slate-400">
          asked <RelativeTime date={r.createdAt} />
        </div>
      </Td>
      <Td className="text-right">
        {r.awaitsViewer ? (
          <span className="inline-flex h-7 items-center rounded-md bg-slate-900 px-2.5 text-[12px] font-medium whitespace-nowrap text-white shadow-sm">
            Review
          </span>
        ) : (
          <span
            className={
              'inline-flex h-7 items-center rounded-md border border-slate-300 bg-white px-2.5 text-[12px] font-medium ' + 'whitespace-nowrap text-slate-600'
            }
          >
            View
          </span>
        )}
      </Td>
    </tr>
  );
}

function HistoryRow({ r, onOpen }: { r: Item; onOpen: () => void }) {
  return (
    <tr data-testid="review-row" data-id={r.id} data-status={r.status} onClick={onOpen} className={ROW}>
      <Td className="whitespace-nowrap text-slate-500">
        <RelativeTime date={r.createdAt} />
      </Td>
      <Td>
        <Person p={r.requester} />
      </Td>
      <Td>
        <span className="font-medium text-slate-800">{r.connection.name}</span>
      </Td>
      <Td>
        <StatementCell r={r} />
      </Td>
      <Td>
        <div className="flex flex-col items-start gap-0.5">
          <ReviewStatusBadge status={r.status} />
          {r.decidedBy && <span className="text-[11px] text-slate-500">by {r.decidedBy.name || r.decidedBy.email}</span>}
          {r.status === 'approved' &&
            r.kind === 'statement' &&
            (r.executedAt ? (
              <Badge tone="blue" title="The approved statement ran">
                ran
              </Badge>
            ) : (
              <span className="text-[11px] text-slate-400">not run yet</span>
            ))}
        </div>
      </Td>
      <Td className="max-w-[16rem]">
        {r.decisionNote ? (
          <span className="line-clamp-2" title={r.decisionNote}>
            {r.decisionNote}
          </span>
        ) : (
          <Muted>—</Muted>
        )}
      </Td>
      <Td className="whitespace-nowrap text-slate-500">
        <RelativeTime date={r.decidedAt} never="—" />
      </Td>
    </tr>
  );
}
