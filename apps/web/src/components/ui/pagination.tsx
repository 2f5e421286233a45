'use client';

import { useSetSearchParams } from './use-search-param';

/** `atLeast`: the total is a lower bound (the server stopped counting there). */
export function Pagination({
  page,
  pageSize,
  total,
  noun,
  atLeast = false,
}: {
  page: number;
  pageSize: number;
  total: number;
  noun: [string, string];
  atLeast?: boolean;
}) {
  const { set } = useSetSearchParams();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const btn =
    'h-7 rounded border border-slate-300 bg-white px-2.5 text-[12px] font-medium ' +
    'text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-40';
  return (
    <div className="mt-2 flex items-center justify-between px-1 text-[12px] text-slate-500">
      <span className="tabular-nums" data-testid="list-count">
        {total === 0
          ? `0 ${noun[1]}`
          : pages === 1
            ? `${total} ${total === 1 ? noun[0] : noun[1]}`
            : `${from}–${to} of ${total.toLocaleString('en-US')}${atLeast ? '+' : ''} ${noun[1]}`}
      </span>
      {pages > 1 && (
        <div className="flex items-center gap-1.5">
          <button type="button" className={btn} disabled={page <= 1} onClick={() => set({ page: page - 1 > 1 ? String(page - 1) : null })}>
            Previous
          </button>
          <span className="tabular-nums">
            {page} / {pages}
          </span>
          <button type="button" className={btn} disabled={page >= pages} onClick={() => set({ page: String(page + 1) })}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}
