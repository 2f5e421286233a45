import { z } from 'zod';
import { AppError } from '../errors';

export const TokenScope = z.enum(['full', 'read']);

/** An API token as pages see it: its prefix, never the token (only its SHA-256 is stored). */
export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scope: TokenScope,
  status: z.enum(['active', 'expired', 'revoked']),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  owner: z.object({ id: z.string(), email: z.string(), name: z.string(), isService: z.boolean() }),
  /** set when `hoop login` in a browser created it: the CLI and machine it went to */
  cliClient: z.string().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;

export const tokenInclude = {
  user: { select: { id: true, email: true, name: true, isService: true } },
  cliLogin: { select: { clientName: true } },
} as const;

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scope: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  user: { id: string; email: string; name: string; isService: boolean };
  cliLogin: { clientName: string } | null;
}

export function tokenView(t: TokenRow, now = new Date()): TokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scope: t.scope === 'read' ? 'read' : 'full',
    status: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
    owner: t.user,
    cliClient: t.cliLogin?.clientName ?? null,
  };
}

export function tokenNotFound(): AppError {
  return new AppError('not_found', 'This token does not exist (any more). Reload the page to see the current list.');
}
