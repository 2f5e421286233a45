'use client';

import type { FieldErrors } from './connection-fields';
import { SqlTarget, type SqlTargetWords } from './sql-target';
import { PemField } from './target-inputs';

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

const MYSQL: SqlTargetWords<MysqlFields> = {
  prefix: 'my',
  defaultPort: '3306',
  database: { label: 'Database (optional)', hint: "The session's default database; blank: none, statements name theirs.", placeholder: 'orders' },
  userHint: 'The account the agent logs in as; give it only the rights people need.',
  tls: {
    key: 'sslMode',
    label: 'TLS (ssl-mode)',
    hint: "As the mysql client's --ssl-mode: verify-identity checks the certificate and the host name.",
    modes: MYSQL_SSL_MODES,
  },
  ca: { key: 'sslCa', id: 'my-sslca', label: 'CA certificate' },
};

export function MysqlTarget({ f, set, disabled, errors = {} }: { f: MysqlFields; set: (f: MysqlFields) => void; disabled: boolean; errors?: FieldErrors }) {
  return (
    <SqlTarget f={f} set={set} disabled={disabled} errors={errors} words={MYSQL}>
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
        onChange={(serverPublicKey) => set({ ...f, serverPublicKey })}
        disabled={disabled}
      />
    </SqlTarget>
  );
}
