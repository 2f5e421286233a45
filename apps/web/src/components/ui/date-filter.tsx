'use client';

import { useSetSearchParams } from './use-search-param';

/** A day picker bound to one URL parameter (`YYYY-MM-DD`, empty clears it). */
export function DateFilter({ param, value, label, min, max }: { param: string; value: string | null; label: string; min?: string; max?: string }) {
  const { set } = useSetSearchParams();
  return (
    <label
      className={
        'inline-flex h-8 items-center gap-1.5 rounded-md border border-slate-300 bg-white pl-2 pr-1 text-[12px] ' +
        'text-slate-500 shadow-sm focus-within:border-slate-500 focus-within:ring-2 focus-within:ring-slate-900/10'
      }
    >
      <span>{label}</span>
      <input
        type="date"
        aria-label={label}
        value={value ?? ''}
        min={min}
        max={max}
        onChange={(e) => set({ [param]: e.target.value || null })}
        className="h-full bg-transparent text-[13px] text-slate-700 focus:outline-none"
      />
    </label>
  );
}
