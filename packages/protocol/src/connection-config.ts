import { httpTargetConfigFrom } from './http-config';
import { kubernetesConfigFrom } from './kubernetes-config';

/**
 * The settings of each connection type as the agent reads them. The agent serves with them; the control plane and the
 * gateway check with the same functions before they save, so nothing the agent would refuse is stored.
 * Each `…From` returns the settings the agent uses, or the agent's error message.
 */

// ── postgres ──────────────────────────────────────────────────────────────────────────────────────────────────────

export interface TargetConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  /** disable | prefer | require | verify-ca | verify-full (as libpq) */
  sslmode: string;
  /** the CA certificate (PEM) the target's certificate must chain to for verify-ca / verify-full; else the system's CAs */
  sslrootcert?: string;
  connectTimeoutMs: number;
}

export function targetConfigFrom(config: Record<string, unknown>): TargetConfig | string {
  const host = typeof config.host === 'string' ? config.host : null;
  const database = typeof config.database === 'string' ? config.database : null;
  const user = typeof config.user === 'string' ? config.user : null;
  if (!host || !database || !user) return 'connection settings need host, database and user';
  const port = Number(config.port ?? 5432);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return `invalid port ${String(config.port)}`;
  const sslmode = typeof config.sslmode === 'string' ? config.sslmode : 'prefer';
  if (!['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) return `invalid sslmode ${sslmode}`;
  const root = config.sslrootcert;
  if (root !== undefined && root !== null && root !== '' && (typeof root !== 'string' || !root.includes('-----BEGIN CERTIFICATE-----')))
    return 'sslrootcert must be a CA certificate in PEM form (-----BEGIN CERTIFICATE-----…)';
  const sslrootcert = typeof root === 'string' && root !== '' ? root : undefined;
  return { host, port, database, user, sslmode, ...(sslrootcert ? { sslrootcert } : {}), connectTimeoutMs: Number(config.connectTimeoutMs ?? 10_000) };
}

// ── mysql ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** How TLS to a MySQL/MariaDB target is asked for, as the mysql client's --ssl-mode. */
export const MYSQL_SSL_MODES = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const;
export type MysqlSslMode = (typeof MYSQL_SSL_MODES)[number];

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

/** Reads a MySQL/MariaDB connection's config (`ssl-mode` or `sslMode`); a string says what is wrong. */
export function mysqlTargetConfigFrom(config: Record<string, unknown>): MysqlTargetConfig | string {
  const host = config.host;
  if (typeof host !== 'string' || host.trim() === '') return 'host is required';
  const port = Number(config.port ?? 3306);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port ${String(config.port)}`;
  const user = config.user;
  if (typeof user !== 'string' || user === '') return 'user is required';
  if (config.database !== undefined && config.database !== null && typeof config.database !== 'string') return 'database must be a name';
  const database = typeof config.database === 'string' && config.database !== '' ? config.database : null;
  const mode = config['ssl-mode'] ?? config.sslMode ?? 'preferred';
  if (typeof mode !== 'string' || !(MYSQL_SSL_MODES as readonly string[]).includes(mode))
    return `invalid ssl-mode ${String(mode)} (one of ${MYSQL_SSL_MODES.join(', ')})`;
  const timeout = Number(config.connectTimeoutMs ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0) return `invalid connectTimeoutMs ${String(config.connectTimeoutMs)}`;
  const pem = (name: 'sslCa' | 'serverPublicKey', begin: RegExp, what: string): string | undefined | { error: string } => {
    const v = config[name];
    if (v === undefined || v === null || v === '') return undefined;
    return typeof v === 'string' && begin.test(v) ? v : { error: `${name} must be ${what} in PEM form (-----BEGIN …-----)` };
  };
  const sslCa = pem('sslCa', /-----BEGIN CERTIFICATE-----/, 'a CA certificate');
  if (typeof sslCa === 'object') return sslCa.error;
  const serverPublicKey = pem('serverPublicKey', /-----BEGIN (RSA )?PUBLIC KEY-----/, "the server's RSA public key");
  if (typeof serverPublicKey === 'object') return serverPublicKey.error;
  return {
    host,
    port,
    user,
    database,
    sslMode: mode as MysqlSslMode,
    ...(sslCa ? { sslCa } : {}),
    ...(serverPublicKey ? { serverPublicKey } : {}),
    connectTimeoutMs: timeout,
  };
}

// ── ssh ───────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface SshTargetConfig {
  host: string;
  port: number;
  user: string;
  /** `SHA256:…` as `ssh-keygen -lf` prints it; when set, any other host key is refused */
  hostKeyFingerprint?: string;
}

export function sshTargetFrom(config: Record<string, unknown>): SshTargetConfig | string {
  const host = typeof config.host === 'string' ? config.host.trim() : '';
  if (!host) return 'config.host is required';
  const port = config.port === undefined ? 22 : Number(config.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `config.port must be a port number, not ${String(config.port)}`;
  const user = typeof config.user === 'string' && config.user ? config.user : '';
  if (!user) return 'config.user is required';
  const fp = typeof config.hostKeyFingerprint === 'string' && config.hostKeyFingerprint ? config.hostKeyFingerprint.trim() : undefined;
  if (fp && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(fp)) return 'config.hostKeyFingerprint must look like SHA256:… (ssh-keygen -lf)';
  return { host, port, user, ...(fp ? { hostKeyFingerprint: fp.replace(/=$/, '') } : {}) };
}

// ── command ───────────────────────────────────────────────────────────────────────────────────────────────────────

export interface CommandConfig {
  /** what an interactive session runs, e.g. ["bash", "--noprofile", "--norc"] */
  shell: string[];
  /** what one command runs; `{}` stands for the command text, else the text is written to stdin */
  exec: string[];
  cwd?: string;
  /** extra environment; values may be references (`env:NAME`, `file:/path`) resolved on the agent */
  env: Record<string, string>;
}

export function commandConfigFrom(config: Record<string, unknown>): CommandConfig | string {
  const list = (v: unknown, name: string): string[] | string => {
    if (v === undefined) return [];
    if (typeof v === 'string') return v.trim() ? [v] : `config.${name} is empty`;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0) return v as string[];
    return `config.${name} must be a command line as a list of words`;
  };
  const shell = list(config.shell ?? config.command, 'shell');
  if (typeof shell === 'string') return shell;
  const exec = list(config.exec, 'exec');
  if (typeof exec === 'string') return exec;
  if (shell.length === 0 && exec.length === 0) return 'config.shell or config.exec is required';
  const env: Record<string, string> = {};
  if (config.env !== undefined) {
    if (typeof config.env !== 'object' || config.env === null) return 'config.env must map names to values';
    for (const [k, v] of Object.entries(config.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string') return `config.env.${k} must be a string`;
      env[k] = v;
    }
  }
  return {
    shell: shell.length ? shell : exec.map((w) => (w === '{}' ? '' : w)).filter(Boolean),
    exec: exec.length ? exec : shell,
    ...(typeof config.cwd === 'string' && config.cwd ? { cwd: config.cwd } : {}),
    env,
  };
}

// ── anthropic ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** Where the agent sends Claude Code's requests to the model API; the credential is the org's API key. */
export interface AnthropicConfig {
  /** scheme, host, port and path prefix of the API, without a trailing slash: `https://api.anthropic.com` */
  baseUrl: string;
  connectTimeoutMs: number;
}

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export function anthropicConfigFrom(config: Record<string, unknown>): AnthropicConfig | string {
  const raw = config.baseUrl ?? ANTHROPIC_BASE_URL;
  if (typeof raw !== 'string' || raw.trim() === '') return 'config.baseUrl must be the URL of the API, such as https://api.anthropic.com';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `config.baseUrl is not a URL: ${raw}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'config.baseUrl must be an http or https URL';
  if (url.username || url.password) return "config.baseUrl must not carry a user or password: the API key is the connection's credential";
  if (url.search || url.hash) return 'config.baseUrl must not have a query or a fragment';
  const timeout = Number(config.connectTimeoutMs ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0) return `invalid connectTimeoutMs ${String(config.connectTimeoutMs)}`;
  return { baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, connectTimeoutMs: timeout };
}

/** The agent's verdict on a stored configuration: null when it would serve it, else its message. */
export function agentConfigError(type: string, config: unknown): string | null {
  const c = config && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  switch (type) {
    case 'postgres': {
      const r = targetConfigFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'mysql': {
      const r = mysqlTargetConfigFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'ssh': {
      const r = sshTargetFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'anthropic': {
      const r = anthropicConfigFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'http': {
      const r = httpTargetConfigFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'kubernetes': {
      const r = kubernetesConfigFrom(c);
      return typeof r === 'string' ? r : null;
    }
    case 'command': {
      const r = commandConfigFrom(c);
      if (typeof r === 'string') return r;
      // apps/agent/src/session/policy-hooks.ts judges commands as shell unless told sql
      return c.guard === undefined || c.guard === 'shell' || c.guard === 'sql' ? null : 'config.guard must be shell or sql';
    }
    default:
      return `the agent does not serve ${type} connections`;
  }
}
