import type { Db } from './client';
import type { TokenScope } from './cli-login';
import { generateSecret, hashSecret, secretPrefix } from './credentials';

/** A new API token for a user: the row, and the token itself, which is shown once and stored only as a hash. */
export async function createApiToken(db: Db, userId: string, data: { name: string; expiresAt: Date | null; scope?: TokenScope }) {
  const token = generateSecret('hoop_tok');
  const row = await db.apiToken.create({
    data: { userId, name: data.name, tokenHash: hashSecret(token), prefix: secretPrefix(token), expiresAt: data.expiresAt, scope: data.scope ?? 'full' },
  });
  return { row, token };
}
