import { z } from 'zod';
import { type AuditKeys, loadAuditKeys } from '@hoop/db';

const schema = z.object({
  DATABASE_URL: z.string().url({ message: 'DATABASE_URL must be a postgres:// URL of the hoop database' }),
  HOOP_GATEWAY_HOST: z.string().default('127.0.0.1'),
  HOOP_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8009),
  /** 32-byte key (hex or base64) that seals secrets typed into the control plane */
  HOOP_ENCRYPTION_KEY: z.string({ message: 'HOOP_ENCRYPTION_KEY is required: 32 random bytes as hex (openssl rand -hex 32)' }).min(32),
  /** public URL of the web app, used in links such as review pages */
  HOOP_WEB_URL: z.string().url().default('http://localhost:3000'),
  /** Slack Web API base URL (tests point it at a local server that speaks the same shapes) */
  HOOP_SLACK_API_URL: z.string().url().optional(),
  HOOP_HEARTBEAT_MS: z.coerce.number().int().min(200).default(5000),
  /**
   * The address agents dial this gateway at, when several gateways share one database (ws:// or wss://, no path):
   * each gateway registers it in the `gateways` table, and an agent that reached any gateway (often through a load
   * balancer) learns every live gateway's address and keeps a tunnel to each. Default: ws://<host>:<port> of this
   * gateway's listener (the machine's host name when it listens on every address).
   */
  HOOP_GATEWAY_INTERNAL_URL: z
    .string()
    .regex(/^wss?:\/\/[^/]+\/?$/, 'HOOP_GATEWAY_INTERNAL_URL is ws://host:port or wss://host:port (no path)')
    .optional(),
  /** how often this gateway beats in the `gateways` table and reads the live ones */
  HOOP_GATEWAY_BEAT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** a gateway silent this long is dead: its row is removed and agents drop their tunnel to it (at least 2 beats) */
  HOOP_GATEWAY_EXPIRY_MS: z.coerce.number().int().min(300).max(600_000).default(8000),
  /** how often audit partitions are made ahead and the retention purge runs (also once at start) */
  HOOP_AUDIT_MAINTENANCE_MS: z.coerce.number().int().min(1000, { message: 'HOOP_AUDIT_MAINTENANCE_MS is at least 1000 (1 s)' }).default(3_600_000),
  /** a Claude Code conversation's session (model API requests) ends after this long without a request */
  HOOP_CLAUDE_IDLE_MS: z.coerce.number().int().min(100).default(600_000),
  HOOP_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** the Postgres listener (psql, drivers: a hoop token as the password, TLS required); 0 or off: none */
  HOOP_GATEWAY_PG_PORT: z
    .string()
    .default('15432')
    .transform((v) => (v === 'off' || v === '0' ? null : Number(v)))
    .refine((v) => v === null || (Number.isInteger(v) && v > 0 && v <= 65535), { message: 'HOOP_GATEWAY_PG_PORT is a port (1–65535), or 0/off' }),
  /** where the Postgres listener binds (default: HOOP_GATEWAY_HOST) */
  HOOP_GATEWAY_PG_HOST: z.string().optional(),
  /** the listener's certificate and key (PEM files); unset, hoop makes a CA and a certificate once (see `hoop ca`) */
  HOOP_GATEWAY_PG_TLS_CERT: z.string().optional(),
  HOOP_GATEWAY_PG_TLS_KEY: z.string().optional(),
  /** host names or addresses clients reach the gateway by (comma-separated), for the certificate hoop makes */
  HOOP_PUBLIC_HOST: z.string().optional(),
  /** a failed Postgres login is answered this long after its startup message, whatever failed */
  HOOP_GATEWAY_PG_AUTH_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** failed Postgres logins of one source address (IPv6: its /64) within the window after which it is refused a while */
  HOOP_GATEWAY_PG_MAX_AUTH_FAILURES: z.coerce.number().int().min(1).default(10),
  HOOP_GATEWAY_PG_AUTH_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Ed25519 private key (PEM, PKCS8, or file:/path) that signs each link of the global audit chain; kept out of the
   * database, so whoever can write to it cannot re-hash a rewritten trail unnoticed. Unset: links are sealed unsigned.
   */
  HOOP_AUDIT_SIGNING_KEY: z.string().optional(),
  /** more public keys `hoop audit verify` accepts signatures of (comma-separated PEM or file:/path): earlier keys, other gateways' keys */
  HOOP_AUDIT_TRUSTED_KEYS: z.string().optional(),
});

export type GatewayEnv = Readonly<z.infer<typeof schema> & { audit: AuditKeys }>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const parsed = schema.safeParse(source);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  let audit: AuditKeys | null = null;
  try {
    audit = loadAuditKeys({ signingKey: source.HOOP_AUDIT_SIGNING_KEY, trustedKeys: source.HOOP_AUDIT_TRUSTED_KEYS });
  } catch (err) {
    lines.push(`  ${(err as Error).message}`);
  }
  if (parsed.success && parsed.data.HOOP_GATEWAY_EXPIRY_MS < 2 * parsed.data.HOOP_GATEWAY_BEAT_MS)
    lines.push('  HOOP_GATEWAY_EXPIRY_MS: must be at least twice HOOP_GATEWAY_BEAT_MS (one late beat is not a dead gateway)');
  if (!parsed.success || !audit || lines.length > 0) throw new Error(`gateway configuration is invalid:\n${lines.join('\n')}`);
  return Object.freeze({ ...parsed.data, audit });
}
