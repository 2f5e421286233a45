import type { Db } from './client';

/**
 * The tokens a daily budget counts: input (uncached, and written to the prompt cache) plus output. Reads from the prompt
 * cache are not counted, as the API's own input-token rate limits do not count them: Claude Code re-reads its whole
 * conversation from the cache on every turn, which would use a budget up in a few dozen turns.
 */
export const budgetTokens = (u: { inputTokens: number; cacheCreationInputTokens: number; outputTokens: number }): number =>
  u.inputTokens + u.cacheCreationInputTokens + u.outputTokens;

/** The UTC day of `at`, as model_usage_days keys it (`2026-12-07`). */
export const usageDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The start of the UTC day after `at`: when a daily budget starts again. */
export function nextUsageDay(at: Date): Date {
  const d = new Date(at.getTime());
  d.setUTCHours(24, 0, 0, 0);
  return d;
}

const BUDGET_SQL =
  'SELECT sum(input_tokens + cache_creation_input_tokens + output_tokens)::bigint AS used FROM model_usage_days ' +
  'WHERE user_id = $1::uuid AND connection_id = $2::uuid AND day = $3::date';

/** A node-postgres pool or client: the gateway asks on its own pool (a prepared statement, ~0.4 ms of CPU; Prisma ~2 ms). */
export interface PgQueryable {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: { used: string | null }[] }>;
}

/**
 * The tokens a user's model API traffic on one connection counts against its daily budget on a UTC day, summed over
 * the day's models: one primary-key range of model_usage_days (kept by the trigger hoop_model_usage as the trail is
 * stored), so every gateway reads the same figure.
 */
export async function budgetTokensUsed(db: Db | PgQueryable, userId: string, connectionId: string, day: string): Promise<number> {
  if ('query' in db) {
    const r = await db.query({ name: 'hoop-budget-tokens-used', text: BUDGET_SQL, values: [userId, connectionId, day] });
    return Number(r.rows[0]?.used ?? 0);
  }
  const rows = await db.$queryRawUnsafe<{ used: bigint | null }[]>(BUDGET_SQL, userId, connectionId, day);
  return Number(rows[0]?.used ?? 0);
}
