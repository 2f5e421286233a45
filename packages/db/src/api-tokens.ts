import type { Db } from './client';
import { generateSecret, hashSecret, secretPrefix } from './credentials';
import { tokenScramVerifier } from './token-verifiers';

/** What a token may do: everything its user may (`full`), or only list and read (`read`, GET on the gateway's API). */
export type TokenScope = 'full' | 'read';

/** A new API token for a user: the row, and the token itself, which is shown once and stored only as a hash. */
export async function createApiToken(db: Db, userId: string, data: { name: string; expiresAt: Date | null; scope?: TokenScope }) {
  const token = generateSecret('hoop_tok');
  const { email } = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
  const row = await db.apiToken.create({
    data: {
      userId,
      name: data.name,
      tokenHash: hashSecret(token),
      prefix: secretPrefix(token),
      expiresAt: data.expiresAt,
      scope: data.scope ?? 'full',
      scramVerifier: await tokenScramVerifier(email, token),
    },
  });
  return { row, token };
}
