'use client';

import { useRef } from 'react';
import { cx } from './cx';

export interface DownloadChoice {
  href: string;
  label: string;
  hint?: string;
}

/** A button that opens a short list of downloads (plain links: the browser saves what the server streams). */
export function DownloadMenu({ label, choices, align = 'right' }: { label: string; choices: DownloadChoice[]; align?: 'left' | 'right' }) {
  const ref = useRef<HTMLDetailsElement>(null);
  return (
    <details ref={ref} className="group relative" data-testid="download-menu">
      <summary
        className={
          'inline-flex h-8 cursor-pointer list-none items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 ' +
          'text-[13px] font-medium text-slate-700 shadow-sm select-none hover:bg-slate-50 [&::-webkit-details-marker]:hidden'
        }
      >
        <svg
          viewBox="0 0 24 24"
          width={14}
          height={14}
          fill="none"
          stroke="currentColor"
          strokeWidth={1.75}
          strokeLinecap="round"
          strokeLinejoin="round"
          aria-hidden
        >
          <path d="M12 4v11M7 10.5l5 5 5-5M5 19.5h14" />
        </svg>
        {label}
        <svg
          viewBox="0 0 24 24"
          width={12}
          height={12}
          fill="none"
          stroke="currentColor"
          strokeWidth={2}
          aria-hidden
          className="text-slate-400 transition-transform group-open:rotate-180"
        >
          <path d="m6 9 6 6 6-6" />
        </svg>
      </summary>
      <div
        role="menu"
        className={cx(
          'absolute z-20 mt-1 w-64 overflow-hidden rounded-md border border-slate-200 bg-white py-1 shadow-lg',
          align === 'right' ? 'right-0' : 'left-0',
        )}
      >
        {choices.map((c) => (
          <a
            key={c.href}
            role="menuitem"
            href={c.href}
            download
            onClick={() => ref.current?.removeAttribute('open')}
            className="block px-3 py-1.5 text-[13px] text-slate-700 hover:bg-slate-50 hover:text-slate-900"
          >
            <div className="font-medium">{c.label}</div>
            {c.hint && <div className="text-[11px] text-slate-400">{c.hint}</div>}
          </a>
        ))}
      </div>
    </details>
  );
}
