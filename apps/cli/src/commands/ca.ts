import { writeFile } from 'node:fs/promises';
import { EXIT } from '@hoop/protocol';
import { type CliConfig, loadConfig } from '../config';
import type { CliEnv } from '../env';
import { api } from '../gateway';

interface PgListenerInfo {
  port: number;
  tls: 'generated' | 'provided';
  caCert: string | null;
  fingerprint: string;
}

/** The connection string of the gateway's Postgres listener for this login, up to the connection's name. */
export function directUrl(config: CliConfig, port: number, connection: string, query: string): string {
  const user = config.user ? encodeURIComponent(config.user) : '<your e-mail or service account>';
  return `postgres://${user}@${new URL(config.gatewayUrl).hostname}:${port}/${connection}?${query}`;
}

/** The listener's port when the gateway has one, or null (an older gateway, the listener off, the gateway unreachable). */
export async function pgListenerPort(config: CliConfig): Promise<number | null> {
  return api<PgListenerInfo>(config, '/api/pg-listener', { timeoutMs: 5000 }).then(
    (i) => i.port,
    () => null,
  );
}

/**
 * `hoop ca [--out FILE]`: the CA of the gateway's Postgres listener (PEM on stdout, or into FILE), which clients give as
 * `sslrootcert` with `sslmode=verify-full`, and the connection string that reaches the listener with no local port.
 */
export async function caCommand(env: CliEnv, opts: { out?: string }): Promise<number> {
  const config = await loadConfig(env);
  const info = await api<PgListenerInfo>(config, '/api/pg-listener');
  const rootcert = opts.out ?? 'hoop-ca.pem';
  const direct = directUrl(config, info.port, '<connection>', `sslmode=verify-full&sslrootcert=${rootcert}`);
  if (!info.caCert) {
    process.stderr.write(
      `the gateway's Postgres listener serves a certificate its admin provided (SHA-256 ${info.fingerprint}); verify it with the CA that issued it\n` +
        `  ${direct.replace(`&sslrootcert=${rootcert}`, '')}   (PGPASSWORD: a hoop token)\n`,
    );
    return EXIT.ok;
  }
  if (opts.out) await writeFile(opts.out, info.caCert);
  else process.stdout.write(info.caCert.endsWith('\n') ? info.caCert : `${info.caCert}\n`);
  process.stderr.write(
    `${opts.out ? `wrote the CA to ${opts.out}; ` : ''}CA of the gateway's Postgres listener, SHA-256 ${info.fingerprint}\n` +
      `connect with no local port (PGPASSWORD: a hoop token):\n  ${direct}\n` +
      `or without verifying the certificate: sslmode=require\n`,
  );
  return EXIT.ok;
}
