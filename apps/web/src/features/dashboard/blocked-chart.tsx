'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Bar, BarChart, CartesianGrid, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import { ShieldIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';
import { AXIS_LINE, AXIS_TICK, ChartPanel, CURSOR, GRID_STROKE, LegendItem, TooltipBox, TooltipLine } from './chart-bits';
import { blockedRows, bucketTick, bucketTitle, count, NO_RULE, OTHER, type Range, rangeLong } from './chart-data';

type Trpc = ReturnType<typeof useTRPC>;
type Blocked = inferOutput<Trpc['dashboard']['blocked']>;

const HEIGHT = 220;

/** Statements and commands a guardrail refused, stacked by the rule that refused them. */
export function BlockedChart({ range }: { range: Range }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.blocked.queryOptions({ range }), refetchInterval: 30_000 });
  return (
    <ChartPanel
      title="Blocked by guardrail rule"
      testId="chart-blocked"
      query={q}
      height={HEIGHT}
      isEmpty={(d) => d.total === 0}
      empty={{
        icon: <ShieldIcon width={16} height={16} />,
        title: `Nothing blocked in ${rangeLong(range)}`,
        body: 'Statements and commands a guardrail refuses (a DELETE without WHERE, rm -rf on a broad path, …) are counted here by rule.',
      }}
      action={
        q.data && q.data.total > 0 ? (
          <span className="text-[12px] text-slate-500">
            <span className="font-semibold tabular-nums text-red-700">{count(q.data.total)}</span> blocked
          </span>
        ) : undefined
      }
    >
      {(d) => <Chart blocked={d} />}
    </ChartPanel>
  );
}

function Chart({ blocked }: { blocked: Blocked }) {
  const { window } = blocked;
  const { names, colors, data } = blockedRows(window.buckets, blocked.rows);
  const color = (n: string) => colors.get(n)!;
  const totals = new Map<string, number>();
  for (const r of blocked.rules) {
    const name = names.includes(r.rule ?? NO_RULE) ? (r.rule ?? NO_RULE) : OTHER;
    totals.set(name, (totals.get(name) ?? 0) + r.blocked);
  }
  return (
    <div>
      <BarChart responsive data={data} style={{ width: '100%', height: HEIGHT }} margin={{ top: 4, right: 4, bottom: 0, left: -12 }} barCategoryGap="22%">
        <CartesianGrid vertical={false} stroke={GRID_STROKE} />
        <XAxis
          dataKey="bucket"
          tickFormatter={(b: string) => bucketTick(b, window.unit)}
          tick={AXIS_TICK}
          axisLine={AXIS_LINE}
          tickLine={false}
          minTickGap={14}
        />
        <YAxis allowDecimals={false} tick={AXIS_TICK} axisLine={false} tickLine={false} width={44} />
        <Tooltip cursor={CURSOR} content={(p) => <BlockedTooltip {...p} names={names} colors={colors} unit={window.unit} />} />
        {names.map((n) => (
          <Bar key={n} dataKey={n} name={n} stackId="rules" fill={color(n)} maxBarSize={28} isAnimationActive={false} />
        ))}
      </BarChart>
      <ul className="mt-3 grid grid-cols-1 gap-x-4 gap-y-1 border-t border-slate-100 pt-2.5 sm:grid-cols-2" aria-label="Rules">
        {names.map((n) => (
          <LegendItem key={n} color={color(n)} label={n} value={count(totals.get(n) ?? 0)} />
        ))}
      </ul>
    </div>
  );
}

function BlockedTooltip({
  active,
  label,
  payload,
  names,
  colors,
  unit,
}: TooltipContentProps & { names: string[]; colors: Map<string, string>; unit: 'hour' | 'day' }) {
  if (!active || !payload?.length) return null;
  const row = (payload[0]?.payload ?? {}) as Record<string, number>;
  const lines = names.filter((n) => (row[n] ?? 0) > 0);
  return (
    <TooltipBox title={bucketTitle(String(label), unit)}>
      {lines.length === 0 ? (
        <div className="text-slate-500">Nothing blocked</div>
      ) : (
        lines.map((n) => <TooltipLine key={n} color={colors.get(n)!} label={n} value={row[n]} />)
      )}
    </TooltipBox>
  );
}
