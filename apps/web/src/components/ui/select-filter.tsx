'use client';

import { useSetSearchParams } from './use-search-param';

/** A compact select bound to one URL parameter; the empty option clears the filter. */
export function SelectFilter({
  param,
  value,
  label,
  options,
}: {
  param: string;
  value: string | null;
  label: string;
  options: { value: string; label: string }[];
}) {
  const { set } = useSetSearchParams();
  return (
    <label className="inline-flex items-center">
      <span className="sr-only">{label}</span>
      <select
        value={value ?? ''}
        onChange={(e) => set({ [param]: e.target.value || null })}
        className={
          'h-8 rounded-md border border-slate-300 bg-white pl-2 pr-7 text-[13px] text-slate-700 ' +
          'shadow-sm focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10'
        }
      >
        <option value="">{label}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
