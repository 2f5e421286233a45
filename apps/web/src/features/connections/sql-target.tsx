'use client';

import type { ReactNode } from 'react';
import type { FieldErrors } from './connection-fields';
import { Grid, PemField, SelectField, TextField } from './target-inputs';

/** The names of a form's text fields. */
type TextKey<F> = { [K in keyof F]: F[K] extends string ? K : never }[keyof F] & string;

interface SqlBasics {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** How one engine (Postgres, MySQL/MariaDB) names and explains the settings every SQL target has. */
export interface SqlTargetWords<F> {
  /** the fields' ids begin with it: pg-host, my-host, … */
  prefix: string;
  defaultPort: string;
  database: { label: string; hint?: string; placeholder: string };
  userHint: string;
  /** the TLS mode: the form's field, as the engine's client calls it, its modes */
  tls: { key: TextKey<F>; label: string; hint: string; modes: readonly string[] };
  /** the CA the verify modes check against (PEM), asked for only with those */
  ca: { key: TextKey<F>; id: string; label: string };
}

/**
 * A SQL target's settings: where the agent logs in (host and port as it reaches them), the database, as whom, and how
 * it checks TLS; what else the engine needs follows as children.
 */
export function SqlTarget<F extends SqlBasics>({
  f,
  set,
  disabled,
  errors,
  words,
  children,
}: {
  f: F;
  set: (f: F) => void;
  disabled: boolean;
  errors: FieldErrors;
  words: SqlTargetWords<F>;
  children?: ReactNode;
}) {
  const on = (k: TextKey<F>) => (v: string) => set({ ...f, [k]: v });
  const id = (name: string) => `${words.prefix}-${name}`;
  const tlsMode = f[words.tls.key] as string;
  /** a text field of the settings every SQL target has, wired to the form by its name */
  const basic = (name: keyof SqlBasics, p: { label: string; hint?: string; placeholder: string; numeric?: boolean }) => (
    <TextField id={id(name)} error={errors[name]} value={f[name]} onChange={on(name as TextKey<F>)} disabled={disabled} {...p} />
  );
  return (
    <div className="space-y-4">
      <Grid>
        {basic('host', { label: 'Host', hint: 'As the agent reaches it, inside your network.', placeholder: 'db.internal' })}
        {basic('port', { label: 'Port', placeholder: words.defaultPort, numeric: true })}
      </Grid>
      <div className="grid gap-4 sm:grid-cols-2">
        {basic('database', words.database)}
        {basic('user', { label: 'User', hint: words.userHint, placeholder: 'app_ro' })}
      </div>
      <SelectField
        id={id('sslmode')}
        label={words.tls.label}
        hint={words.tls.hint}
        error={errors[words.tls.key]}
        value={tlsMode}
        options={words.tls.modes}
        onChange={on(words.tls.key)}
        disabled={disabled}
        className="max-w-xs"
      />
      {tlsMode.startsWith('verify') && (
        <PemField
          id={words.ca.id}
          label={words.ca.label}
          hint="The CA the target's certificate must chain to, as PEM. Leave empty to trust the agent host's system CAs."
          error={errors[words.ca.key]}
          value={f[words.ca.key] as string}
          placeholder="-----BEGIN CERTIFICATE-----"
          onChange={on(words.ca.key)}
          disabled={disabled}
        />
      )}
      {children}
    </div>
  );
}
