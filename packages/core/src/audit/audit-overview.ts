import type { Db } from '@hoop/db';
import { z } from 'zod';

export const AuditOverview = z.object({
  sessions: z.number().int(),
  /** sessions still running: their events are chained, but they are sealed into the global chain only when they close */
  openSessions: z.number().int(),
  /** closed sessions whose final hash is in the global chain */
  sealedSessions: z.number().int(),
  events: z.number().int(),
  firstSessionAt: z.date().nullable(),
  lastSealedAt: z.date().nullable(),
});
export type AuditOverview = z.infer<typeof AuditOverview>;

/** What the org's audit trail holds, for the audit page (before anything is verified). */
export async function auditOverview(db: Db, orgId: string): Promise<AuditOverview> {
  const [sessions, openSessions, first, chain] = await Promise.all([
    db.session.count({ where: { orgId } }),
    db.session.count({ where: { orgId, status: 'open' } }),
    db.session.findFirst({ where: { orgId }, orderBy: { startedAt: 'asc' }, select: { startedAt: true } }),
    db.$queryRawUnsafe<{ sealed: number; last: Date | null; events: number }[]>(
      `SELECT
         (SELECT count(*)::int FROM audit_chain a JOIN sessions s ON s.id = a.session_id WHERE s.org_id = $1::uuid) AS sealed,
         (SELECT max(a.at) FROM audit_chain a JOIN sessions s ON s.id = a.session_id WHERE s.org_id = $1::uuid) AS last,
         (SELECT coalesce(sum(s.event_count), 0)::float8 FROM sessions s WHERE s.org_id = $1::uuid) AS events`,
      orgId,
    ),
  ]);
  const c = chain[0];
  return {
    sessions,
    openSessions,
    sealedSessions: c?.sealed ?? 0,
    events: c?.events ?? 0,
    firstSessionAt: first?.startedAt ?? null,
    lastSealedAt: c?.last ?? null,
  };
}
