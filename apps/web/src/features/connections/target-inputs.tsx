'use client';

import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { Field, INPUT } from '~/features/integrations/form-bits';

/** The inputs of the connection types' target settings: one way to show a text, a PEM block and a choice. */

interface Common {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  value: string;
  onChange: (v: string) => void;
  disabled: boolean;
}

/** Host and port side by side, the port narrow. */
export function Grid({ children }: { children: ReactNode }) {
  return <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_7rem]">{children}</div>;
}

/** A one-line setting in a fixed-width font (host names, users, commands): no autocomplete, no spelling marks. */
export function TextField(p: Common & { placeholder: string; numeric?: boolean; className?: string }) {
  return (
    <Field label={p.label} htmlFor={p.id} error={p.error} hint={p.hint}>
      <input
        id={p.id}
        aria-invalid={Boolean(p.error)}
        inputMode={p.numeric ? 'numeric' : undefined}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        placeholder={p.placeholder}
        disabled={p.disabled}
        autoComplete="off"
        spellCheck={false}
        className={cx(INPUT, p.className ?? 'font-mono')}
      />
    </Field>
  );
}

/** A certificate or key pasted as PEM. */
export function PemField(p: Common & { placeholder: string }) {
  return (
    <Field label={p.label} htmlFor={p.id} error={p.error} hint={p.hint}>
      <textarea
        id={p.id}
        value={p.value}
        rows={4}
        placeholder={p.placeholder}
        onChange={(e) => p.onChange(e.target.value)}
        disabled={p.disabled}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={Boolean(p.error)}
        className={cx(INPUT, 'h-auto py-2 font-mono text-xs')}
      />
    </Field>
  );
}

/** One of a few values (a TLS mode, how commands are judged); an option given as a string is its own label. */
export function SelectField(p: Common & { options: readonly (string | { value: string; label: string })[]; className?: string }) {
  return (
    <Field label={p.label} htmlFor={p.id} error={p.error} hint={p.hint}>
      <select
        id={p.id}
        aria-invalid={Boolean(p.error)}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        disabled={p.disabled}
        className={cx(INPUT, p.className)}
      >
        {p.options.map((o) => {
          const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {label}
            </option>
          );
        })}
      </select>
    </Field>
  );
}
