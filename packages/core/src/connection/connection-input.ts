import { z } from 'zod';
import { ANTHROPIC_BASE_URL, agentConfigError, MYSQL_SSL_MODES } from '@hoop/protocol';
import { HttpConfig } from './http-input';
import { KubernetesConfig } from './kubernetes-input';

/**
 * What an admin enters for a connection. The per-type settings are checked here in sentences that name the field, and
 * then by the agent's own rules (agentConfigError in @hoop/protocol), so nothing the agent would refuse is saved.
 */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export const EDITABLE_TYPES = ['postgres', 'mysql', 'ssh', 'command', 'anthropic', 'http', 'kubernetes'] as const;
export type EditableType = (typeof EDITABLE_TYPES)[number];

const host = z
  .string()
  .trim()
  .min(1, { error: 'Enter the host: a name or address the agent can reach, such as db.internal or 10.0.3.17.', abort: true })
  .max(255, { error: 'The host is at most 255 characters.' })
  .regex(/^[^\s/]+$/, { error: 'The host is a name or address without spaces, slashes or a scheme (db.internal, not postgres://db.internal).' });
const port = (fallback: number) =>
  z.coerce
    .number({ error: 'The port must be a number from 1 to 65535.' })
    .int({ error: 'The port must be a whole number from 1 to 65535.' })
    .min(1, { error: 'The port must be a number from 1 to 65535.' })
    .max(65535, { error: 'The port must be a number from 1 to 65535.' })
    .default(fallback);
const word = (what: string) =>
  z
    .string({ error: `Enter the ${what}.` })
    .trim()
    .min(1, { error: `Enter the ${what}.`, abort: true })
    .max(200, { error: `The ${what} is at most 200 characters.` });

export const PostgresConfig = z.object({
  host,
  port: port(5432),
  database: word('database name'),
  user: word('user the agent logs in as'),
  sslmode: z.enum(SSL_MODES, { error: `The TLS mode (sslmode) is one of ${SSL_MODES.join(', ')}.` }).default('prefer'),
  /** the CA (PEM) verify-ca / verify-full check the target's certificate against; empty: the system's CAs */
  sslrootcert: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z
      .string({ error: 'The CA certificate is PEM text.' })
      .max(20_000, { error: 'The CA certificate is at most 20,000 characters.' })
      .refine((v) => v.includes('-----BEGIN CERTIFICATE-----'), { error: 'The CA certificate is PEM text starting -----BEGIN CERTIFICATE-----.' })
      .optional(),
  ),
});

/** A PEM block of at most 20,000 characters, or nothing (blank). */
const optionalPem = (what: string, begin: RegExp, starts: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z
      .string({ error: `The ${what} is PEM text.` })
      .max(20_000, { error: `The ${what} is at most 20,000 characters.` })
      .refine((v) => begin.test(v), { error: `The ${what} is PEM text starting ${starts}.` })
      .optional(),
  );

/** A MySQL/MariaDB target, with the names the agent reads (mysqlTargetConfigFrom in @hoop/protocol). */
export const MysqlConfig = z.object({
  host,
  port: port(3306),
  /** the session's default database; blank: none (statements name theirs) */
  database: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string({ error: 'The database is a name.' }).trim().max(64, { error: 'A MySQL database name is at most 64 characters.' }).optional(),
  ),
  user: word('user the agent logs in as'),
  sslMode: z.enum(MYSQL_SSL_MODES, { error: `The TLS mode (ssl-mode) is one of ${MYSQL_SSL_MODES.join(', ')}.` }).default('preferred'),
  /** the CA (PEM) verify-ca / verify-identity check the target's certificate against; empty: the system's CAs */
  sslCa: optionalPem('CA certificate', /-----BEGIN CERTIFICATE-----/, '-----BEGIN CERTIFICATE-----'),
  /** the server's RSA key for caching_sha2_password without TLS; empty: the agent asks the server for it */
  serverPublicKey: optionalPem("server's public key", /-----BEGIN (RSA )?PUBLIC KEY-----/, '-----BEGIN PUBLIC KEY-----'),
});

export const SshConfig = z.object({
  host,
  port: port(22),
  user: word('user the agent logs in as'),
  hostKeyFingerprint: z.preprocess(
    (v) => (typeof v === 'string' && !v.trim() ? undefined : v),
    z
      .string()
      .trim()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
        error: 'The host key fingerprint looks like SHA256:… as `ssh-keygen -lf` prints it; leave it blank to accept any host key.',
      })
      .optional(),
  ),
});

const words = (what: string) =>
  z
    .array(z.string().max(4000, { error: `A word of the ${what} is at most 4000 characters.` }))
    .max(100, { error: `The ${what} is at most 100 words.` })
    .transform((ws) => ws.filter((w) => w.length > 0))
    .default([]);

export const CommandConfig = z
  .object({
    /** what an interactive session runs (with a terminal) */
    shell: words('interactive command'),
    /** what one command runs; "{}" is the command text, else the text is fed on stdin */
    exec: words('exec command'),
    cwd: z
      .string()
      .trim()
      .max(1000, { error: 'The working folder is at most 1000 characters.' })
      .optional()
      .transform((v) => v || undefined),
    env: z
      .record(z.string(), z.string({ error: 'Environment values are text.' }).max(4000, { error: 'An environment value is at most 4000 characters.' }))
      .refine((env) => Object.keys(env).every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)), {
        error: (iss) =>
          `Environment variable names are letters, digits and underscores, and do not start with a digit (not ` +
          `${Object.keys(iss.input as object).find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))}).`,
      })
      .default({}),
    /** how commands are judged: as shell lines, or as SQL (a psql command line) */
    guard: z.enum(['shell', 'sql'], { error: 'Judge commands as shell or as SQL.' }).default('shell'),
  })
  .refine((c) => c.shell.length > 0 || c.exec.length > 0, {
    error: 'Enter the interactive command, the exec command, or both (for example bash -i, and bash -c {}).',
    path: ['shell'],
  });

