'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferInput, inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { DateFilter } from '~/components/ui/date-filter';
import { DownloadMenu } from '~/components/ui/download-menu';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { TerminalIcon } from '~/components/ui/icons';
import { Pagination } from '~/components/ui/pagination';
import { RelativeTime } from '~/components/ui/relative-time';
import { SearchBox } from '~/components/ui/search-box';
import { SelectFilter } from '~/components/ui/select-filter';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { useSetSearchParams } from '~/components/ui/use-search-param';
import { useTRPC } from '~/trpc/react';
import { shortModel, tokens } from './conversation-types';
import { modeLabel, ServiceBadge, SessionDuration, SessionStatusBadge, utc, utcShort } from './session-bits';
import { FILTER_KEYS } from './session-params';

type Trpc = ReturnType<typeof useTRPC>;
type Input = inferInput<Trpc['session']['list']>;
type Item = inferOutput<Trpc['session']['list']>['items'][number];

const COLUMNS = [
  { label: 'Started' },
  { label: 'User' },
  { label: 'Connection' },
  { label: 'Mode' },
  { label: 'Status' },
  { label: 'Duration' },
  { label: 'Statements', className: 'text-right' },
  { label: 'Blocked', className: 'text-right' },
  { label: 'Masked', className: 'text-right' },
  { label: 'Reason', className: 'w-[22%]' },
];

const MODE_OPTIONS = [
  { value: 'exec', label: 'hoop exec' },
  { value: 'connect', label: 'hoop connect' },
  { value: 'mcp', label: 'MCP tool' },
  { value: 'claude', label: 'Claude Code (model API)' },
];
const STATUS_OPTIONS = [
  { value: 'open', label: 'Live' },
  { value: 'closed', label: 'Closed' },
  { value: 'failed', label: 'Failed' },
];
const OUTCOME_OPTIONS = [
  { value: 'blocked', label: 'Blocked statements or tool calls' },
  { value: 'reviewed', label: 'Held for review' },
  { value: 'masked', label: 'Masked values' },
];

/** The session list: filters in the URL, the server pages, and running sessions update by themselves. */
export function SessionsView({ input, days }: { input: Input; days: { from: string | null; to: string | null } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const { set } = useSetSearchParams();
  const list = useQuery({ ...trpc.session.list.queryOptions(input), refetchInterval: 5_000, placeholderData: keepPreviousData });
  const facets = useQuery({ ...trpc.session.facets.queryOptions({}), staleTime: 10_000 });
  const filtered = FILTER_KEYS.some((k) => params.has(k));
  const clear = () => set(Object.fromEntries(FILTER_KEYS.map((k) => [k, null])));

  const exportQuery = new URLSearchParams([...params.entries()].filter(([k]) => (FILTER_KEYS as readonly string[]).includes(k)));
  const exportHref = (what: string, format: string) =>
    `/api/sessions/export?${new URLSearchParams([...exportQuery.entries(), ['what', what], ['format', format]]).toString()}`;

  return (
    <section aria-label="Sessions">
      <div className="mb-3 space-y-2">
        <div className="flex flex-wrap items-center gap-2">
          <SearchBox placeholder="Search statements and commands" initial={input.q ?? ''} />
          {facets.data?.seesAll && (
            <SelectFilter
              param="user"
              value={input.user ?? null}
              label="All users"
              options={facets.data.users.map((u) => ({ value: u.email, label: `${u.name || u.email}${u.isService ? ' (AI agent)' : ''}` }))}
            />
          )}
          <SelectFilter
            param="connection"
            value={input.connection ?? null}
            label="All connections"
            options={(facets.data?.connections ?? []).map((c) => ({ value: c, label: c }))}
          />
          <SelectFilter param="mode" value={input.mode ?? null} label="Any mode" options={MODE_OPTIONS} />
          <SelectFilter param="status" value={input.status ?? null} label="Any status" options={STATUS_OPTIONS} />
          <SelectFilter param="outcome" value={input.outcome ?? null} label="Any outcome" options={OUTCOME_OPTIONS} />
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-[12px] text-slate-500">Started</span>
          <DateFilter param="from" value={days.from} label="From" max={days.to ?? undefined} />
          <DateFilter param="to" value={days.to} label="To" min={days.from ?? undefined} />
          <span className="text-[12px] text-slate-400">UTC</span>
          {filtered && (
            <button
              type="button"
              onClick={clear}
              className="ml-2 h-8 px-1 text-[12px] font-medium text-slate-500 underline-offset-4 hover:text-slate-900 hover:underline"
            >
              Clear filters
            </button>
          )}
          <div className="ml-auto">
            <DownloadMenu
              label="Export"
              choices={[
                { href: exportHref('sessions', 'csv'), label: 'Sessions as CSV', hint: 'one row per session, as listed' },
                { href: exportHref('sessions', 'jsonl'), label: 'Sessions as JSON lines', hint: 'one object per session' },
                { href: exportHref('events', 'jsonl'), label: 'Events as JSON lines', hint: 'the full audit trail of these sessions' },
                { href: exportHref('events', 'csv'), label: 'Events as CSV', hint: 'the full audit trail of these sessions' },
              ]}
            />
          </div>
        </div>
      </div>

      {list.isPending ? (
        <TableSkeleton />
      ) : list.isError ? (
        <ErrorNote message={list.error.message} />
      ) : list.data.items.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No session matches these filters"
            action={
              <button type="button" className="text-[13px] font-medium text-slate-900 underline underline-offset-4" onClick={clear}>
                Clear filters
              </button>
            }
          >
            Try a wider date range, another connection or outcome, or different search text.
          </EmptyState>
        ) : (
          <EmptyState icon={<TerminalIcon width={18} height={18} />} title="No sessions recorded yet">
            Every <span className="font-mono">hoop connect</span>, <span className="font-mono">hoop exec</span>, MCP tool call and Claude Code conversation is
            recorded here: who, where, each statement with the guardrail&apos;s decision, and what was masked.
          </EmptyState>
        )
      ) : (
        <>
          <Table columns={COLUMNS} label="Sessions">
            {list.data.items.map((s) => (
              <Row key={s.id} s={s} onOpen={() => router.push(`/sessions/${s.id}`)} />
            ))}
          </Table>
          <Pagination
            page={list.data.page}
            pageSize={list.data.pageSize}
            total={list.data.total}
            atLeast={list.data.totalIsLowerBound}
            noun={['session', 'sessions']}
          />
        </>
      )}
    </section>
  );
}

