'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Bar, BarChart, LabelList, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import { LockIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';
import { AXIS_TICK, ChartPanel, CURSOR, TooltipBox, TooltipLine } from './chart-bits';
import { count, OTHER, type Range, rangeLong } from './chart-data';

type Trpc = ReturnType<typeof useTRPC>;
type Masked = inferOutput<Trpc['dashboard']['masked']>;

const ROW = 30;
const MAX_TYPES = 8;
const MIN_HEIGHT = 220;
const VIOLET = '#7c3aed';

/** Values masked before they left the agent, by type: one bar per type, the count beside it. */
export function MaskedChart({ range }: { range: Range }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.masked.queryOptions({ range }), refetchInterval: 30_000 });
  return (
    <ChartPanel
      title="Masked values by type"
      testId="chart-masked"
      query={q}
      height={MIN_HEIGHT}
      isEmpty={(d) => d.total === 0}
      empty={{
        icon: <LockIcon width={16} height={16} />,
        title: `Nothing masked in ${rangeLong(range)}`,
        body: 'E-mail addresses, card numbers and other values a masking rule hides are counted here by type. Raw values never leave the agent.',
      }}
      action={
        q.data && q.data.total > 0 ? (
          <span className="text-[12px] text-slate-500">
            <span className="font-semibold tabular-nums text-violet-800">{count(q.data.total)}</span> masked
          </span>
        ) : undefined
      }
    >
      {(d) => <Chart masked={d} />}
    </ChartPanel>
  );
}

function rowsOf(masked: Masked): { type: string; masked: number }[] {
  if (masked.types.length <= MAX_TYPES) return masked.types;
  const rest = masked.types.slice(MAX_TYPES - 1).reduce((n, t) => n + t.masked, 0);
  return [...masked.types.slice(0, MAX_TYPES - 1), { type: OTHER, masked: rest }];
}

function Chart({ masked }: { masked: Masked }) {
  const data = rowsOf(masked);
  const height = data.length * ROW + 16;
  const labelWidth = Math.min(140, Math.max(56, ...data.map((d) => d.type.length * 7 + 8)));
  return (
    <div className="flex items-center" style={{ minHeight: MIN_HEIGHT }}>
      <BarChart
        responsive
        layout="vertical"
        data={data}
        style={{ width: '100%', height }}
        margin={{ top: 8, right: 48, bottom: 8, left: 0 }}
        barCategoryGap={6}
      >
        <XAxis type="number" hide allowDecimals={false} />
        <YAxis type="category" dataKey="type" tick={{ ...AXIS_TICK, fill: '#334155', fontSize: 12 }} axisLine={false} tickLine={false} width={labelWidth} />
        <Tooltip cursor={CURSOR} content={(p) => <MaskedTooltip {...p} total={masked.total} />} />
        <Bar dataKey="masked" name="Masked" fill={VIOLET} radius={[0, 3, 3, 0]} maxBarSize={20} isAnimationActive={false}>
          <LabelList dataKey="masked" position="right" formatter={(v) => count(Number(v))} style={{ fontSize: 12, fill: '#0f172a', fontWeight: 600 }} />
        </Bar>
      </BarChart>
    </div>
  );
}

function MaskedTooltip({ active, payload, total }: TooltipContentProps & { total: number }) {
  if (!active || !payload?.length) return null;
  const row = payload[0]?.payload as { type: string; masked: number } | undefined;
  if (!row) return null;
  return (
    <TooltipBox title={row.type}>
      <TooltipLine color={VIOLET} label="values masked" value={count(row.masked)} />
      <div className="text-slate-500">{Math.round((row.masked / Math.max(1, total)) * 100)}% of all masked values</div>
    </TooltipBox>
  );
}
