'use client';

import { type CSSProperties, useState } from 'react';
import { cx } from '~/components/ui/cx';
import { KeyIcon } from '~/components/ui/icons';
import { Field, INPUT, SecretField, SECONDARY, SMALL } from '~/features/integrations/form-bits';

export type SecretSource = 'none' | 'env' | 'file' | 'stored';
export interface SecretState {
  source: SecretSource;
  envName: string;
  filePath: string;
  value: string;
  replacing: boolean;
}
export interface SecretViewLike {
  source: SecretSource;
  reference: string | null;
  storedSet: boolean;
}

export function secretStateFrom(view: SecretViewLike | null): SecretState {
  return {
    source: view?.source ?? 'stored',
    envName: view?.source === 'env' ? (view.reference ?? '') : '',
    filePath: view?.source === 'file' ? (view.reference ?? '') : '',
    value: '',
    replacing: false,
  };
}

/** What the API takes as `secret`: a blank stored secret keeps the one already sealed. */
export function secretInput(s: SecretState) {
  switch (s.source) {
    case 'none':
      return { source: 'none' as const };
    case 'env':
      return { source: 'env' as const, name: s.envName };
    case 'file':
      return { source: 'file' as const, path: s.filePath };
    case 'stored':
      return { source: 'stored' as const, ...(s.value ? { value: s.value } : {}) };
  }
}

const CHOICES: { value: SecretSource; label: string; hint: string }[] = [
  { value: 'stored', label: 'Stored secret', hint: 'typed here, sealed, sent only to the agent' },
  { value: 'env', label: 'Agent environment', hint: 'a variable on the agent host' },
  { value: 'file', label: 'Agent file', hint: 'a file on the agent host' },
  { value: 'none', label: 'None', hint: 'trust, peer or the agent’s own identity' },
];

/** Where the agent finds the target credential; a stored secret is never shown back, only "set" with Replace. */
export function SecretFields({
  type,
  s,
  set,
  storedSet,
  disabled,
  error,
}: {
  type: string;
  s: SecretState;
  set: (s: SecretState) => void;
  storedSet: boolean;
  disabled: boolean;
  error?: string;
}) {
  const what =
    type === 'ssh'
      ? 'private key (PEM) or password'
      : type === 'command'
        ? 'secret (the command gets it as HOOP_SECRET)'
        : type === 'anthropic'
          ? 'API key'
          : type === 'http'
            ? 'token, header value or password'
            : type === 'kubernetes'
              ? 'service account token'
              : 'password';
  return (
    <div className="space-y-4">
      <div role="radiogroup" aria-label="Where the agent finds the credential" className="grid gap-2 sm:grid-cols-4">
        {CHOICES.map((c) => {
          const on = s.source === c.value;
          return (
            <button
              key={c.value}
              type="button"
              role="radio"
              aria-checked={on}
              disabled={disabled}
              onClick={() => set({ ...s, source: c.value })}
              className={cx(
                'rounded-md border px-3 py-2 text-left shadow-sm disabled:cursor-not-allowed disabled:opacity-60',
                on ? 'border-slate-900 bg-slate-900 text-white' : 'border-slate-300 bg-white text-slate-700 hover:bg-slate-50',
              )}
            >
              <span className="block text-[13px] font-medium">{c.label}</span>
              <span className={cx('block text-[11px]', on ? 'text-slate-300' : 'text-slate-500')}>{c.hint}</span>
            </button>
          );
        })}
      </div>
      {s.source === 'env' && (
        <Field
          label="Environment variable on the agent"
          htmlFor="secret-env"
          hint={
            <>
              The agent reads it from its own environment when a session opens, e.g. started with{' '}
              <code className="font-mono">PG_PROD_PASSWORD=… pnpm --filter @hoop/agent start</code>.
            </>
          }
          error={error}
        >
          <input
            id="secret-env"
            value={s.envName}
            onChange={(e) => set({ ...s, envName: e.target.value })}
            placeholder="PG_PROD_PASSWORD"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(error)}
            className={cx(INPUT, 'max-w-sm font-mono')}
          />
        </Field>
      )}
      {s.source === 'file' && (
        <Field
          label="File on the agent host"
          htmlFor="secret-file"
          hint="The agent reads it when a session opens (a trailing newline is dropped): a mounted Kubernetes or Docker secret, for example."
          error={error}
        >
          <input
            id="secret-file"
            value={s.filePath}
            onChange={(e) => set({ ...s, filePath: e.target.value })}
            placeholder="/run/secrets/pg-prod"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(error)}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
      )}
      {s.source === 'stored' &&
        (type === 'ssh' ? (
          <MultilineSecret s={s} set={set} isSet={storedSet} disabled={disabled} error={error} label={`Stored ${what}`} />
        ) : (
          <SecretField
            id="secret-value"
            label={`Stored ${what}`}
            isSet={storedSet}
            replacing={s.replacing}
            onReplace={(replacing) => set({ ...s, replacing, value: '' })}
            value={s.value}
            onChange={(value) => set({ ...s, value })}
            placeholder={storedSet ? 'the new secret' : 'the secret the agent logs in with'}
            hint="Sealed with HOOP_ENCRYPTION_KEY; the gateway sends it only to the agent serving this connection. It is never shown again."
            error={error}
            disabled={disabled}
          />
        ))}
      {s.source === 'none' && (
        <p className="text-[12px] text-slate-500">
          The agent logs in without a credential of its own from hoop{type === 'postgres' ? ' (trust or peer authentication on the target)' : ''}.
        </p>
      )}
    </div>
  );
}

