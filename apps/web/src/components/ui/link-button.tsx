import Link from 'next/link';
import type { ReactNode } from 'react';
import { cx } from './cx';

/** A link that looks like the primary or secondary button (for "New …" actions that open a page). */
export function LinkButton({
  href,
  children,
  tone = 'primary',
  className,
}: {
  href: string;
  children: ReactNode;
  tone?: 'primary' | 'secondary';
  className?: string;
}) {
  return (
    <Link
      href={href}
      className={cx(
        'inline-flex h-9 items-center justify-center gap-1.5 rounded-md px-3.5 text-[13px] font-medium whitespace-nowrap shadow-sm',
        tone === 'primary' ? 'bg-slate-900 text-white hover:bg-slate-800' : 'border border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
        className,
      )}
    >
      {children}
    </Link>
  );
}
