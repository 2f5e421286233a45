'use client';

import { cx } from '~/components/ui/cx';
import { Field, INPUT } from '~/features/integrations/form-bits';
import { type FieldErrors, type PostgresFields, Grid, SSL_MODES } from './connection-fields';

/** A Postgres target's settings: where the agent logs in, as whom, and how it checks TLS. */
export function PostgresTarget({
  f,
  set,
  disabled,
  errors = {},
}: {
  f: PostgresFields;
  set: (f: PostgresFields) => void;
  disabled: boolean;
  errors?: FieldErrors;
}) {
  return (
    <div className="space-y-4">
      <Grid>
        <Field label="Host" htmlFor="pg-host" error={errors.host} hint="As the agent reaches it, inside your network.">
          <input
            id="pg-host"
            aria-invalid={Boolean(errors.host)}
            value={f.host}
            onChange={(e) => set({ ...f, host: e.target.value })}
            placeholder="db.internal"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
        <Field label="Port" htmlFor="pg-port" error={errors.port}>
          <input
            id="pg-port"
            aria-invalid={Boolean(errors.port)}
            inputMode="numeric"
            value={f.port}
            onChange={(e) => set({ ...f, port: e.target.value })}
            placeholder="5432"
            disabled={disabled}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
      </Grid>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Database" htmlFor="pg-database" error={errors.database}>
          <input
            id="pg-database"
            aria-invalid={Boolean(errors.database)}
            value={f.database}
            onChange={(e) => set({ ...f, database: e.target.value })}
            placeholder="app"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
        <Field label="User" htmlFor="pg-user" error={errors.user} hint="The role the agent logs in as; give it only the rights people need.">
          <input
            id="pg-user"
            aria-invalid={Boolean(errors.user)}
            value={f.user}
            onChange={(e) => set({ ...f, user: e.target.value })}
            placeholder="app_ro"
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            className={cx(INPUT, 'font-mono')}
          />
        </Field>
      </div>
      <Field label="TLS (sslmode)" htmlFor="pg-sslmode" error={errors.sslmode} hint="As libpq reads it: verify-full checks the certificate and the host name.">
        <select
          id="pg-sslmode"
          aria-invalid={Boolean(errors.sslmode)}
          value={f.sslmode}
          onChange={(e) => set({ ...f, sslmode: e.target.value })}
          disabled={disabled}
          className={cx(INPUT, 'max-w-xs')}
        >
          {SSL_MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </Field>
      {f.sslmode.startsWith('verify') && (
        <Field
          label="CA certificate (sslrootcert)"
          htmlFor="pg-sslrootcert"
          error={errors.sslrootcert}
          hint="The CA the target's certificate must chain to, as PEM. Leave empty to trust the agent host's system CAs."
        >
          <textarea
            id="pg-sslrootcert"
            value={f.sslrootcert}
            rows={4}
            placeholder="-----BEGIN CERTIFICATE-----"
            onChange={(e) => set({ ...f, sslrootcert: e.target.value })}
            disabled={disabled}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(errors.sslrootcert)}
            className={cx(INPUT, 'h-auto py-2 font-mono text-xs')}
          />
        </Field>
      )}
    </div>
  );
}
