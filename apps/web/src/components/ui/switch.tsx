'use client';

import { type ReactNode, useId } from 'react';
import { cx } from './cx';

/** An on/off setting: the label and what it does on the left, the switch on the right (role=switch, named by the label). */
export function Switch({
  checked,
  onChange,
  label,
  description,
  disabled,
}: {
  checked: boolean;
  onChange: (next: boolean) => void;
  label: string;
  description?: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="flex items-start justify-between gap-6 py-2">
      <div className="min-w-0">
        <label htmlFor={id} className="text-[13px] font-medium text-slate-800">
          {label}
        </label>
        {description && <p className="mt-0.5 text-[12px] text-slate-500">{description}</p>}
      </div>
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={checked}
        disabled={disabled}
        onClick={() => onChange(!checked)}
        className={cx(
          'relative mt-0.5 inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors disabled:cursor-not-allowed disabled:opacity-50',
          checked ? 'bg-emerald-600' : 'bg-slate-300',
        )}
      >
        <span className={cx('inline-block h-4 w-4 rounded-full bg-white shadow-sm transition-transform', checked ? 'translate-x-[18px]' : 'translate-x-0.5')} />
      </button>
    </div>
  );
}
