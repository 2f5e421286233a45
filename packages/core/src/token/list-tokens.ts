import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { hasRole } from '../auth/roles';
import type { SessionUser } from '../auth/load-session-user';
import { tokenInclude, TokenView, tokenView } from './token-view';

export const ListTokensInput = z.object({
  /** mine: the viewer's own tokens | org: every token of the org, service accounts' too (admins) */
  owner: z.enum(['mine', 'org']).default('mine'),
  /** also list revoked and expired tokens */
  includeInactive: z.boolean().default(false),
});
export type ListTokensInput = z.input<typeof ListTokensInput>;

export const TokenList = z.object({ items: z.array(TokenView) });
export type TokenList = z.infer<typeof TokenList>;

export async function listTokens(db: Db, user: SessionUser, input: ListTokensInput): Promise<TokenList> {
  const q = parseInput(ListTokensInput, input);
  if (q.owner === 'org' && !hasRole(user, 'admin')) throw new AppError('forbidden', 'Only admins see the tokens of other people; here are your own.');
  const now = new Date();
  const rows = await db.apiToken.findMany({
    where: {
      user: q.owner === 'org' ? { orgId: user.orgId } : { id: user.id },
      ...(q.includeInactive ? {} : { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }),
    },
    include: tokenInclude,
    orderBy: { createdAt: 'desc' },
    take: 1000,
  });
  return { items: rows.map((r) => tokenView(r, now)) };
}
