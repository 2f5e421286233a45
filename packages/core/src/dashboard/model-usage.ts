import type { Db } from '@hoop/db';
import { z } from 'zod';
import { type DashboardInput, type DashboardViewer, DashboardWindow, dashboardWindow, scopedUserId } from './dashboard-window';

const Figures = z.object({
  /** answers recorded */
  requests: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheCreationInputTokens: z.number().int(),
  cacheReadInputTokens: z.number().int(),
  /** what a daily budget counts: input, cache writes and output (cache reads are not counted) */
  budgetTokens: z.number().int(),
  /** tool calls the model asked for that were judged */
  toolUses: z.number().int(),
  /** of those, the ones Claude Code did not get to run: blocked, rejected by a reviewer, or expired waiting */
  blockedToolUses: z.number().int(),
  /** requests the gateway refused by policy (model allow-list, daily token budget) */
  refused: z.number().int(),
});

export const ModelUsage = z.object({
  window: DashboardWindow,
  /** per user and model, most tokens first */
  rows: z.array(Figures.extend({ userId: z.string(), email: z.string(), model: z.string() })),
  totals: Figures,
});
export type ModelUsage = z.infer<typeof ModelUsage>;

/** What a daily budget counts, as the gateway counts it (budgetTokensUsed in @hoop/db): input, cache writes, output. */
const budgetTokens = (f: { inputTokens: number; cacheCreationInputTokens: number; outputTokens: number }) =>
  f.inputTokens + f.cacheCreationInputTokens + f.outputTokens;

interface Row {
  user_id: string;
  email: string;
  model: string;
  requests: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_creation_input_tokens: bigint;
  cache_read_input_tokens: bigint;
  tool_uses: bigint;
  blocked_tool_uses: bigint;
  refused: bigint;
}

const ZERO: z.infer<typeof Figures> = {
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  budgetTokens: 0,
  toolUses: 0,
  blockedToolUses: 0,
  refused: 0,
};

/**
 * Claude Code's model API traffic (anthropic connections) per user and model over the window: tokens by kind, tool
 * calls judged and blocked, requests refused by policy. Read from model_usage_days (kept by the database as the
 * trail is stored, through its (org_id, day) index), so the cost follows the number of users and models, not of
 * events. The figures are by UTC day: the 24-hour range counts the two days it touches. Developers see their own.
 */
export async function modelUsage(db: Db, viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): Promise<ModelUsage> {
  const window = dashboardWindow(viewer, input, now);
  const userId = scopedUserId(viewer);
  const from = window.from.toISOString().slice(0, 10);
  const to = window.to.toISOString().slice(0, 10);
  const rows = await db.$queryRaw<Row[]>`
    SELECT m.user_id::text AS user_id, u.email, m.model,
      sum(m.requests) AS requests, sum(m.input_tokens) AS input_tokens, sum(m.output_tokens) AS output_tokens,
      sum(m.cache_creation_input_tokens) AS cache_creation_input_tokens, sum(m.cache_read_input_tokens) AS cache_read_input_tokens,
      sum(m.tool_uses) AS tool_uses, sum(m.blocked_tool_uses) AS blocked_tool_uses, sum(m.refused) AS refused
    FROM model_usage_days m
    JOIN users u ON u.id = m.user_id
    WHERE m.org_id = ${viewer.orgId}::uuid
      AND m.day >= ${from}::date AND m.day <= ${to}::date
      AND (${userId}::uuid IS NULL OR m.user_id = ${userId}::uuid)
    GROUP BY m.user_id, u.email, m.model`;
  const out = rows.map((r) => {
    const f = {
      requests: Number(r.requests),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      cacheCreationInputTokens: Number(r.cache_creation_input_tokens),
      cacheReadInputTokens: Number(r.cache_read_input_tokens),
      toolUses: Number(r.tool_uses),
      blockedToolUses: Number(r.blocked_tool_uses),
      refused: Number(r.refused),
    };
    return { userId: r.user_id, email: r.email, model: r.model, ...f, budgetTokens: budgetTokens(f) };
  });
  out.sort(
    (a, b) => b.budgetTokens - a.budgetTokens || b.blockedToolUses - a.blockedToolUses || a.email.localeCompare(b.email) || a.model.localeCompare(b.model),
  );
  const totals = { ...ZERO };
  for (const r of out) for (const k of Object.keys(ZERO) as (keyof typeof ZERO)[]) totals[k] += r[k];
  return { window, rows: out, totals };
}
