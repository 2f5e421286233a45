import type { ReactNode } from 'react';
import { cx } from './cx';

/** A dense data table: sticky header, hairline rows, numbers and ids in monospace where the caller says so. */
export function Table({ columns, children, label }: { columns: { label: string; className?: string }[]; children: ReactNode; label: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]">
      <table className="w-full border-collapse text-left text-[13px]" aria-label={label}>
        <thead>
          <tr className="border-b border-slate-200 bg-slate-50/80">
            {columns.map((c) => (
              <th
                key={c.label}
                scope="col"
                className={cx('px-3 py-2 text-[11px] font-semibold uppercase tracking-wider text-slate-500 whitespace-nowrap', c.className)}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export function Td({ children, className, mono }: { children: ReactNode; className?: string; mono?: boolean }) {
  return <td className={cx('px-3 py-2 align-middle text-slate-700', mono && 'font-mono text-[12px]', className)}>{children}</td>;
}

export function Muted({ children }: { children: ReactNode }) {
  return <span className="text-slate-400">{children}</span>;
}

export function TableSkeleton({ rows = 4 }: { rows?: number }) {
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white" aria-busy="true" aria-label="Loading">
      <div className="h-8 border-b border-slate-200 bg-slate-50" />
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-4 border-b border-slate-100 px-3 py-3 last:border-0">
          <div className="h-3 w-32 animate-pulse rounded bg-slate-100" />
          <div className="h-3 w-20 animate-pulse rounded bg-slate-100" />
          <div className="h-3 flex-1 animate-pulse rounded bg-slate-100" />
        </div>
      ))}
    </div>
  );
}
