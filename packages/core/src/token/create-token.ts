import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import type { SessionUser } from '../auth/load-session-user';
import { tokenInclude, TokenScope, TokenView, tokenView } from './token-view';

export const MAX_TOKEN_DAYS = 365;

export const CreateTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, { error: 'Give the token a name that says where it is used, such as laptop or ci-deploy.' })
    .max(100, { error: 'The name is at most 100 characters.' }),
  expiresInDays: z
    .number({ error: 'Choose when the token expires.' })
    .int({ error: 'The lifetime is a whole number of days.' })
    .min(1, { error: 'A token lives at least one day.' })
    .max(MAX_TOKEN_DAYS, { error: `A token lives at most ${MAX_TOKEN_DAYS} days; create a new one when it expires.` }),
  scope: TokenScope.default('full'),
});
export type CreateTokenInput = z.input<typeof CreateTokenInput>;

export const CreatedToken = z.object({
  item: TokenView,
  /** the token itself: shown this once, stored only as a hash */
  token: z.string(),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

/** A new API token of the signed-in user, for the CLI (`hoop login --token`), MCP or automation. */
export async function createToken(db: Db, user: SessionUser, input: CreateTokenInput): Promise<CreatedToken> {
  const q = parseInput(CreateTokenInput, input);
  const { createApiToken } = await loadHoopDb();
  const { row, token } = await createApiToken(db, user.id, { name: q.name, expiresAt: new Date(Date.now() + q.expiresInDays * 86_400_000), scope: q.scope });
  const full = await db.apiToken.findUniqueOrThrow({ where: { id: row.id }, include: tokenInclude });
  return { item: tokenView(full), token };
}
