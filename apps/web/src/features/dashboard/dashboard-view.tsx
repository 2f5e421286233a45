'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { type ReactNode, useCallback, useState } from 'react';
import { cx } from '~/components/ui/cx';
import { isPlainClick } from '~/components/ui/hydration';
import { useTRPC } from '~/trpc/react';
import { ApprovalsPanel } from './approvals-panel';
import { BlockedChart } from './blocked-chart';
import { count, DEFAULT_RANGE, type Range, RANGES } from './chart-data';
import { MaskedChart } from './masked-chart';
import { ModelUsagePanel } from './model-usage-panel';
import { SessionsChart } from './sessions-chart';

/**
 * The dashboard: what is happening now (agents, open sessions), then the chosen window's sessions, refusals, masked
 * values, approvals, and Claude Code's tokens and blocked tool calls. The range is kept in the URL (`?range=24h`)
 * without a navigation, so switching it shows each chart's skeleton while its figures load. Each range is a link to
 * its URL, so it works before the page's JavaScript has loaded too (the server then renders that range).
 */
export function DashboardView({ initialRange, scopeNote }: { initialRange: Range; scopeNote: string }) {
  const [range, setRange] = useState<Range>(initialRange);
  const choose = useCallback((r: Range) => {
    setRange(r);
    const url = new URL(window.location.href);
    if (r === DEFAULT_RANGE) url.searchParams.delete('range');
    else url.searchParams.set('range', r);
    window.history.replaceState(null, '', url);
  }, []);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-[12.5px] text-slate-500" data-testid="dashboard-scope">
          {scopeNote}
        </p>
        <div className="flex items-center gap-2">
          <span className="text-[12px] text-slate-400">UTC</span>
          <RangePicker value={range} onChange={choose} />
        </div>
      </div>
      <NowRow range={range} />
      <SessionsChart range={range} />
      <div className="grid gap-4 lg:grid-cols-2">
        <BlockedChart range={range} />
        <MaskedChart range={range} />
      </div>
      <ApprovalsPanel range={range} />
      <ModelUsagePanel range={range} />
    </div>
  );
}

function RangePicker({ value, onChange }: { value: Range; onChange: (r: Range) => void }) {
  const pathname = usePathname();
  return (
    <div role="group" aria-label="Time range" className="inline-flex h-8 items-center rounded-md border border-slate-300 bg-white p-0.5 shadow-sm">
      {RANGES.map((r) => (
        <a
          key={r.value}
          href={r.value === DEFAULT_RANGE ? pathname : `${pathname}?range=${r.value}`}
          aria-current={r.value === value ? 'true' : undefined}
          title={`Show ${r.long}`}
          onClick={(e) => {
            if (!isPlainClick(e)) return;
            e.preventDefault();
            onChange(r.value);
          }}
          className={cx(
            'flex h-full items-center rounded px-2.5 text-[12px] font-medium',
            r.value === value ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
          )}
        >
          {r.label}
        </a>
      ))}
    </div>
  );
}

function Tile({ label, testId, children, hint }: { label: string; testId: string; children: ReactNode; hint: ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-[0_1px_0_rgba(15,23,42,0.03)]" data-testid={testId}>
      <div className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">{label}</div>
      <div className="mt-1 flex items-baseline gap-1.5 text-xl font-semibold tabular-nums text-slate-900">{children}</div>
      <div className="mt-0.5 truncate text-[12px] text-slate-500">{hint}</div>
    </div>
  );
}

/**
 * Now, whatever the range: agents and open sessions polled every 5 s like the agents page; requests waiting for a
 * reviewer come with the approvals figures (this tile keeps showing the last count while another range loads).
 */
function NowRow({ range }: { range: Range }) {
  const trpc = useTRPC();
  const live = useQuery({ ...trpc.dashboard.live.queryOptions({}), refetchInterval: 5_000 });
  const approvals = useQuery({ ...trpc.dashboard.approvals.queryOptions({ range }), refetchInterval: 30_000, placeholderData: keepPreviousData });
  const d = live.data;
  const pending = approvals.data?.pendingNow;
  const dash = <span className="text-slate-300">…</span>;
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-3" aria-label="Now">
      <Tile label="Agents online" testId="live-agents" hint={d ? (d.agentsTotal === 0 ? 'no agent registered yet' : 'heartbeat in the last 15 s') : '\u00a0'}>
        {d ? (
          <>
            <span className={cx('h-2 w-2 self-center rounded-full', d.agentsOnline > 0 ? 'bg-emerald-500' : 'bg-slate-300')} aria-hidden />
            <span data-testid="live-agents-online">{count(d.agentsOnline)}</span>
            <span className="text-[13px] font-normal text-slate-400">of {count(d.agentsTotal)}</span>
          </>
        ) : (
          dash
        )}
      </Tile>
      <Tile
        label="Sessions open now"
        testId="live-sessions"
        hint={
          d
            ? d.openAgentSessions > 0
              ? `${count(d.openAgentSessions)} of them by AI agents`
              : d.scope === 'own'
                ? 'yours, running now'
                : 'running now'
            : '\u00a0'
        }
      >
        {d ? <span data-testid="live-sessions-open">{count(d.openSessions)}</span> : dash}
      </Tile>
      <Tile
        label="Waiting for review"
        testId="live-pending"
        hint={
          pending === undefined ? (
            '\u00a0'
          ) : pending > 0 ? (
            <Link href="/reviews" className="hover:text-slate-900 hover:underline">
              open the inbox
            </Link>
          ) : (
            'nothing waiting'
          )
        }
      >
        {pending === undefined ? dash : <span className={pending > 0 ? 'text-amber-700' : undefined}>{count(pending)}</span>}
      </Tile>
    </div>
  );
}
