/** How TLS to the target is asked for, as the mysql client's --ssl-mode. */
export const SSL_MODES = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const;
export type MysqlSslMode = (typeof SSL_MODES)[number];

/** Where and how the agent reaches a MySQL/MariaDB target. */
export interface MysqlTargetConfig {
  host: string;
  port: number;
  user: string;
  /** the default database (schema) of the session; null: none */
  database: string | null;
  sslMode: MysqlSslMode;
  /** CA certificates (PEM) that verify-ca and verify-identity check the server's certificate against; else the system's */
  sslCa?: string;
  /**
   * the server's RSA public key (PEM) for caching_sha2_password's full authentication without TLS; when absent the
   * key is asked of the server (the mysql client's --get-server-public-key)
   */
  serverPublicKey?: string;
  connectTimeoutMs: number;
}

/** Reads a connection's config (`ssl-mode` or `sslMode`); a string says what is wrong. */
export function mysqlTargetConfigFrom(config: Record<string, unknown>): MysqlTargetConfig | string {
  const host = config.host;
  if (typeof host !== 'string' || host === '') return 'host is required';
  const port = Number(config.port ?? 3306);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port ${String(config.port)}`;
  const user = config.user;
  if (typeof user !== 'string' || user === '') return 'user is required';
  const database = typeof config.database === 'string' && config.database !== '' ? config.database : null;
  const mode = config['ssl-mode'] ?? config.sslMode ?? 'preferred';
  if (typeof mode !== 'string' || !(SSL_MODES as readonly string[]).includes(mode)) return `invalid ssl-mode ${String(mode)} (one of ${SSL_MODES.join(', ')})`;
  const timeout = Number(config.connectTimeoutMs ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0) return `invalid connectTimeoutMs ${String(config.connectTimeoutMs)}`;
  const out: MysqlTargetConfig = { host, port, user, database, sslMode: mode as MysqlSslMode, connectTimeoutMs: timeout };
  if (typeof config.sslCa === 'string' && config.sslCa !== '') out.sslCa = config.sslCa;
  if (typeof config.serverPublicKey === 'string' && config.serverPublicKey !== '') out.serverPublicKey = config.serverPublicKey;
  return out;
}
