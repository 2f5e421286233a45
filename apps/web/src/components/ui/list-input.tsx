'use client';

import { type KeyboardEvent, useId, useState } from 'react';
import { cx } from './cx';
import { XIcon } from './icons';

/**
 * A list of short values as chips: Enter, Tab or a comma adds what was typed, Backspace in the empty field removes the
 * last one. `suggestions` offers known values (connection names, roles) without restricting to them.
 */
export function ListInput({
  id,
  values,
  onChange,
  placeholder,
  label,
  disabled,
  suggestions,
  mono,
  invalid,
  normalize,
}: {
  id: string;
  values: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
  /** the accessible name of the text field */
  label: string;
  disabled?: boolean;
  suggestions?: string[];
  mono?: boolean;
  invalid?: boolean;
  normalize?: (v: string) => string;
}) {
  const [text, setText] = useState('');
  const listId = useId();
  const add = (raw: string) => {
    const parts = raw
      .split(',')
      .map((p) => (normalize ? normalize(p.trim()) : p.trim()))
      .filter(Boolean);
    const next = [...values];
    for (const p of parts) if (!next.includes(p)) next.push(p);
    if (next.length !== values.length) onChange(next);
    setText('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if ((e.key === 'Enter' || e.key === ',' || (e.key === 'Tab' && text.trim())) && !e.nativeEvent.isComposing) {
      if (!text.trim()) {
        if (e.key === 'Enter') e.preventDefault();
        return;
      }
      e.preventDefault();
      add(text);
    } else if (e.key === 'Backspace' && !text && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <div
      className={cx(
        'flex min-h-9 w-full flex-wrap items-center gap-1 rounded-md border bg-white px-1.5 py-1 ' +
          'shadow-sm focus-within:border-slate-500 focus-within:ring-2 focus-within:ring-slate-900/10',
        invalid ? 'border-red-400' : 'border-slate-300',
        // a disabled fieldset around it (a read-only form) disables the field without the prop
        (disabled && 'bg-slate-50') || 'has-[input:disabled]:bg-slate-50',
      )}
    >
      {values.map((v) => (
        <span
          key={v}
          className={cx(
            'inline-flex items-center gap-0.5 rounded bg-slate-100 py-0.5 pl-1.5 pr-0.5 text-[12px] text-slate-800 ring-1 ring-inset ring-slate-200',
            mono && 'font-mono',
          )}
        >
          {v}
          {!disabled && (
            <button
              type="button"
              onClick={() => onChange(values.filter((x) => x !== v))}
              aria-label={`Remove ${v}`}
              className="inline-flex h-4 w-4 items-center justify-center rounded text-slate-400 hover:bg-slate-200 hover:text-slate-700 disabled:hidden"
            >
              <XIcon width={10} height={10} />
            </button>
          )}
        </span>
      ))}
      {!disabled && (
        <input
          id={id}
          aria-label={label}
          value={text}
          list={suggestions?.length ? listId : undefined}
          placeholder={values.length === 0 ? placeholder : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => text.trim() && add(text)}
          autoComplete="off"
          spellCheck={false}
          className={cx(
            'h-6 min-w-[8rem] flex-1 border-0 bg-transparent px-1 text-[13px] text-slate-900 ' +
              'outline-none placeholder:text-slate-400 disabled:placeholder:text-transparent',
            mono && 'font-mono',
          )}
        />
      )}
      {disabled && values.length === 0 && <span className="px-1 text-[13px] text-slate-400">none</span>}
      {suggestions?.length ? (
        <datalist id={listId}>
          {suggestions
            .filter((s) => !values.includes(s))
            .map((s) => (
              <option key={s} value={s} />
            ))}
        </datalist>
      ) : null}
    </div>
  );
}
