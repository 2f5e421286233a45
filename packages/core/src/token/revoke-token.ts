import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { hasRole } from '../auth/roles';
import type { SessionUser } from '../auth/load-session-user';
import { tokenInclude, tokenNotFound, type TokenView, tokenView } from './token-view';

export const TokenIdInput = z.object({ id: z.uuid({ error: 'That is not a token id.' }) });

/** Revokes one of the user's own tokens (admins: any token of the org); the gateway refuses it from the next request. */
export async function revokeToken(db: Db, user: SessionUser, input: z.input<typeof TokenIdInput>): Promise<TokenView> {
  const q = parseInput(TokenIdInput, input);
  const owner = hasRole(user, 'admin') ? { orgId: user.orgId } : { id: user.id };
  const row = await db.apiToken.findFirst({ where: { id: q.id, user: owner }, select: { id: true, revokedAt: true } });
  if (!row) throw tokenNotFound();
  if (row.revokedAt) throw new AppError('conflict', 'This token is already revoked.');
  await db.apiToken.updateMany({ where: { id: row.id, revokedAt: null }, data: { revokedAt: new Date() } });
  return tokenView(await db.apiToken.findUniqueOrThrow({ where: { id: row.id }, include: tokenInclude }));
}
