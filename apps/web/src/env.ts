import 'server-only';
import { z } from 'zod';

/**
 * Server configuration. Parsed once, on first use (not at import time, so `next build` needs no secrets), into a
 * frozen object. Nothing else in the app reads `process.env`.
 */
const schema = z
  .object({
    DATABASE_URL: z.url({ error: 'DATABASE_URL must be the postgres:// URL of the hoop database' }),
    NEXTAUTH_SECRET: z
      .string({ error: 'NEXTAUTH_SECRET (or AUTH_SECRET) is required, e.g. `openssl rand -base64 32`' })
      .min(16, { error: 'NEXTAUTH_SECRET must be at least 16 characters' }),
    NEXTAUTH_URL: z.url().default('http://localhost:3000'),
    HOOP_GATEWAY_URL: z.url().default('http://localhost:8009'),
    /**
     * The gateway's key (32 bytes, hex or base64) that seals secrets typed into the control plane: Slack tokens, webhook
     * secrets. Optional: without it the app runs, but refuses to save a secret (and says why).
     */
    HOOP_ENCRYPTION_KEY: z
      .string()
      .min(32, { error: 'HOOP_ENCRYPTION_KEY must be the same key as the gateway uses: 32 random bytes as hex (openssl rand -hex 32)' })
      .optional(),
    /**
     * Single sign-on with any OIDC provider: the issuer URL (its /.well-known/openid-configuration is read) and the
     * client registered there, with redirect URI `<NEXTAUTH_URL>/api/auth/callback/oidc`. Off while the issuer is unset.
     */
    HOOP_OIDC_ISSUER: z
      .url({ error: 'HOOP_OIDC_ISSUER must be the issuer URL of your OIDC provider, such as https://login.example.com/realms/acme' })
      .optional(),
    HOOP_OIDC_CLIENT_ID: z.string().min(1).optional(),
    HOOP_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** the claim that lists a person's groups; its values map to groups by their OIDC claim value */
    HOOP_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    /** scopes asked for; add the one your provider needs for the groups claim (Okta: groups) */
    HOOP_OIDC_SCOPES: z.string().min(1).default('openid email profile'),
    /** the name on the login button: "Sign in with <name>" (default: the issuer's host) */
    HOOP_OIDC_NAME: z.string().min(1).max(60).optional(),
    /** the organisation (slug) people who sign in with OIDC belong to; default: the only org, else `demo` */
    HOOP_OIDC_ORG: z.string().min(1).optional(),
    /**
     * Public keys the audit chain's signatures are checked with when the trail is verified: the gateway's
     * (HOOP_AUDIT_PUBLIC_KEY; comma-separated PEM or file:/path), earlier ones (HOOP_AUDIT_TRUSTED_KEYS), or the
     * gateway's signing key itself (HOOP_AUDIT_SIGNING_KEY, whose public half is used). None: verifying says that
     * signatures were not checked.
     */
    HOOP_AUDIT_PUBLIC_KEY: z.string().min(1).optional(),
    HOOP_AUDIT_TRUSTED_KEYS: z.string().min(1).optional(),
    HOOP_AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  })
  .refine((e) => !e.HOOP_OIDC_ISSUER || (e.HOOP_OIDC_CLIENT_ID && e.HOOP_OIDC_CLIENT_SECRET), {
    error: 'HOOP_OIDC_ISSUER is set, so HOOP_OIDC_CLIENT_ID and HOOP_OIDC_CLIENT_SECRET are required too (the client registered with your provider)',
    path: ['HOOP_OIDC_CLIENT_SECRET'],
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
    HOOP_OIDC_ISSUER: raw.HOOP_OIDC_ISSUER || undefined,
    HOOP_OIDC_CLIENT_ID: raw.HOOP_OIDC_CLIENT_ID || undefined,
    HOOP_OIDC_CLIENT_SECRET: raw.HOOP_OIDC_CLIENT_SECRET || undefined,
    HOOP_OIDC_GROUPS_CLAIM: raw.HOOP_OIDC_GROUPS_CLAIM || undefined,
    HOOP_OIDC_SCOPES: raw.HOOP_OIDC_SCOPES || undefined,
    HOOP_OIDC_NAME: raw.HOOP_OIDC_NAME || undefined,
    HOOP_OIDC_ORG: raw.HOOP_OIDC_ORG || undefined,
    HOOP_AUDIT_PUBLIC_KEY: raw.HOOP_AUDIT_PUBLIC_KEY || undefined,
    HOOP_AUDIT_TRUSTED_KEYS: raw.HOOP_AUDIT_TRUSTED_KEYS || undefined,
    HOOP_AUDIT_SIGNING_KEY: raw.HOOP_AUDIT_SIGNING_KEY || undefined,
  });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`the web app's configuration is invalid:\n${problems}`);
  }
  parsed = Object.freeze(result.data);
  return parsed;
}