/** A private key is several lines: a text area, with its characters hidden until "Show". */
function MultilineSecret({
  s,
  set,
  isSet,
  disabled,
  error,
  label,
}: {
  s: SecretState;
  set: (s: SecretState) => void;
  isSet: boolean;
  disabled: boolean;
  error?: string;
  label: string;
}) {
  const [shown, setShown] = useState(false);
  if (isSet && !s.replacing) {
    return (
      <Field label={label} htmlFor="secret-value" hint="Sealed with HOOP_ENCRYPTION_KEY; never shown again.">
        <div className="flex h-9 items-center justify-between gap-2 rounded-md border border-slate-200 bg-slate-50 pl-3 pr-1" data-testid="secret-value-state">
          <span className="inline-flex items-center gap-2 text-[13px] text-slate-700">
            <KeyIcon width={14} height={14} className="text-emerald-600" />
            <span className="font-medium">Set</span>
            <span className="text-[12px] text-slate-400">stored sealed; never shown again</span>
          </span>
          <button
            type="button"
            className={SMALL}
            disabled={disabled}
            onClick={() => set({ ...s, replacing: true, value: '' })}
            aria-label={`Replace ${label.toLowerCase()}`}
          >
            Replace
          </button>
        </div>
      </Field>
    );
  }
  return (
    <Field
      label={label}
      htmlFor="secret-value"
      hint="Paste the private key (-----BEGIN … PRIVATE KEY-----) or type the password. Sealed with HOOP_ENCRYPTION_KEY and sent only to the serving agent."
      error={error}
    >
      <textarea
        id="secret-value"
        value={s.value}
        rows={4}
        onChange={(e) => set({ ...s, value: e.target.value })}
        disabled={disabled}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={Boolean(error)}
        style={shown ? undefined : ({ WebkitTextSecurity: 'disc' } as CSSProperties)}
        className={cx(INPUT, 'h-auto py-2 font-mono')}
      />
      <div className="mt-1.5 flex gap-2">
        <button type="button" className={SMALL} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Show'}
        </button>
        {isSet && (
          <button type="button" className={SECONDARY} onClick={() => set({ ...s, replacing: false, value: '' })}>
            Keep current
          </button>
        )}
      </div>
    </Field>
  );
}
