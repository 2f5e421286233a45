'use client';

import { useEffect, useRef, useState } from 'react';
import { isPlainClick } from './hydration';
import { SearchIcon } from './icons';
import { useSetSearchParams } from './use-search-param';

/** A search field bound to the `q` URL parameter, applied 250 ms after the last keystroke. */
export function SearchBox({ placeholder, initial }: { placeholder: string; initial: string }) {
  const [value, setValue] = useState(initial);
  const { set } = useSetSearchParams();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return (
    <label className="relative block w-72">
      <span className="sr-only">{placeholder}</span>
      <SearchIcon className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-slate-400" width={14} height={14} />
      <input
        type="search"
        value={value}
        placeholder={placeholder}
        onChange={(e) => {
          const v = e.target.value;
          setValue(v);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => set({ q: v.trim() || null }), 250);
        }}
        className={
          'h-8 w-full rounded-md border border-slate-300 bg-white pl-8 pr-2 text-[13px] text-slate-900 ' +
          'placeholder:text-slate-400 shadow-sm focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10'
        }
      />
    </label>
  );
}

/**
 * Mutually exclusive filters bound to one URL parameter (null = no filter); `resets` are cleared on a change. Each is
 * a link to the filtered list, followed without a full page load once the page's JavaScript runs.
 */
export function Segmented<V extends string>({
  param,
  value,
  options,
  resets = [],
}: {
  param: string;
  value: V | null;
  options: { value: V | null; label: string; count?: number }[];
  resets?: string[];
}) {
  const { set, href } = useSetSearchParams();
  return (
    <div role="group" className="inline-flex h-8 items-center rounded-md border border-slate-300 bg-white p-0.5 shadow-sm">
      {options.map((o) => {
        const active = o.value === value;
        const next = { ...Object.fromEntries(resets.map((k) => [k, null])), [param]: o.value };
        return (
          <a
            key={o.label}
            href={href(next)}
            aria-current={active ? 'true' : undefined}
            onClick={(e) => {
              if (!isPlainClick(e)) return;
              e.preventDefault();
              set(next);
            }}
            className={
              `flex h-full items-center rounded px-2.5 text-[12px] font-medium ` +
              `${active ? 'bg-slate-900 text-white' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900'}`
            }
          >
            {o.label}
            {o.count !== undefined && <span className={`ml-1.5 tabular-nums ${active ? 'text-slate-300' : 'text-slate-400'}`}>{o.count}</span>}
          </a>
        );
      })}
    </div>
  );
}
