'use client';

import { type FieldErrors, type PostgresFields, SSL_MODES } from './connection-fields';
import { SqlTarget, type SqlTargetWords } from './sql-target';

const POSTGRES: SqlTargetWords<PostgresFields> = {
  prefix: 'pg',
  defaultPort: '5432',
  database: { label: 'Database', placeholder: 'app' },
  userHint: 'The role the agent logs in as; give it only the rights people need.',
  tls: { key: 'sslmode', label: 'TLS (sslmode)', hint: 'As libpq reads it: verify-full checks the certificate and the host name.', modes: SSL_MODES },
  ca: { key: 'sslrootcert', id: 'pg-sslrootcert', label: 'CA certificate (sslrootcert)' },
};

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
  return <SqlTarget f={f} set={set} disabled={disabled} errors={errors} words={POSTGRES} />;
}
