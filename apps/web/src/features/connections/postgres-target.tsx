'use client';

import { type FieldErrors, type PostgresFields, SSL_MODES } from './connection-fields';
import { Grid, PemField, SelectField, TextField } from './target-inputs';

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
  const on = (k: keyof PostgresFields) => (v: string) => set({ ...f, [k]: v });
  return (
    <div className="space-y-4">
      <Grid>
        <TextField
          id="pg-host"
          label="Host"
          hint="As the agent reaches it, inside your network."
          error={errors.host}
          value={f.host}
          placeholder="db.internal"
          onChange={on('host')}
          disabled={disabled}
        />
        <TextField id="pg-port" label="Port" error={errors.port} value={f.port} placeholder="5432" onChange={on('port')} disabled={disabled} numeric />
      </Grid>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="pg-database"
          label="Database"
          error={errors.database}
          value={f.database}
          placeholder="app"
          onChange={on('database')}
          disabled={disabled}
        />
        <TextField
          id="pg-user"
          label="User"
          hint="The role the agent logs in as; give it only the rights people need."
          error={errors.user}
          value={f.user}
          placeholder="app_ro"
          onChange={on('user')}
          disabled={disabled}
        />
      </div>
      <SelectField
        id="pg-sslmode"
        label="TLS (sslmode)"
        hint="As libpq reads it: verify-full checks the certificate and the host name."
        error={errors.sslmode}
        value={f.sslmode}
        options={SSL_MODES}
        onChange={on('sslmode')}
        disabled={disabled}
        className="max-w-xs"
      />
      {f.sslmode.startsWith('verify') && (
        <PemField
          id="pg-sslrootcert"
          label="CA certificate (sslrootcert)"
          hint="The CA the target's certificate must chain to, as PEM. Leave empty to trust the agent host's system CAs."
          error={errors.sslrootcert}
          value={f.sslrootcert}
          placeholder="-----BEGIN CERTIFICATE-----"
          onChange={on('sslrootcert')}
          disabled={disabled}
        />
      )}
    </div>
  );
}
