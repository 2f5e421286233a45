import type { Db } from '@hoop/db';
import { z } from 'zod';
import { ONLINE_WINDOW_MS } from '../agent/agent-status';
import { type DashboardViewer, DashboardScope, dashboardScope, scopedUserId, sqlTimestamp } from './dashboard-window';

export const LiveStatus = z.object({
  /** agents with a heartbeat in the last 15 seconds (the agents page's rule), and all of the org's agents */
  agentsOnline: z.number().int(),
  agentsTotal: z.number().int(),
  /** sessions running now, and how many of them are service accounts' (AI agents) */
  openSessions: z.number().int(),
  openAgentSessions: z.number().int(),
  /** agents are counted org-wide for everyone; sessions per the dashboard's scope */
  scope: DashboardScope,
  at: z.date(),
});
export type LiveStatus = z.infer<typeof LiveStatus>;

interface Row {
  agents_online: number;
  agents_total: number;
  open_sessions: number;
  open_agent_sessions: number;
}

/** What is happening now, whatever the range: agents online and sessions open. */
export async function liveStatus(db: Db, viewer: DashboardViewer, now: Date = new Date()): Promise<LiveStatus> {
  const userId = scopedUserId(viewer);
  const cutoff = sqlTimestamp(new Date(now.getTime() - ONLINE_WINDOW_MS));
  const rows = await db.$queryRaw<Row[]>`
    SELECT
      (SELECT count(*)::int FROM agents a
        WHERE a.org_id = ${viewer.orgId}::uuid AND a.connected_at IS NOT NULL AND a.last_seen_at >= ${cutoff}::timestamp) AS agents_online,
      (SELECT count(*)::int FROM agents a WHERE a.org_id = ${viewer.orgId}::uuid) AS agents_total,
      open.sessions AS open_sessions,
      open.agent_sessions AS open_agent_sessions
    FROM (
      SELECT count(*)::int AS sessions, count(*) FILTER (WHERE u.is_service)::int AS agent_sessions
      FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.org_id = ${viewer.orgId}::uuid AND s.status = 'open'
        AND (${userId}::uuid IS NULL OR s.user_id = ${userId}::uuid)
    ) open`;
  const r = rows[0]!;
  return {
    agentsOnline: r.agents_online,
    agentsTotal: r.agents_total,
    openSessions: r.open_sessions,
    openAgentSessions: r.open_agent_sessions,
    scope: dashboardScope(viewer.role),
    at: now,
  };
}
