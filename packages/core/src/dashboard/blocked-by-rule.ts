import type { Db } from '@hoop/db';
import { z } from 'zod';
import { type DashboardInput, type DashboardViewer, DashboardWindow, dashboardWindow, scopedUserId, sqlTimestamp } from './dashboard-window';

export const BlockedByRule = z.object({
  window: DashboardWindow,
  /** refusals per bucket (by the event's time) and rule; `rule` is null when the refusal named none */
  rows: z.array(z.object({ bucket: z.string(), rule: z.string().nullable(), blocked: z.number().int() })),
  /** the rules over the whole window, most refusals first */
  rules: z.array(z.object({ rule: z.string().nullable(), blocked: z.number().int() })),
  total: z.number().int(),
});
export type BlockedByRule = z.infer<typeof BlockedByRule>;

interface Row {
  bucket: string;
  rule: string | null;
  blocked: number;
}

/**
 * Statements and commands a guardrail denied (`statement` and `command` events whose decision is `deny`). The events
 * are reached through the sessions of the window (the (org_id, started_at) index, then each session's events through
 * (session_id, seq)), so the cost follows the org's activity in the window, never the size of the whole trail.
 */
export async function blockedByRule(db: Db, viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): Promise<BlockedByRule> {
  const window = dashboardWindow(viewer, input, now);
  const userId = scopedUserId(viewer);
  const to = sqlTimestamp(window.to);
  const rows = await db.$queryRaw<Row[]>`
    SELECT to_char(date_trunc(${window.unit}::text, e.at), 'YYYY-MM-DD"T"HH24:MI') AS bucket,
           nullif(e.data->>'ruleId', '') AS rule,
           count(*)::int AS blocked
    FROM sessions s
    JOIN audit_events e ON e.session_id = s.id
    WHERE s.org_id = ${viewer.orgId}::uuid
      AND s.started_at >= ${sqlTimestamp(window.from)}::timestamp
      AND s.started_at <= ${to}::timestamp
      AND (${userId}::uuid IS NULL OR s.user_id = ${userId}::uuid)
      AND e.type IN ('statement', 'command')
      AND e.data->>'decision' = 'deny'
      AND e.at <= ${to}::timestamp
    GROUP BY 1, 2
    ORDER BY 1, 2`;
  const byRule = new Map<string | null, number>();
  for (const r of rows) byRule.set(r.rule, (byRule.get(r.rule) ?? 0) + r.blocked);
  // most refusals first; a refusal without a rule after the named ones
  const rules = [...byRule]
    .map(([rule, blocked]) => ({ rule, blocked }))
    .sort((a, b) => b.blocked - a.blocked || Number(a.rule === null) - Number(b.rule === null) || (a.rule ?? '').localeCompare(b.rule ?? ''));
  return { window, rows, rules, total: rules.reduce((n, r) => n + r.blocked, 0) };
}
