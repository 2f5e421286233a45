'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { Bar, BarChart, Cell, LabelList, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import { InboxIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';
import { AXIS_TICK, ChartPanel, CURSOR, TooltipBox, TooltipLine } from './chart-bits';
import { count, duration, type Range, rangeLong } from './chart-data';

type Trpc = ReturnType<typeof useTRPC>;
type Approvals = inferOutput<Trpc['dashboard']['approvals']>;

const HEIGHT = 140;
const OUTCOMES = [
  { key: 'approved', label: 'Approved', color: '#059669' },
  { key: 'rejected', label: 'Rejected', color: '#dc2626' },
  { key: 'expired', label: 'Expired', color: '#d97706' },
  { key: 'revoked', label: 'Revoked', color: '#64748b' },
] as const;

/** How fast reviewers answer (median and 90th percentile), what became of the requests, and what waits now. */
export function ApprovalsPanel({ range }: { range: Range }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.approvals.queryOptions({ range }), refetchInterval: 30_000 });
  return (
    <ChartPanel
      title="Approvals"
      testId="chart-approvals"
      query={q}
      height={HEIGHT}
      isEmpty={(d) => d.requested === 0 && d.pendingNow === 0}
      empty={{
        icon: <InboxIcon width={16} height={16} />,
        title: `No review requests in ${rangeLong(range)}`,
        body: 'When a guardrail holds a statement for a human, the time to a decision and the outcomes are shown here.',
      }}
      action={
        <Link href="/reviews" className="text-[12px] font-medium text-slate-500 hover:text-slate-900 hover:underline">
          Open the inbox
        </Link>
      }
    >
      {(d) => <Panel a={d} />}
    </ChartPanel>
  );
}

function Figure({ label, value, hint, testId }: { label: string; value: string; hint: string; testId: string }) {
  return (
    <div className="min-w-0 rounded-md bg-slate-50 px-3 py-2.5" data-testid={testId}>
      <div className="text-[11px] font-medium text-slate-500">{label}</div>
      <div className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{value}</div>
      <div className="truncate text-[11.5px] text-slate-400" title={hint}>
        {hint}
      </div>
    </div>
  );
}

function Panel({ a }: { a: Approvals }) {
  const data = OUTCOMES.map((o) => ({ ...o, n: a[o.key] }));
  const settled = data.reduce((n, d) => n + d.n, 0);
  return (
    <div className="grid items-center gap-4 lg:grid-cols-2" style={{ minHeight: HEIGHT }}>
      <div className="grid grid-cols-3 gap-2">
        <Figure
          testId="approval-p50"
          label="Median to decision"
          value={duration(a.p50Seconds)}
          hint={a.decided ? `over ${count(a.decided)} decided` : 'nothing decided yet'}
        />
        <Figure
          testId="approval-p90"
          label="90th percentile"
          value={duration(a.p90Seconds)}
          hint={a.decided ? '9 in 10 decided within' : 'nothing decided yet'}
        />
        <Figure
          testId="approval-requested"
          label="Requested"
          value={count(a.requested)}
          hint={a.pendingNow ? `${count(a.pendingNow)} waiting now` : 'none waiting now'}
        />
      </div>
      {settled === 0 ? (
        <p className="flex h-full min-h-24 items-center justify-center rounded-md bg-slate-50/70 px-4 text-center text-[12.5px] text-slate-500">
          {a.requested
            ? `${count(a.requested)} requested in ${rangeLong(a.window.range)}, none settled yet.`
            : `No request raised in ${rangeLong(a.window.range)}.`}
        </p>
      ) : (
        <div data-testid="approval-outcomes">
          <div className="mb-1 text-[11px] font-medium text-slate-500">What became of them</div>
          <BarChart
            responsive
            layout="vertical"
            data={data}
            style={{ width: '100%', height: 4 * 28 + 8 }}
            margin={{ top: 4, right: 40, bottom: 4, left: 0 }}
            barCategoryGap={6}
          >
            <XAxis type="number" hide allowDecimals={false} />
            <YAxis type="category" dataKey="label" tick={{ ...AXIS_TICK, fill: '#334155', fontSize: 12 }} axisLine={false} tickLine={false} width={72} />
            <Tooltip cursor={CURSOR} content={(p) => <OutcomeTooltip {...p} total={settled} />} />
            <Bar dataKey="n" name="Requests" radius={[0, 3, 3, 0]} maxBarSize={16} minPointSize={2} isAnimationActive={false}>
              {data.map((d) => (
                // none of an outcome: a grey sliver, so its count still shows beside it
                <Cell key={d.key} fill={d.n > 0 ? d.color : '#cbd5e1'} />
              ))}
              <LabelList dataKey="n" position="right" formatter={(v) => count(Number(v))} style={{ fontSize: 12, fill: '#0f172a', fontWeight: 600 }} />
            </Bar>
          </BarChart>
        </div>
      )}
    </div>
  );
}

function OutcomeTooltip({ active, payload, total }: TooltipContentProps & { total: number }) {
  if (!active || !payload?.length) return null;
  const row = payload[0]?.payload as { label: string; n: number; color: string } | undefined;
  if (!row) return null;
  return (
    <TooltipBox title={row.label}>
      <TooltipLine color={row.color} label="requests" value={count(row.n)} />
      <div className="text-slate-500">{Math.round((row.n / Math.max(1, total)) * 100)}% of settled requests</div>
    </TooltipBox>
  );
}
