'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { Bar, BarChart, CartesianGrid, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import { TerminalIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';
import { AXIS_LINE, AXIS_TICK, ChartPanel, CURSOR, GRID_STROKE, LegendItem, TooltipBox, TooltipLine } from './chart-bits';
import { bucketTick, bucketTitle, count, type Range, rangeLong, sessionRows } from './chart-data';

type Trpc = ReturnType<typeof useTRPC>;
type Activity = inferOutput<Trpc['dashboard']['sessions']>;

const HEIGHT = 260;
const REFRESH_MS = 30_000;

/**
 * Sessions started per hour or day, stacked by connection. People's sessions are solid; service accounts' (AI
 * agents) are a second, striped bar beside them in the same colours, so both are read at a glance.
 */
export function SessionsChart({ range }: { range: Range }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.sessions.queryOptions({ range }), refetchInterval: REFRESH_MS });
  return (
    <ChartPanel
      title="Sessions by connection"
      testId="chart-sessions"
      query={q}
      height={HEIGHT}
      isEmpty={(d) => d.totals.sessions === 0}
      empty={{
        icon: <TerminalIcon width={16} height={16} />,
        title: `No sessions in ${rangeLong(range)}`,
        body: (
          <>
            Sessions appear here once someone runs <span className="font-mono">hoop connect</span> or <span className="font-mono">hoop exec</span>, or an AI
            agent calls an MCP tool.
          </>
        ),
      }}
      action={q.data && q.data.totals.sessions > 0 ? <Totals totals={q.data.totals} /> : undefined}
    >
      {(d) => <Chart activity={d} />}
    </ChartPanel>
  );
}

function Totals({ totals }: { totals: Activity['totals'] }) {
  return (
    <span className="text-[12px] text-slate-500" data-testid="sessions-total">
      <span className="font-semibold tabular-nums text-slate-900">{count(totals.sessions)}</span> sessions
      {totals.agents > 0 && (
        <>
          {' '}
          · <span className="tabular-nums">{count(totals.agents)}</span> by AI agents
        </>
      )}
    </span>
  );
}

const stripeId = (i: number) => `agent-stripes-${i}`;

function Chart({ activity }: { activity: Activity }) {
  const { window } = activity;
  const { names, colors, data, hasAgents } = sessionRows(window.buckets, activity.rows);
  const color = (n: string) => colors.get(n)!;
  return (
    <div>
      <ul className="mb-2 flex flex-wrap gap-x-4 gap-y-1" aria-label="Connections">
        {names.map((n) => (
          <LegendItem key={n} color={color(n)} label={n} />
        ))}
        {hasAgents && (
          <li className="ml-auto inline-flex items-center gap-3 text-[12px] text-slate-500">
            <LegendItem color="#475569" label="People" />
            <LegendItem color="#475569" label="AI agents" striped />
          </li>
        )}
      </ul>
      <BarChart
        responsive
        data={data}
        style={{ width: '100%', height: HEIGHT }}
        margin={{ top: 4, right: 4, bottom: 0, left: -12 }}
        barGap={2}
        barCategoryGap="18%"
      >
        <defs>
          {names.map((n, i) => (
            <pattern key={n} id={stripeId(i)} patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)">
              <rect width="5" height="5" fill={color(n)} fillOpacity={0.22} />
              <rect width="2.2" height="5" fill={color(n)} />
            </pattern>
          ))}
        </defs>
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
        <Tooltip cursor={CURSOR} content={(p) => <SessionsTooltip {...p} names={names} colors={colors} unit={window.unit} />} />
        {names.map((n) => (
          <Bar key={`p-${n}`} dataKey={`people:${n}`} name={n} stackId="people" fill={color(n)} maxBarSize={hasAgents ? 22 : 36} isAnimationActive={false} />
        ))}
        {hasAgents &&
          names.map((n, i) => (
            <Bar
              key={`a-${n}`}
              dataKey={`agents:${n}`}
              name={`${n} (AI agents)`}
              stackId="agents"
              fill={`url(#${stripeId(i)})`}
              stroke={color(n)}
              strokeWidth={0.75}
              maxBarSize={22}
              isAnimationActive={false}
            />
          ))}
      </BarChart>
    </div>
  );
}

/** One line per connection and kind of user (people solid, AI agents striped), as the bars draw them. */
function SessionsTooltip({
  active,
  label,
  payload,
  names,
  colors,
  unit,
}: TooltipContentProps & { names: string[]; colors: Map<string, string>; unit: 'hour' | 'day' }) {
  if (!active || !payload?.length) return null;
  const row = (payload[0]?.payload ?? {}) as Record<string, number>;
  const lines = names
    .flatMap((n) => [
      { key: `p-${n}`, n, label: n, value: row[`people:${n}`] ?? 0, striped: false },
      { key: `a-${n}`, n, label: `${n} · AI agents`, value: row[`agents:${n}`] ?? 0, striped: true },
    ])
    .filter((l) => l.value > 0);
  const total = lines.reduce((s, l) => s + l.value, 0);
  return (
    <TooltipBox title={bucketTitle(String(label), unit)}>
      {lines.length === 0 ? (
        <div className="text-slate-500">No sessions</div>
      ) : (
        lines.map((l) => <TooltipLine key={l.key} color={colors.get(l.n)!} label={l.label} value={l.value} striped={l.striped} />)
      )}
      {lines.length > 1 && <div className="mt-1 border-t border-slate-100 pt-1 text-right text-slate-500">{count(total)} sessions</div>}
    </TooltipBox>
  );
}
