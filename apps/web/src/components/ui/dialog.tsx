'use client';

import { type ReactNode, useEffect, useId, useRef } from 'react';
import { cx } from './cx';
import { XIcon } from './icons';

/**
 * A modal dialog on the native <dialog> element: focus stays inside, Escape and the close button call `onClose`, and
 * the page behind is inert. `dismissable={false}` keeps it open on Escape (for a secret shown once: the admin says
 * when they have copied it).
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  testId,
  width = 'md',
  dismissable = true,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  testId?: string;
  width?: 'md' | 'lg';
  dismissable?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        if (dismissable) onClose();
      }}
      className={cx(
        'm-auto w-[calc(100%-2rem)] rounded-xl border border-slate-200 bg-white p-0 ' +
          'text-slate-900 shadow-2xl backdrop:bg-slate-950/40 backdrop:backdrop-blur-[1px]',
        width === 'lg' ? 'max-w-2xl' : 'max-w-lg',
      )}
    >
      {open && (
        <div className="flex flex-col">
          <header className="flex items-start justify-between gap-4 border-b border-slate-100 px-5 py-4">
            <div className="min-w-0">
              <h2 id={titleId} className="text-[15px] font-semibold text-slate-900">
                {title}
              </h2>
              {description && <div className="mt-0.5 text-[13px] text-slate-500">{description}</div>}
            </div>
            {dismissable && (
              <button
                type="button"
                onClick={onClose}
                aria-label="Close"
                className="-mr-1 inline-flex h-7 w-7 shrink-0 items-center justify-center rounded-md text-slate-400 hover:bg-slate-100 hover:text-slate-700"
              >
                <XIcon width={15} height={15} />
              </button>
            )}
          </header>
          {children && <div className="px-5 py-4">{children}</div>}
          {footer && (
            <footer className="flex flex-wrap items-center justify-end gap-2 rounded-b-xl border-t border-slate-100 bg-slate-50/70 px-5 py-3">{footer}</footer>
          )}
        </div>
      )}
    </dialog>
  );
}
