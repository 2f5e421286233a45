import { recordAdminAction } from './admin-events';
import { loadPurgeRecords, type PurgedTotals } from './audit-purge-records';
import type { Db } from './client';

/**
 * How long an org keeps its session audit trail: `orgs.audit_retention_days`, null for ever. Sessions whose last
 * activity is older than that are purged by the gateway's maintenance (audit-purge.ts), on record. Changing the
 * setting is an admin event like any other control-plane change.
 */

export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 36_500;

/** What is wrong with a retention value, or null when it is a valid one (null: keep for ever). */
export function retentionProblem(days: unknown): string | null {
  if (days === null) return null;
  if (typeof days !== 'number' || !Number.isInteger(days)) return 'retention is a whole number of days, or null to keep the trail for ever';
  if (days < MIN_RETENTION_DAYS) return `retention is at least ${MIN_RETENTION_DAYS} days (asked for ${days})`;
  if (days > MAX_RETENTION_DAYS) return `retention is at most ${MAX_RETENTION_DAYS} days (asked for ${days}); to keep everything, keep it for ever`;
  return null;
}

export interface RetentionPreview {
  /** sessions whose last activity is before the cutoff and are not purged yet */
  sessions: number;
  events: number;
  cutoff: string;
  /** the oldest such session's start */
  oldest: string | null;
}

/** The instant before which a session's last activity makes it expire under `days` of retention. */
export function retentionCutoff(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

/** A session's last activity: the latest of its start, end and last event (a session left open counts too). */
export const LAST_ACTIVITY_SQL = 'greatest(s.started_at, s.ended_at, s.last_event_at)';
const utcTimestamp = (d: Date) => d.toISOString().replace(/Z$/, '');

/** What a purge with this retention would remove now (nothing is removed). */
export async function previewRetention(db: Db, orgId: string, days: number, now: Date = new Date()): Promise<RetentionPreview> {
  const cutoff = retentionCutoff(days, now);
  const rows = await db.$queryRawUnsafe<{ sessions: number; events: number; oldest: string | null }[]>(
    `SELECT count(*)::int AS sessions, coalesce(sum(s.event_count), 0)::float8 AS events,
       to_char(min(s.started_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS oldest
     FROM sessions s
     WHERE s.org_id = $1::uuid AND s.started_at < $2::timestamp AND ${LAST_ACTIVITY_SQL} < $2::timestamp
       AND NOT EXISTS (SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = s.id)`,
    orgId,
    utcTimestamp(cutoff),
  );
  const r = rows[0];
  return { sessions: r?.sessions ?? 0, events: r?.events ?? 0, cutoff: cutoff.toISOString(), oldest: r?.oldest ?? null };
}

export interface RetentionView {
  /** null: kept for ever */
  days: number | null;
  minDays: number;
  maxDays: number;
  /** what the next purge would remove under the current setting (null when kept for ever) */
  pending: RetentionPreview | null;
  /** what purges removed so far, newest purge first */
  purged: PurgedTotals;
}

export async function getAuditRetention(db: Db, orgId: string, now: Date = new Date()): Promise<RetentionView> {
  const org = await db.org.findUnique({ where: { id: orgId }, select: { auditRetentionDays: true } });
  if (!org) throw new Error(`org ${orgId} does not exist`);
  const days = org.auditRetentionDays;
  const records = await loadPurgeRecords((sql, params) => db.$queryRawUnsafe(sql, ...params), orgId);
  return {
    days,
    minDays: MIN_RETENTION_DAYS,
    maxDays: MAX_RETENTION_DAYS,
    pending: days === null ? null : await previewRetention(db, orgId, days, now),
    purged: { ...records.totals, purges: [...records.totals.purges].reverse() },
  };
}

export class RetentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionError';
  }
}

/**
 * Sets the org's retention (null: for ever) and records it in the admin trail with the value it replaced and what
 * the next purge will remove because of it.
 */
export async function setAuditRetention(
  db: Db,
  orgId: string,
  days: number | null,
  actor: { id: string; email: string } | null,
  via: string,
  now: Date = new Date(),
): Promise<{ days: number | null; previous: number | null; pending: RetentionPreview | null }> {
  const problem = retentionProblem(days);
  if (problem) throw new RetentionError(problem);
  const pending = days === null ? null : await previewRetention(db, orgId, days, now);
  const previous = await db.$transaction(async (tx) => {
    const before = await tx.org.findUnique({ where: { id: orgId }, select: { auditRetentionDays: true } });
    if (!before) throw new RetentionError(`org ${orgId} does not exist`);
    await tx.org.update({ where: { id: orgId }, data: { auditRetentionDays: days } });
    await recordAdminAction(tx, {
      orgId,
      actor,
      action: 'audit.retention',
      target: 'audit:retention',
      data: {
        from: before.auditRetentionDays,
        to: days,
        via,
        ...(pending ? { pendingSessions: pending.sessions, pendingEvents: pending.events, cutoff: pending.cutoff } : {}),
      },
    });
    return before.auditRetentionDays;
  });
  return { days, previous, pending };
}
