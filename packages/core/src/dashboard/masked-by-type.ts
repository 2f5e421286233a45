import type { Db } from '@hoop/db';
import { z } from 'zod';
import { type DashboardInput, type DashboardViewer, DashboardWindow, dashboardWindow, scopedUserId, sqlTimestamp } from './dashboard-window';

export const MaskedByType = z.object({
  window: DashboardWindow,
  /** values masked by type (email, card, …), most first */
  types: z.array(z.object({ type: z.string(), masked: z.number().int() })),
  total: z.number().int(),
});
export type MaskedByType = z.infer<typeof MaskedByType>;

interface Row {
  type: string;
  masked: number;
}

/**
 * Values masked in the sessions started in the window, by type. Counts are read from one source per session, so
 * nothing is counted twice: the session's closing totals (`session.close` data.masked, written by both the Postgres
 * relay and the SSH server) when it has them, else — a session still open, or one whose agent went away before
 * closing it — the sum of its `statement` events' counts so far (only the Postgres relay writes those). This is the
 * rule the session list's "masked" column follows, so the figures agree with it.
 */
export async function maskedByType(db: Db, viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): Promise<MaskedByType> {
  const window = dashboardWindow(viewer, input, now);
  const userId = scopedUserId(viewer);
  const rows = await db.$queryRaw<Row[]>`
    WITH scoped AS (
      SELECT s.id FROM sessions s
      WHERE s.org_id = ${viewer.orgId}::uuid
        AND s.started_at >= ${sqlTimestamp(window.from)}::timestamp
        AND s.started_at <= ${sqlTimestamp(window.to)}::timestamp
        AND (${userId}::uuid IS NULL OR s.user_id = ${userId}::uuid)
    ),
    counted AS (
      SELECT e.session_id, e.type, e.data->'masked' AS masked
      FROM scoped JOIN audit_events e ON e.session_id = scoped.id
      WHERE e.type IN ('statement', 'session.close') AND jsonb_typeof(e.data->'masked') = 'object'
    ),
    closed AS (SELECT DISTINCT session_id FROM counted WHERE type = 'session.close')
    SELECT m.key AS type, sum((m.value)::numeric)::float8 AS masked
    FROM counted c
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(c.masked) = 'object' THEN c.masked ELSE '{}'::jsonb END) m
    WHERE jsonb_typeof(m.value) = 'number'
      AND (c.type = 'session.close' OR c.session_id NOT IN (SELECT session_id FROM closed))
    GROUP BY 1
    HAVING sum((m.value)::numeric) > 0
    ORDER BY 2 DESC, 1`;
  const types = rows.map((r) => ({ type: r.type, masked: Math.round(r.masked) }));
  return { window, types, total: types.reduce((n, t) => n + t.masked, 0) };
}
