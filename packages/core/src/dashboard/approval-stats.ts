import type { Db } from '@hoop/db';
import { z } from 'zod';
import { type DashboardInput, type DashboardViewer, DashboardWindow, dashboardWindow, scopedUserId, sqlTimestamp } from './dashboard-window';

export const ApprovalStats = z.object({
  window: DashboardWindow,
  /** requests raised in the window, by what became of them */
  requested: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
  /** timed out (a pending request past its expiry counts here, before the gateway's sweep marks it) */
  expired: z.number().int(),
  revoked: z.number().int(),
  /** approved or rejected: the requests a reviewer decided, whose latency is measured */
  decided: z.number().int(),
  /** time from request to decision, seconds (null when nothing was decided) */
  p50Seconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
  /** requests waiting for a decision now, whenever they were raised */
  pendingNow: z.number().int(),
});
export type ApprovalStats = z.infer<typeof ApprovalStats>;

interface Row {
  requested: number;
  approved: number;
  rejected: number;
  expired: number;
  revoked: number;
  p50: number | null;
  p90: number | null;
  pending_now: number;
}

/**
 * Reviews requested in the window: the outcome split, and the decision latency (decidedAt − createdAt) at the median
 * and the 90th percentile over the reviews a person approved or rejected. Expired and revoked requests have a
 * `decidedAt` too, but it measures a timeout or an admin's withdrawal, not how fast reviewers answer, so they are
 * left out of the latency. Reads the (org_id, status, created_at) index.
 */
export async function approvalStats(db: Db, viewer: DashboardViewer, input: DashboardInput, now: Date = new Date()): Promise<ApprovalStats> {
  const window = dashboardWindow(viewer, input, now);
  const userId = scopedUserId(viewer);
  const to = sqlTimestamp(window.to);
  const rows = await db.$queryRaw<Row[]>`
    WITH requested AS (
      SELECT r.status, r.expires_at, extract(epoch FROM r.decided_at - r.created_at)::float8 AS latency
      FROM reviews r
      WHERE r.org_id = ${viewer.orgId}::uuid
        AND r.status IN ('pending', 'approved', 'rejected', 'expired', 'revoked')
        AND r.created_at >= ${sqlTimestamp(window.from)}::timestamp
        AND r.created_at <= ${to}::timestamp
        AND (${userId}::uuid IS NULL OR r.requester_id = ${userId}::uuid)
    )
    SELECT count(*)::int AS requested,
           count(*) FILTER (WHERE status = 'approved')::int AS approved,
           count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
           count(*) FILTER (WHERE status = 'expired' OR (status = 'pending' AND expires_at <= ${to}::timestamp))::int AS expired,
           count(*) FILTER (WHERE status = 'revoked')::int AS revoked,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY latency)
                    FILTER (WHERE status IN ('approved', 'rejected') AND latency IS NOT NULL))::numeric, 3)::float8 AS p50,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY latency)
                    FILTER (WHERE status IN ('approved', 'rejected') AND latency IS NOT NULL))::numeric, 3)::float8 AS p90,
           (SELECT count(*)::int FROM reviews p
             WHERE p.org_id = ${viewer.orgId}::uuid AND p.status = 'pending' AND p.expires_at > ${to}::timestamp
               AND (${userId}::uuid IS NULL OR p.requester_id = ${userId}::uuid)) AS pending_now
    FROM requested`;
  const r = rows[0]!;
  return {
    window,
    requested: r.requested,
    approved: r.approved,
    rejected: r.rejected,
    expired: r.expired,
    revoked: r.revoked,
    decided: r.approved + r.rejected,
    p50Seconds: r.p50,
    p90Seconds: r.p90,
    pendingNow: r.pending_now,
  };
}