/** The model API Claude Code reaches through hoop; its credential is the org's API key. */
export const AnthropicConfig = z.object({
  baseUrl: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z
      .string({ error: 'The base URL is the address of the API, such as https://api.anthropic.com.' })
      .max(500, { error: 'The base URL is at most 500 characters.' })
      .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
        error: 'The base URL is an http or https address without a query, such as https://api.anthropic.com (or a gateway of your own).',
      })
      .default(ANTHROPIC_BASE_URL),
  ),
});

/** Where the agent finds the target credential. A stored secret is typed here, sealed, and never shown again. */
export const SecretInput = z.discriminatedUnion(
  'source',
  [
    z.object({ source: z.literal('none') }),
    z.object({
      source: z.literal('env'),
      name: z
        .string()
        .trim()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
          error: 'Name the environment variable on the agent, such as PG_PROD_PASSWORD (letters, digits and underscores).',
        }),
    }),
    z.object({
      source: z.literal('file'),
      path: z
        .string()
        .trim()
        .regex(/^\/\S/, { error: 'Give the absolute path of the file on the agent host, such as /run/secrets/pg-prod.' })
        .max(1000, { error: 'The file path is at most 1000 characters.' }),
    }),
    z.object({
      source: z.literal('stored'),
      /** left out on an edit: the stored secret is kept */
      value: z
        .string()
        .max(16_384, { error: 'The secret is at most 16 KB.' })
        .optional()
        .transform((v) => (v && v.trim() ? v : undefined)),
    }),
  ],
  { error: 'Choose where the agent finds the credential: an environment variable, a file, a secret stored here, or none.' },
);
export type SecretInput = z.infer<typeof SecretInput>;

const common = {
  name: z
    .string()
    .trim()
    .min(1, { error: 'Give the connection a name, such as pg-prod.' })
    .max(63, { error: 'The name is at most 63 characters.' })
    .regex(/^[a-z0-9][a-z0-9._-]*$/, {
      error: 'The name is lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit (people type it: hoop connect pg-prod).',
    }),
  tags: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9][a-z0-9._:-]{0,39}$/, {
          error: 'Tags are lowercase words of letters, digits, dots, colons and dashes (at most 40 characters), such as prod or team:billing.',
        }),
    )
    .max(20, { error: 'A connection has at most 20 tags.' })
    .default([])
    .transform((t) => [...new Set(t)]),
  readOnly: z.boolean().default(false),
  agentId: z.uuid({ error: 'Choose an agent from the list.' }).nullable().default(null),
  policyId: z.uuid({ error: 'Choose a policy from the list.' }).nullable().default(null),
  secret: SecretInput.default({ source: 'none' }),
};

/** The settings of one connection as an admin saves them; `config` is checked per `type`. */
export const ConnectionInput = z
  .discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('postgres'), config: PostgresConfig, ...common }),
      z.object({ type: z.literal('mysql'), config: MysqlConfig, ...common }),
      z.object({ type: z.literal('ssh'), config: SshConfig, ...common }),
      z.object({ type: z.literal('command'), config: CommandConfig, ...common }),
      z.object({ type: z.literal('anthropic'), config: AnthropicConfig, ...common }),
      z.object({ type: z.literal('http'), config: HttpConfig, ...common }),
      z.object({ type: z.literal('kubernetes'), config: KubernetesConfig, ...common }),
    ],
    { error: 'The type is postgres, mysql, ssh, command, anthropic, http or kubernetes.' },
  )
  // the agent's own rules, once the fields are right: what passes here is what the agent accepts
  .refine((c) => agentConfigError(c.type, c.config) === null, {
    path: ['config'],
    error: (iss) => {
      const c = iss.input as { type: string; config: unknown };
      return `The agent would refuse these settings: ${agentConfigError(c.type, c.config)}.`;
    },
    when: (payload) => payload.issues.length === 0,
  });
export type ConnectionInput = z.input<typeof ConnectionInput>;
export type ParsedConnectionInput = z.output<typeof ConnectionInput>;

/** Config keys each form manages; others already stored (set by the API or the seed) are kept on an edit. */
export const MANAGED_KEYS: Record<EditableType, string[]> = {
  postgres: ['host', 'port', 'database', 'user', 'sslmode', 'sslrootcert'],
  // ssl-mode too: the agent reads it before sslMode, so the form's choice must replace it
  mysql: ['host', 'port', 'database', 'user', 'sslMode', 'ssl-mode', 'sslCa', 'serverPublicKey'],
  ssh: ['host', 'port', 'user', 'hostKeyFingerprint'],
  command: ['shell', 'exec', 'cwd', 'env', 'guard', 'command'],
  anthropic: ['baseUrl'],
  http: ['baseUrl', 'authType', 'authHeader', 'authUser', 'caCert', 'awsRegion', 'awsService', 'awsProfile', 'connectTimeoutMs'],
  kubernetes: ['server', 'caCert', 'connectTimeoutMs'],
};
