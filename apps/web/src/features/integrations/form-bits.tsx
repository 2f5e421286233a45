'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { AlertIcon, CheckIcon, KeyIcon } from '~/components/ui/icons';
import type { useTRPC } from '~/trpc/react';

/** Inputs, buttons and notes of the integration forms. */

export const INPUT =
  'block h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-[13px] text-slate-900 shadow-sm ' +
  'placeholder:text-slate-400 focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10 ' +
  'disabled:bg-slate-50 disabled:text-slate-400 aria-[invalid=true]:border-red-400 aria-[invalid=true]:ring-red-100';
export const BTN =
  'inline-flex h-9 items-center justify-center gap-1.5 rounded-md px-3.5 text-[13px] ' +
  'font-medium whitespace-nowrap shadow-sm disabled:cursor-not-allowed disabled:opacity-50';
export const PRIMARY = `${BTN} bg-slate-900 text-white hover:bg-slate-800`;
export const SECONDARY = `${BTN} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50`;
export const DANGER = `${BTN} bg-red-600 text-white hover:bg-red-700`;
const SMALL_BASE =
  'inline-flex h-7 items-center rounded-md border bg-white px-2.5 text-[12px] ' +
  'font-medium whitespace-nowrap shadow-sm disabled:cursor-not-allowed disabled:opacity-50';
export const SMALL = `${SMALL_BASE} border-slate-300 text-slate-700 hover:bg-slate-50`;
export const SMALL_DANGER = `${SMALL_BASE} border-slate-300 text-red-700 hover:border-red-200 hover:bg-red-50`;

/** tRPC's per-field messages (zod `fieldErrors`), for the field named. */
export function fieldError(error: { data?: { fieldErrors?: Record<string, string[] | undefined> | null } | null } | null, field: string): string | undefined {
  return error?.data?.fieldErrors?.[field]?.[0];
}

export function Field({ label, htmlFor, hint, error, children }: { label: string; htmlFor: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={htmlFor} className="text-[12px] font-medium text-slate-700">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {error ? (
        <p className="mt-1 text-[12px] text-red-700" role="alert">
          {error}
        </p>
      ) : (
        hint && <p className="mt-1 text-[12px] text-slate-500">{hint}</p>
      )}
    </div>
  );
}

/**
 * A secret input that never shows what is stored: "Set" with a Replace button while one is kept, a password field when
 * there is none yet or the admin chose to replace it (Cancel keeps the stored one).
 */
export function SecretField({
  id,
  label,
  isSet,
  replacing,
  onReplace,
  value,
  onChange,
  placeholder,
  hint,
  error,
  disabled,
}: {
  id: string;
  label: string;
  isSet: boolean;
  replacing: boolean;
  onReplace: (replacing: boolean) => void;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  hint?: ReactNode;
  error?: string;
  disabled?: boolean;
}) {
  const editing = !isSet || replacing;
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error}>
      {editing ? (
        <div className="flex items-center gap-2">
          <input
            id={id}
            name={id}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={value}
            disabled={disabled}
            placeholder={placeholder}
            aria-invalid={Boolean(error)}
            onChange={(e) => onChange(e.target.value)}
            className={cx(INPUT, 'font-mono')}
          />
          {isSet && (
            <button
              type="button"
              className={SECONDARY}
              disabled={disabled}
              onClick={() => {
                onChange('');
                onReplace(false);
              }}
            >
              Keep current
            </button>
          )}
        </div>
      ) : (
        <div className="flex h-9 items-center justify-between gap-2 rounded-md border border-slate-200 bg-slate-50 pl-3 pr-1" data-testid={`${id}-state`}>
          <span className="inline-flex items-center gap-2 text-[13px] text-slate-700">
            <KeyIcon width={14} height={14} className="text-emerald-600" />
            <span className="font-medium">Set</span>
            <span className="text-[12px] text-slate-400">stored sealed; never shown again</span>
          </span>
          <button type="button" className={SMALL} disabled={disabled} onClick={() => onReplace(true)} aria-label={`Replace ${label.toLowerCase()}`}>
            Replace
          </button>
        </div>
      )}
    </Field>
  );
}

export function SuccessNote({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p
      role="status"
      data-testid={testId}
      className="flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-[13px] text-emerald-900"
    >
      <CheckIcon className="mt-0.5 shrink-0 text-emerald-700" width={14} height={14} />
      <span>{children}</span>
    </p>
  );
}

type KeyState = inferOutput<ReturnType<typeof useTRPC>['integration']['getSlack']>['key'];

const KEY_NOTE: Record<Exclude<KeyState, 'ready'>, { tone: 'amber' | 'red'; title: string; body: string }> = {
  missing: {
    tone: 'amber',
    title: 'This web app has no HOOP_ENCRYPTION_KEY',
    body: 'Secrets cannot be saved until it does. Start the web app with the same HOOP_ENCRYPTION_KEY as the gateway, which opens them.',
  },
  invalid: {
    tone: 'red',
    title: 'HOOP_ENCRYPTION_KEY of this web app is not a valid key',
    body: 'It must be 32 bytes, as 64 hex characters or base64: give the web app the same key as the gateway.',
  },
  mismatch: {
    tone: 'red',
    title: 'The stored secrets were sealed with another key',
    body:
      'This web app and the gateway may not share HOOP_ENCRYPTION_KEY, and the gateway cannot use a secret it cannot open. ' +
      'Give both the same key, then enter the Slack secrets again (a webhook: delete it and add it again).',
  },
};

/** Says why secrets cannot be saved (or opened), when the web app's key is not right. */
export function KeyNote({ state }: { state: KeyState }) {
  if (state === 'ready') return null;
  const n = KEY_NOTE[state];
  return (
    <div
      role="note"
      data-testid="key-note"
      data-state={state}
      className={cx(
        'flex items-start gap-2.5 rounded-md border px-3 py-2.5 text-[13px]',
        n.tone === 'amber' ? 'border-amber-200 bg-amber-50 text-amber-900' : 'border-red-200 bg-red-50 text-red-900',
      )}
    >
      <AlertIcon className="mt-0.5 shrink-0" width={15} height={15} />
      <div>
        <p className="font-medium">{n.title}</p>
        <p className="mt-0.5 opacity-90">{n.body}</p>
      </div>
    </div>
  );
}

/** A section of the page: a titled card with an icon and a line saying what it is for. */
export function Panel({
  title,
  icon,
  description,
  status,
  actions,
  children,
  testId,
}: {
  title: string;
  icon: ReactNode;
  description: ReactNode;
  status?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section aria-label={title} data-testid={testId} className="rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]">
      <header className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-100 px-5 py-4">
        <div className="flex min-w-0 items-start gap-3">
          <div className="flex h-9 w-9 shrink-0 items-center justify-center rounded-md bg-slate-100 text-slate-600">{icon}</div>
          <div className="min-w-0">
            <div className="flex items-center gap-2">
              <h2 className="text-[15px] font-semibold text-slate-900">{title}</h2>
              {status}
            </div>
            <p className="mt-0.5 max-w-2xl text-[13px] text-slate-500">{description}</p>
          </div>
        </div>
        {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
      </header>
      <div className="px-5 py-4">{children}</div>
    </section>
  );
}
