'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { cx } from '~/components/ui/cx';
import { useTRPC } from '~/trpc/react';
import { ChartPanel } from './chart-bits';
import { count, type Range, rangeLong } from './chart-data';

type Trpc = ReturnType<typeof useTRPC>;
type Usage = inferOutput<Trpc['dashboard']['models']>;

const HEIGHT = 120;
/** rows shown before "and N more" (the busiest first) */
const MAX_ROWS = 12;

/** Compact token counts: 950, 12.3k, 4.1M. */
export function tokens(n: number): string {
  if (n < 1000) return count(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}

/**
 * Claude Code through hoop: per user and model, the tokens used (what a daily budget counts, with the prompt cache's
 * reads beside), the tool calls the model asked for that Claude Code did not get to run, and requests refused by
 * policy (model allow-list, daily budget). Figures are by UTC day.
 */
export function ModelUsagePanel({ range }: { range: Range }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.models.queryOptions({ range }), refetchInterval: 30_000 });
  return (
    <ChartPanel
      title="Claude Code: tokens and blocked tool calls"
      testId="chart-models"
      query={q}
      height={HEIGHT}
      isEmpty={(d) => d.rows.length === 0}
      empty={{
        title: `No model API traffic in ${rangeLong(range)}`,
        body: 'When Claude Code goes through an anthropic connection, its tokens and the tool calls hoop blocked are shown here, per user and model.',
      }}
    >
      {(d) => <UsageTable u={d} />}
    </ChartPanel>
  );
}

type Figure = 'requests' | 'budgetTokens' | 'cacheReadInputTokens' | 'toolUses' | 'blockedToolUses' | 'refused';
const COLUMNS: { key: Figure; label: string; title: string }[] = [
  { key: 'requests', label: 'Requests', title: 'answers from the model' },
  { key: 'budgetTokens', label: 'Tokens', title: 'input (uncached and cache writes) and output: what a daily budget counts' },
  { key: 'cacheReadInputTokens', label: 'Cache reads', title: 'input read from the prompt cache (not counted by budgets)' },
  { key: 'toolUses', label: 'Tool calls judged', title: 'tool calls the model asked for that a guard judged' },
  { key: 'blockedToolUses', label: 'Blocked', title: 'tool calls blocked, rejected by a reviewer, or expired waiting' },
  { key: 'refused', label: 'Refused', title: 'requests refused by policy: model allow-list, daily token budget' },
];

function UsageTable({ u }: { u: Usage }) {
  const shown = u.rows.slice(0, MAX_ROWS);
  const cell = 'px-2 py-1.5 text-right tabular-nums';
  return (
    <div className="overflow-x-auto" style={{ minHeight: HEIGHT }}>
      <table className="w-full text-[12.5px]" data-testid="model-usage-table">
        <thead>
          <tr className="border-b border-slate-200 text-[11px] font-medium text-slate-500">
            <th className="px-2 py-1.5 text-left font-medium">User</th>
            <th className="px-2 py-1.5 text-left font-medium">Model</th>
            {COLUMNS.map((c) => (
              <th key={c.key} className="px-2 py-1.5 text-right font-medium" title={c.title}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={`${r.userId}\n${r.model}`} className="border-b border-slate-100 last:border-0" data-testid="model-usage-row">
              <td className="max-w-48 truncate px-2 py-1.5 text-slate-900" title={r.email}>
                {r.email}
              </td>
              <td className="px-2 py-1.5 font-mono text-[12px] text-slate-700">{r.model || <span className="text-slate-400">unknown</span>}</td>
              {COLUMNS.map((c) => {
                const v = r[c.key];
                const alarm = (c.key === 'blockedToolUses' || c.key === 'refused') && v > 0;
                return (
                  <td key={c.key} data-column={c.key} className={cx(cell, alarm ? 'font-semibold text-red-700' : 'text-slate-700')} title={count(v)}>
                    {c.key.endsWith('Tokens') ? tokens(v) : count(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="border-t border-slate-200 font-semibold text-slate-900" data-testid="model-usage-total">
            <td className="px-2 py-1.5" colSpan={2}>
              {u.rows.length > MAX_ROWS ? `All ${count(u.rows.length)} (${count(u.rows.length - MAX_ROWS)} more not shown)` : 'All'}
            </td>
            {COLUMNS.map((c) => (
              <td key={c.key} data-column={c.key} className={cell} title={count(u.totals[c.key])}>
                {c.key.endsWith('Tokens') ? tokens(u.totals[c.key]) : count(u.totals[c.key])}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
