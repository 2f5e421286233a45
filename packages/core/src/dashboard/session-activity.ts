import type { Db } from '@hoop/db';
import { z } from 'zod';
import { type DashboardInput, type DashboardViewer, DashboardWindow, dashboardWindow, scopedUserId, sqlTimestamp } from './dashboard-window';

export const SessionActivity = z.object({
  window: DashboardWindow,
  /** sessions started per bucket and connection, split into people and service accounts (AI agents); no zero rows */
  rows: z.array(z.object({ bucket: z.string(), connection: z.string(), people: z.number().int(), agents: z.number().int() })),
  totals: z.object({ sessions: z.number().int(), people: z.number().int(), agents: z.number().int() }),
});
export type SessionActivity = z.infer<typeof SessionActivity>;

interface Row {
  bucket: string;
  connection: string;
  people: number;
  agents: number;
}

/**
 * Sessions started in the window, by bucket and connection. One pass over the org's sessions of the window through
 * the (org_id, started_at) index; the user and connection names come from their primary keys.
 */
export async function sessionActivity(db: Db, viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): Promise<SessionActivity> {
  const window = dashboardWindow(viewer, input, now);
  const userId = scopedUserId(viewer);
  const rows = await db.$queryRaw<Row[]>`
    SELECT to_char(date_trunc(${window.unit}::text, s.started_at), 'YYYY-MM-DD"T"HH24:MI') AS bucket,
           c.name AS connection,
           count(*) FILTER (WHERE NOT u.is_service)::int AS people,
           count(*) FILTER (WHERE u.is_service)::int AS agents
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    JOIN connections c ON c.id = s.connection_id
    WHERE s.org_id = ${viewer.orgId}::uuid
      AND s.started_at >= ${sqlTimestamp(window.from)}::timestamp
      AND s.started_at <= ${sqlTimestamp(window.to)}::timestamp
      AND (${userId}::uuid IS NULL OR s.user_id = ${userId}::uuid)
    GROUP BY 1, 2
    ORDER BY 1, 2`;
  const people = rows.reduce((n, r) => n + r.people, 0);
  const agents = rows.reduce((n, r) => n + r.agents, 0);
  return { window, rows, totals: { sessions: people + agents, people, agents } };
}
