import 'server-only';
import { z } from 'zod';

/**
 * Server configuration. Parsed once, on first use (not at import time, so `next build` needs no secrets), into a
 * frozen object. Nothing else in the app reads `process.env`.
 */
const schema = z.object({
  DATABASE_URL: z.url({ error: 'DATABASE_URL must be the postgres:// URL of the hoop database' }),
  NEXTAUTH_SECRET: z.string({ error: 'NEXTAUTH_SECRET (or AUTH_SECRET) is required, e.g. `openssl rand -base64 32`' }).min(16, { error: 'NEXTAUTH_SECRET must be at least 16 characters' }),
  NEXTAUTH_URL: z.url().default('http://localhost:3000'),
  HOOP_GATEWAY_URL: z.url().default('http://localhost:8009'),
  /**
   * The gateway's key (32 bytes, hex or base64) that seals secrets typed into the control plane: Slack tokens, webhook
   * secrets. Optional: without it the app runs, but refuses to save a secret (and says why).
   */
  HOOP_ENCRYPTION_KEY: z.string().min(32, { error: 'HOOP_ENCRYPTION_KEY must be the same key as the gateway uses: 32 random bytes as hex (openssl rand -hex 32)' }).optional(),
});

export type WebEnv = Readonly<z.infer<typeof schema>>;

let parsed: WebEnv | null = null;

export function env(): WebEnv {
  if (parsed) return parsed;
  const raw = process.env;
  const result = schema.safeParse({
    DATABASE_URL: raw.DATABASE_URL,
    NEXTAUTH_SECRET: raw.NEXTAUTH_SECRET || raw.AUTH_SECRET || undefined,
    NEXTAUTH_URL: raw.NEXTAUTH_URL || undefined,
    HOOP_GATEWAY_URL: raw.HOOP_GATEWAY_URL || undefined,
    HOOP_ENCRYPTION_KEY: raw.HOOP_ENCRYPTION_KEY || undefined,
  });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`the web app's configuration is invalid:\n${problems}`);
  }
  parsed = Object.freeze(result.data);
  return parsed;
}
