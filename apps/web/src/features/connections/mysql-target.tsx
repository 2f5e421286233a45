'use client';

import type { FieldErrors } from './connection-fields';
import { Grid, PemField, SelectField, TextField } from './target-inputs';

/** A MySQL/MariaDB target's settings, with the names the agent reads (mysqlTargetConfigFrom in @hoop/protocol). */

/** As the mysql client's --ssl-mode (MYSQL_SSL_MODES in @hoop/protocol). */
export const MYSQL_SSL_MODES = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const;

export interface MysqlFields {
  host: string;
  port: string;
  database: string;
  user: string;
  sslMode: string;
  /** the CA (PEM) for verify-ca / verify-identity */
  sslCa: string;
  /** the server's RSA public key (PEM), for caching_sha2_password without TLS */
  serverPublicKey: string;
}

const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);

/** The form's fields from a stored config (a new connection, or another type's, starts from the defaults). */
export function mysqlFieldsFrom(type: string, config: Record<string, unknown>): MysqlFields {
  const c = type === 'mysql' ? config : {};
  return {
    host: text(c.host),
    port: text(c.port, '3306'),
    database: text(c.database),
    user: text(c.user),
    sslMode: text(c['ssl-mode'] ?? c.sslMode, 'preferred'),
    sslCa: text(c.sslCa),
    serverPublicKey: text(c.serverPublicKey),
  };
}

/** What the API takes as a mysql connection's `config`. */
export function mysqlConfigOf(f: MysqlFields): Record<string, unknown> {
  return {
    host: f.host,
    port: f.port.trim() || undefined,
    database: f.database,
    user: f.user,
    sslMode: f.sslMode,
    sslCa: f.sslMode.startsWith('verify') ? f.sslCa : '',
    serverPublicKey: f.serverPublicKey,
  };
}

export function MysqlTarget({ f, set, disabled, errors = {} }: { f: MysqlFields; set: (f: MysqlFields) => void; disabled: boolean; errors?: FieldErrors }) {
  const on = (k: keyof MysqlFields) => (v: string) => set({ ...f, [k]: v });
  return (
    <div className="space-y-4">
      <Grid>
        <TextField
          id="my-host"
          label="Host"
          hint="As the agent reaches it, inside your network."
          error={errors.host}
          value={f.host}
          placeholder="db.internal"
          onChange={on('host')}
          disabled={disabled}
        />
        <TextField id="my-port" label="Port" error={errors.port} value={f.port} placeholder="3306" onChange={on('port')} disabled={disabled} numeric />
      </Grid>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          id="my-database"
          label="Database (optional)"
          hint="The session's default database; blank: none, statements name theirs."
          error={errors.database}
          value={f.database}
          placeholder="orders"
          onChange={on('database')}
          disabled={disabled}
        />
        <TextField
          id="my-user"
          label="User"
          hint="The account the agent logs in as; give it only the rights people need."
          error={errors.user}
          value={f.user}
          placeholder="app_ro"
          onChange={on('user')}
          disabled={disabled}
        />
      </div>
      <SelectField
        id="my-sslmode"
        label="TLS (ssl-mode)"
        hint="As the mysql client's --ssl-mode: verify-identity checks the certificate and the host name."
        error={errors.sslMode}
        value={f.sslMode}
        options={MYSQL_SSL_MODES}
        onChange={on('sslMode')}
        disabled={disabled}
        className="max-w-xs"
      />
      {f.sslMode.startsWith('verify') && (
        <PemField
          id="my-sslca"
          label="CA certificate"
          hint="The CA the target's certificate must chain to, as PEM. Leave empty to trust the agent host's system CAs."
          error={errors.sslCa}
          value={f.sslCa}
          placeholder="-----BEGIN CERTIFICATE-----"
          onChange={on('sslCa')}
          disabled={disabled}
        />
      )}
      <PemField
        id="my-pubkey"
        label="Server public key (optional)"
        hint={
          "The server's RSA key (PEM), for caching_sha2_password without TLS. " +
          'Leave empty and the agent asks the server for it (as --get-server-public-key).'
        }
        error={errors.serverPublicKey}
        value={f.serverPublicKey}
        placeholder="-----BEGIN PUBLIC KEY-----"
        onChange={on('serverPublicKey')}
        disabled={disabled}
      />
    </div>
  );
}
