'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Card } from '~/components/ui/card';
import { cx } from '~/components/ui/cx';
import { ErrorNote } from '~/components/ui/empty-state';

/** Shared look of the dashboard's charts: axis text, grid, the card with its loading, error and empty states. */
export const AXIS_TICK = { fontSize: 11, fill: '#64748b' } as const;
export const AXIS_LINE = { stroke: '#e2e8f0' } as const;
export const GRID_STROKE = '#f1f5f9';
export const CURSOR = { fill: '#f1f5f9', fillOpacity: 0.7 } as const;

interface PanelProps<T> {
  title: string;
  testId: string;
  query: UseQueryResult<T, { message: string }>;
  isEmpty: (data: T) => boolean;
  empty: { icon?: ReactNode; title: string; body: ReactNode };
  /** the chart's height: the skeleton and the empty state take the same room, so nothing jumps */
  height: number;
  action?: ReactNode;
  className?: string;
  children: (data: T) => ReactNode;
}

/** A chart in a card, with a skeleton while it loads, a sentence when it failed and a clear empty state. */
export function ChartPanel<T>({ title, testId, query, isEmpty, empty, height, action, className, children }: PanelProps<T>) {
  const state = query.isPending ? 'loading' : query.isError ? 'error' : isEmpty(query.data) ? 'empty' : 'ready';
  return (
    <Card title={title} testId={testId} action={action} className={cx('flex flex-col', className)}>
      <div data-state={state} className="min-w-0">
        {query.isPending ? (
          <ChartSkeleton height={height} />
        ) : query.isError ? (
          <div style={{ minHeight: height }} className="flex items-center">
            <div className="w-full">
              <ErrorNote title="Could not load this chart" message={query.error.message} />
            </div>
          </div>
        ) : isEmpty(query.data) ? (
          <ChartEmpty height={height} icon={empty.icon} title={empty.title}>
            {empty.body}
          </ChartEmpty>
        ) : (
          children(query.data)
        )}
      </div>
    </Card>
  );
}

const SKELETON_BARS = [38, 55, 30, 70, 48, 82, 60, 44, 66, 35, 58, 74];

export function ChartSkeleton({ height }: { height: number }) {
  return (
    <div aria-busy="true" aria-label="Loading" data-testid="chart-skeleton" style={{ height }} className="flex flex-col justify-end gap-3">
      <div className="flex flex-1 items-end gap-[3%] border-b border-slate-100 px-2">
        {SKELETON_BARS.map((h, i) => (
          <div key={i} className="flex-1 animate-pulse rounded-t bg-slate-100 motion-reduce:animate-none" style={{ height: `${h}%` }} />
        ))}
      </div>
      <div className="flex gap-3">
        <div className="h-2.5 w-16 animate-pulse rounded bg-slate-100" />
        <div className="h-2.5 w-24 animate-pulse rounded bg-slate-100" />
        <div className="h-2.5 w-20 animate-pulse rounded bg-slate-100" />
      </div>
    </div>
  );
}

export function ChartEmpty({ height, icon, title, children }: { height: number; icon?: ReactNode; title: string; children: ReactNode }) {
  return (
    <div
      data-testid="chart-empty"
      style={{ minHeight: height }}
      className="flex flex-col items-center justify-center rounded-md bg-slate-50/70 px-6 py-6 text-center"
    >
      {icon && <div className="mb-2.5 flex h-9 w-9 items-center justify-center rounded-full bg-white text-slate-400 ring-1 ring-slate-200">{icon}</div>}
      <p className="text-[13px] font-medium text-slate-800">{title}</p>
      <div className="mt-1 max-w-sm text-[12.5px] leading-relaxed text-slate-500">{children}</div>
    </div>
  );
}

/** A legend entry drawn in HTML: a swatch (solid or striped) and a name, optionally with a count. */
export function LegendItem({ color, label, value, striped }: { color: string; label: string; value?: ReactNode; striped?: boolean }) {
  return (
    <li data-testid="legend-item" className="inline-flex min-w-0 items-center gap-1.5 text-[12px] text-slate-600">
      <span
        aria-hidden
        className="h-2.5 w-2.5 shrink-0 rounded-[3px]"
        style={
          striped
            ? { background: `repeating-linear-gradient(45deg, ${color} 0 2px, transparent 2px 4px)`, boxShadow: `inset 0 0 0 1px ${color}` }
            : { background: color }
        }
      />
      <span className="truncate" title={label}>
        {label}
      </span>
      {value !== undefined && <span className="tabular-nums font-medium text-slate-900">{value}</span>}
    </li>
  );
}

/** The box every chart's tooltip is drawn in. */
export function TooltipBox({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="min-w-44 rounded-md border border-slate-200 bg-white/95 px-3 py-2 text-[12px] shadow-lg shadow-slate-900/5 backdrop-blur">
      <div className="mb-1 font-medium text-slate-900">{title}</div>
      <div className="space-y-0.5">{children}</div>
    </div>
  );
}

export function TooltipLine({ color, label, value, striped }: { color: string; label: ReactNode; value: ReactNode; striped?: boolean }) {
  return (
    <div className="flex items-center gap-2 text-slate-600">
      <span
        aria-hidden
        className="h-2 w-2 shrink-0 rounded-sm"
        style={
          striped
            ? { background: `repeating-linear-gradient(45deg, ${color} 0 2px, transparent 2px 4px)`, boxShadow: `inset 0 0 0 1px ${color}` }
            : { background: color }
        }
      />
      <span className="min-w-0 flex-1 truncate">{label}</span>
      <span className="tabular-nums font-medium text-slate-900">{value}</span>
    </div>
  );
}