function Count({ n, tone }: { n: number; tone?: 'red' | 'violet' }) {
  if (n === 0) return <Muted>0</Muted>;
  const cls = tone === 'red' ? 'bg-red-50 text-red-700 ring-red-200' : tone === 'violet' ? 'bg-violet-50 text-violet-800 ring-violet-200' : '';
  return tone ? (
    <span className={`inline-flex min-w-6 justify-center rounded px-1.5 py-px text-[12px] font-semibold tabular-nums ring-1 ring-inset ${cls}`}>{n}</span>
  ) : (
    <span className="tabular-nums text-slate-800">{n}</span>
  );
}

function Row({ s, onOpen }: { s: Item; onOpen: () => void }) {
  return (
    <tr data-testid="session-row" data-id={s.id} data-kind={s.kind} onClick={onOpen} className="cursor-pointer hover:bg-slate-50/70">
      <Td className="whitespace-nowrap">
        <Link href={`/sessions/${s.id}`} onClick={(e) => e.stopPropagation()} className="font-medium text-slate-900 hover:underline" title={utc(s.startedAt)}>
          {utcShort(s.startedAt)}
        </Link>
        <div className="text-[11px] text-slate-400">
          <RelativeTime date={s.startedAt} />
        </div>
      </Td>
      <Td>
        <div className="flex min-w-0 items-center gap-1.5">
          <span className="truncate font-medium text-slate-900">{s.user.name || s.user.email}</span>
          {s.user.isService && <ServiceBadge />}
        </div>
        <div className="truncate text-[11px] text-slate-400">{s.user.email}</div>
      </Td>
      <Td>
        <div className="font-medium text-slate-800">{s.connection.name}</div>
        <div className="text-[11px] text-slate-400">{s.connection.type}</div>
      </Td>
      <Td className="whitespace-nowrap">
        {modeLabel(s.mode)}
        {s.claude && <ClaudeFacts c={s.claude} />}
      </Td>
      <Td>
        <SessionStatusBadge status={s.status} title={s.error} />
      </Td>
      <Td className="whitespace-nowrap">
        <SessionDuration startedAt={s.startedAt} endedAt={s.endedAt} status={s.status} />
      </Td>
      <Td className="text-right">
        <span title={s.claude ? 'Tool calls the model made' : s.kind === 'http' ? 'Requests to the API' : undefined} data-testid="statement-count">
          <Count n={s.statements} />
          {s.claude && <div className="text-[11px] font-normal text-slate-400">tool calls</div>}
          {s.kind === 'http' && <div className="text-[11px] font-normal text-slate-400">requests</div>}
        </span>
      </Td>
      <Td className="text-right">
        <span data-testid="blocked-count">
          <Count n={s.blocked} tone="red" />
        </span>
      </Td>
      <Td className="text-right">
        <span data-testid="masked-count">
          <Count n={s.masked} tone="violet" />
        </span>
      </Td>
      <Td className="max-w-[18rem]">
        {s.reason ? (
          <span className="line-clamp-2 text-slate-700" title={s.reason}>
            {s.reason}
          </span>
        ) : s.error ? (
          <span className="line-clamp-2 text-red-700" title={s.error}>
            {s.error}
          </span>
        ) : (
          <Muted>—</Muted>
        )}
      </Td>
    </tr>
  );
}

/** Under the mode of a Claude Code conversation: its model(s) and tokens. */
function ClaudeFacts({ c }: { c: NonNullable<Item['claude']> }) {
  const models = c.models.map(shortModel);
  return (
    <div className="max-w-[13rem] truncate text-[11px] text-slate-400" data-testid="claude-facts" title={c.models.join(', ')}>
      <span className="font-mono" data-testid="claude-models">
        {models.length ? models.join(', ') : 'no model yet'}
      </span>
      <span data-testid="claude-tokens"> · {tokens(c.inputTokens + c.outputTokens)} tokens</span>
    </div>
  );
}
