import type { ReactNode } from 'react';
import { cx } from './cx';

/** A titled panel: a small uppercase heading, an optional action on the right, the content below. */
export function Card({
  title,
  children,
  className,
  testId,
  action,
  flush,
}: {
  title: string;
  children: ReactNode;
  className?: string;
  testId?: string;
  action?: ReactNode;
  flush?: boolean;
}) {
  return (
    <section
      className={cx('rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]', className)}
      aria-label={title}
      data-testid={testId}
    >
      <div className="flex h-10 items-center justify-between gap-3 border-b border-slate-100 px-4">
        <h2 className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">{title}</h2>
        {action}
      </div>
      <div className={flush ? '' : 'px-4 py-3'}>{children}</div>
    </section>
  );
}
