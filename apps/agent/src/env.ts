import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';

const schema = z.object({
  HOOP_GATEWAY_URL: z
    .string()
    .regex(/^wss?:\/\//, 'HOOP_GATEWAY_URL must start with ws:// or wss://')
    .default('ws://127.0.0.1:8009'),
  HOOP_AGENT_KEY: z.string({ message: 'HOOP_AGENT_KEY is required: the key shown once when the agent was created' }).min(16),
  HOOP_AGENT_NAME: z.string().default(hostname()),
  HOOP_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** folder for the audit spool (frames not yet acknowledged by the gateway); empty keeps them in memory only */
  HOOP_AGENT_DATA_DIR: z.string().default(''),
  /** wait before trying again once the gateway refused HOOP_AGENT_KEY (doubled on each refusal, up to 10 minutes) */
  HOOP_AGENT_KEY_RETRY_MS: z.coerce.number().int().min(1000).max(600_000).default(60_000),
  /** largest message accepted from a client or a target, in bytes */
  HOOP_PG_MAX_MESSAGE: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /**
   * what all sessions together may make the agent hold of client input it cannot pass on yet (a message still
   * arriving, messages queued while the target session opens), in MiB; a session that would go past it is ended
   */
  HOOP_AGENT_INPUT_BUDGET_MB: z.coerce.number().int().min(1).default(512),
  /** what command connections start from (their own `env` settings are added on top) */
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  HOME: z.string().default('/'),
  LANG: z.string().default('C.UTF-8'),
});

export type AgentEnv = Readonly<z.infer<typeof schema>>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): AgentEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`agent configuration is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

export type SecretResult = { ok: true; value: string | null } | { ok: false; error: string };

/**
 * Resolves a connection's secret reference on the agent, so the gateway never holds target credentials:
 * `env:NAME` (this process's environment), `file:/path` (e.g. a mounted secret), `stored` (sealed in the control
 * plane and sent only to this agent), or none.
 */
export async function resolveSecret(ref: string | null, stored: string | null | undefined, source: NodeJS.ProcessEnv = process.env): Promise<SecretResult> {
  if (!ref) return { ok: true, value: null };
  if (ref === 'stored')
    return stored != null ? { ok: true, value: stored } : { ok: false, error: 'the stored secret is missing or could not be decrypted by the gateway' };
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = source[name];
    return value === undefined ? { ok: false, error: `environment variable ${name} is not set on the agent` } : { ok: true, value };
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return { ok: true, value: (await readFile(path, 'utf8')).replace(/\r?\n$/, '') };
    } catch (err) {
      return { ok: false, error: `cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }
  return { ok: false, error: `unknown secret reference "${ref.split(':')[0]}:"; use env:NAME, file:/path or stored` };
}

/** What the agent's environment says of its AWS credentials (http connections signed with AWS Signature V4). */
export interface AwsEnvironment {
  AWS_ACCESS_KEY_ID?: string;
  AWS_SECRET_ACCESS_KEY?: string;
  AWS_SESSION_TOKEN?: string;
  AWS_PROFILE?: string;
  AWS_SHARED_CREDENTIALS_FILE?: string;
  HOME?: string;
}

/** Read when a session needs it, like secret references, so credentials rotated in a mounted file are picked up. */
export function awsEnvironment(source: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const pick = (k: keyof AwsEnvironment) => (source[k] ? { [k]: source[k] } : {});
  return {
    ...pick('AWS_ACCESS_KEY_ID'),
    ...pick('AWS_SECRET_ACCESS_KEY'),
    ...pick('AWS_SESSION_TOKEN'),
    ...pick('AWS_PROFILE'),
    ...pick('AWS_SHARED_CREDENTIALS_FILE'),
    ...pick('HOME'),
  };
}
