import type { Db } from '@hoop/db';
import { z } from 'zod';

/**
 * What a Claude Code conversation (a session of mode claude) adds up to, for its row in the session list and the head of
 * its page: exchanges, models, tokens, tool calls and the guard's decisions on them. A closed conversation's totals
 * come from its `session.close` (one event), an open one's from its answers so far; the guard's decisions are counted
 * from its `model.tool_use` events, which are small.
 */
export const ClaudeStats = z.object({
  exchanges: z.number().int(),
  /** exchanges that failed (an error answer, or the API not reached) */
  failed: z.number().int(),
  models: z.array(z.string()),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheCreationTokens: z.number(),
  toolCalls: z.number().int(),
  /** tool calls the guard refused */
  blocked: z.number().int(),
  /** tool calls held for a reviewer */
  held: z.number().int(),
});
export type ClaudeStats = z.infer<typeof ClaudeStats>;

/** A number a JSON field holds (0 for anything else), in SQL: the cast runs only on numbers. */
const n = (json: string) => `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json})::text::numeric ELSE 0 END)`;

interface TotalsRow {
  id: string;
  closed: boolean;
  exchanges: number;
  failed: number;
  tool_uses: number;
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
  models: string[] | null;
}

interface GuardRow {
  id: string;
  judged: number;
  blocked: number;
  held: number;
}

/** The totals of these sessions (mode claude), by id; a session with no model events gets zeros. */
export async function claudeStats(db: Db, ids: string[]): Promise<Map<string, ClaudeStats>> {
  const out = new Map<string, ClaudeStats>();
  if (ids.length === 0) return out;
  const closing = await db.$queryRawUnsafe<TotalsRow[]>(
    `SELECT e.session_id::text AS id, true AS closed,
       ${n(`e.data->'exchanges'`)}::int AS exchanges, ${n(`e.data->'failed'`)}::int AS failed, ${n(`e.data->'toolUses'`)}::int AS tool_uses,
       ${n(`e.data->'usage'->'inputTokens'`)}::float8 AS input, ${n(`e.data->'usage'->'outputTokens'`)}::float8 AS output,
       ${n(`e.data->'usage'->'cacheReadInputTokens'`)}::float8 AS cache_read,
       ${n(`e.data->'usage'->'cacheCreationInputTokens'`)}::float8 AS cache_creation,
       CASE WHEN jsonb_typeof(e.data->'models') = 'array'
         THEN ARRAY(SELECT jsonb_array_elements_text(jsonb_path_query_array(e.data->'models', '$[*] ? (@.type() == "string")'))) END AS models
     FROM audit_events e WHERE e.session_id = ANY($1::uuid[]) AND e.type = 'session.close' AND e.data ? 'exchanges'`,
    ids,
  );
  const closed = new Set(closing.map((r) => r.id));
  const open = ids.filter((id) => !closed.has(id));
  const running = open.length
    ? await db.$queryRawUnsafe<TotalsRow[]>(
        `SELECT e.session_id::text AS id, false AS closed,
           count(*) FILTER (WHERE e.type IN ('model.response', 'model.error'))::int AS exchanges,
           count(*) FILTER (WHERE e.type = 'model.error' OR ${n(`e.data->'status'`)} >= 400)::int AS failed,
           coalesce(sum(CASE WHEN jsonb_typeof(e.data->'toolUses') = 'array' THEN jsonb_array_length(e.data->'toolUses') ELSE 0 END), 0)::int AS tool_uses,
           coalesce(sum(${n(`e.data->'usage'->'inputTokens'`)}), 0)::float8 AS input,
           coalesce(sum(${n(`e.data->'usage'->'outputTokens'`)}), 0)::float8 AS output,
           coalesce(sum(${n(`e.data->'usage'->'cacheReadInputTokens'`)}), 0)::float8 AS cache_read,
           coalesce(sum(${n(`e.data->'usage'->'cacheCreationInputTokens'`)}), 0)::float8 AS cache_creation,
           array_agg(DISTINCT e.data->>'model') FILTER (WHERE e.type = 'model.response' AND jsonb_typeof(e.data->'model') = 'string') AS models
         FROM audit_events e WHERE e.session_id = ANY($1::uuid[]) AND e.type IN ('model.response', 'model.error')
         GROUP BY e.session_id`,
        open,
      )
    : [];
  const guard = await db.$queryRawUnsafe<GuardRow[]>(
    `SELECT e.session_id::text AS id, count(*)::int AS judged,
       count(*) FILTER (WHERE e.data->>'verdict' = 'deny' OR e.data->>'outcome' = 'blocked')::int AS blocked,
       count(*) FILTER (WHERE e.data->>'verdict' = 'review')::int AS held
     FROM audit_events e WHERE e.session_id = ANY($1::uuid[]) AND e.type = 'model.tool_use'
     GROUP BY e.session_id`,
    ids,
  );
  const guards = new Map(guard.map((g) => [g.id, g]));
  const totals = new Map([...running, ...closing].map((r) => [r.id, r]));
  for (const id of ids) {
    const t = totals.get(id);
    const g = guards.get(id);
    out.set(id, {
      exchanges: t?.exchanges ?? 0,
      failed: t?.failed ?? 0,
      models: (t?.models ?? []).filter((m) => m !== ''),
      inputTokens: t?.input ?? 0,
      outputTokens: t?.output ?? 0,
      cacheReadTokens: t?.cache_read ?? 0,
      cacheCreationTokens: t?.cache_creation ?? 0,
      // a refused call may be left out of the answer the client got: the guard's count is then the larger
      toolCalls: Math.max(t?.tool_uses ?? 0, g?.judged ?? 0),
      blocked: g?.blocked ?? 0,
      held: g?.held ?? 0,
    });
  }
  return out;
}

/** List rows with their conversation totals: a claude session's tool calls count as its statements, blocked and held. */
export async function withClaudeStats<T extends { id: string; mode: string; statements: number; blocked: number; reviews: number }>(
  db: Db,
  items: T[],
): Promise<(T & { claude: ClaudeStats | null })[]> {
  const stats = await claudeStats(
    db,
    items.filter((i) => i.mode === 'claude').map((i) => i.id),
  );
  return items.map((i) => {
    const c = stats.get(i.id);
    return c ? { ...i, statements: c.toolCalls, blocked: c.blocked, reviews: Math.max(i.reviews, c.held), claude: c } : { ...i, claude: null };
  });
}
