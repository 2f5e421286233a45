import { recordAdminAction } from './admin-events';
import { listAuditPartitions, monthStart } from './audit-partitions';
import { PURGE_ACTION, purgeCheckpoint } from './audit-purge-records';
import { LAST_ACTIVITY_SQL, retentionCutoff } from './audit-retention';
import type { Db } from './client';

/**
 * The retention purge: the only way events leave the audit trail. For each org with a retention, in this order,
 * each step its own transaction so a crash or a lock that cannot be had leaves work the next run finishes:
 *
 * 1. record: the org's sessions whose last activity is older than the retention are listed in audit_purged_sessions
 *    (with where each one's chain ended), summed in audit_purges, and an `audit.purge` admin event carries the same
 *    counts, date range and checkpoint into the org's hash-chained admin trail;
 * 2. remove events: a past month's partition whose every row is covered by a purge record is detached and dropped
 *    whole; elsewhere the covered rows are deleted (the append-only trigger lets a DELETE through only for rows a
 *    purge record covers, so this path cannot remove anything it did not record first);
 * 3. remove the sessions rows that have no events left.
 *
 * Partitions are shared by every org: a month is dropped only once each org's rows in it are purged.
 */

export interface PurgeRun {
  recorded: { orgId: string; purgeId: number; retentionDays: number; cutoff: string; sessions: number; events: number; from: string | null; to: string | null }[];
  partitionsDropped: { name: string; rows: number }[];
  eventsDeleted: number;
  sessionsRemoved: number;
  /** steps that could not be done now (e.g. a lock not had in time); the next run does them */
  deferred: string[];
}

const ISO = (c: string) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const utcTimestamp = (d: Date) => d.toISOString().replace(/Z$/, '');
const COVERED = 'EXISTS (SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = e.session_id AND p.through_seq >= e.seq)';

export interface PurgeOptions {
  now?: Date;
  /** sessions per purge record (a first purge of a long history is recorded in several) */
  batchSessions?: number;
  /** the longest a step waits for a table lock before it is left for the next run */
  lockTimeoutMs?: number;
  /** only this org (default: every org with a retention) */
  orgId?: string;
}

const emptyRun = (): PurgeRun => ({ recorded: [], partitionsDropped: [], eventsDeleted: 0, sessionsRemoved: 0, deferred: [] });

/** Records, then removes, everything past each org's retention (steps 1 to 3). */
export async function purgeExpiredAudit(db: Db, opts: PurgeOptions = {}): Promise<PurgeRun> {
  const run = await recordExpiredAudit(db, opts);
  const removed = await removePurgedAudit(db, opts);
  return { ...removed, recorded: run.recorded };
}

/** Step 1 for every org with a retention (or `opts.orgId`). */
export async function recordExpiredAudit(db: Db, opts: PurgeOptions = {}): Promise<PurgeRun> {
  const now = opts.now ?? new Date();
  const run = emptyRun();
  const orgs = await db.org.findMany({ where: { auditRetentionDays: { not: null }, ...(opts.orgId ? { id: opts.orgId } : {}) }, select: { id: true, auditRetentionDays: true } });
  for (const org of orgs) {
    for (;;) {
      const r = await recordExpired(db, org.id, org.auditRetentionDays!, now, opts.batchSessions ?? 10_000);
      if (!r) break;
      run.recorded.push(r);
    }
  }
  return run;
}

/** Steps 2 and 3: removes what purges recorded and is still there (every org's: partitions are shared). */
export async function removePurgedAudit(db: Db, opts: Pick<PurgeOptions, 'now' | 'lockTimeoutMs'> = {}): Promise<PurgeRun> {
  const run = emptyRun();
  await removePurgedEvents(db, opts.now ?? new Date(), opts.lockTimeoutMs ?? 5_000, run);
  await removePurgedSessions(db, run);
  return run;
}

interface Expired { id: string; last_seq: number; last_hash: string; event_count: number }

/** Step 1 for one org: records up to `batch` expired sessions; null when none is left. */
async function recordExpired(db: Db, orgId: string, days: number, now: Date, batch: number): Promise<PurgeRun['recorded'][number] | null> {
  const cutoff = retentionCutoff(days, now);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`hoop-purge:${orgId}`}))`;
    // locked like the audit writer locks them: an event being stored for one of them lands before or after, whole
    const expired = await tx.$queryRawUnsafe<Expired[]>(
      `SELECT s.id::text AS id, s.last_seq, s.last_hash, s.event_count FROM sessions s
       WHERE s.org_id = $1::uuid AND s.started_at < $2::timestamp AND ${LAST_ACTIVITY_SQL} < $2::timestamp
         AND NOT EXISTS (SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = s.id)
       ORDER BY s.started_at, s.id LIMIT $3
       FOR NO KEY UPDATE OF s`,
      orgId,
      utcTimestamp(cutoff),
      batch,
    );
    if (expired.length === 0) return null;
    const ids = expired.map((s) => s.id);
    const checkpoint = purgeCheckpoint(expired.map((s) => ({ sessionId: s.id, throughSeq: s.last_seq, throughHash: s.last_hash, events: s.event_count })));
    const [purge] = await tx.$queryRawUnsafe<{ id: string; sessions: number; events: number; first: string | null; last: string | null }[]>(
      `INSERT INTO audit_purges (org_id, at, retention_days, cutoff, sessions, events, first_event_at, last_event_at, checkpoint)
       SELECT $1::uuid, $2::timestamp, $3, $4::timestamp, count(*), coalesce(sum(s.event_count), 0), min(s.first_event_at), max(s.last_event_at), $5
       FROM sessions s WHERE s.id = ANY($6::uuid[])
       RETURNING id::text AS id, sessions, events::float8 AS events, ${ISO('first_event_at')} AS first, ${ISO('last_event_at')} AS last`,
      orgId,
      utcTimestamp(now),
      days,
      utcTimestamp(cutoff),
      checkpoint,
      ids,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO audit_purged_sessions (session_id, purge_id, org_id, user_email, connection_name, mode, started_at, ended_at, events, through_seq, through_hash, first_event_at, last_event_at)
       SELECT s.id, $1::bigint, s.org_id, u.email, c.name, s.mode, s.started_at, s.ended_at, s.event_count, s.last_seq, s.last_hash, s.first_event_at, s.last_event_at
       FROM sessions s JOIN users u ON u.id = s.user_id JOIN connections c ON c.id = s.connection_id
       WHERE s.id = ANY($2::uuid[])`,
      purge!.id,
      ids,
    );
    const record = { orgId, purgeId: Number(purge!.id), retentionDays: days, cutoff: cutoff.toISOString(), sessions: purge!.sessions, events: purge!.events, from: purge!.first, to: purge!.last };
    await recordAdminAction(tx, {
      orgId,
      actor: null,
      action: PURGE_ACTION,
      target: 'audit:retention',
      data: { purgeId: record.purgeId, retentionDays: days, cutoff: record.cutoff, sessions: record.sessions, events: record.events, from: record.from, to: record.to, checkpoint },
    });
    return record;
  }, { timeout: 120_000, maxWait: 30_000 });
}

/** Step 2: every event a purge record covers leaves, by whole partitions where it can. */
async function removePurgedEvents(db: Db, now: Date, lockTimeoutMs: number, run: PurgeRun): Promise<void> {
  const [range] = await db.$queryRawUnsafe<{ pending: number; first: string | null; last: string | null }[]>(
    `SELECT count(*)::int AS pending, ${ISO('min(p.first_event_at)')} AS first, ${ISO('max(p.last_event_at)')} AS last
     FROM audit_purged_sessions p JOIN sessions s ON s.id = p.session_id WHERE p.events > 0`,
  );
  if (!range || range.pending === 0 || !range.first || !range.last) return;
  const first = new Date(range.first).getTime();
  const last = new Date(range.last).getTime();
  const thisMonth = new Date(`${monthStart(now)}T00:00:00Z`).getTime();
  const lockTimeout = `SET LOCAL lock_timeout = '${Math.max(100, Math.floor(lockTimeoutMs))}ms'`;
  for (const part of await listAuditPartitions(db)) {
    // the default partition holds events of any time; a month partition only its own
    if (!part.isDefault && (part.to!.getTime() <= first || part.from!.getTime() > last)) continue;
    const name = `"${part.name.replace(/"/g, '""')}"`;
    if (!part.isDefault && part.to!.getTime() <= thisMonth) {
      try {
        const dropped = await db.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(lockTimeout);
          // no new row can arrive while it is checked (old-dated frames from an agent that was away would)
          await tx.$executeRawUnsafe(`LOCK TABLE ${name} IN SHARE MODE`);
          const [c] = await tx.$queryRawUnsafe<{ rows: number; uncovered: boolean }[]>(
            `SELECT (SELECT count(*)::float8 FROM ${name}) AS rows, EXISTS (SELECT 1 FROM ${name} e WHERE NOT ${COVERED}) AS uncovered`,
          );
          if (!c || c.rows === 0 || c.uncovered) return null;
          await tx.$executeRawUnsafe(`ALTER TABLE audit_events DETACH PARTITION ${name}`);
          await tx.$executeRawUnsafe(`DROP TABLE ${name}`);
          return c.rows;
        }, { timeout: 600_000, maxWait: 30_000 });
        if (dropped !== null) {
          run.partitionsDropped.push({ name: part.name, rows: dropped });
          run.eventsDeleted += dropped;
          continue;
        }
      } catch (err) {
        run.deferred.push(`dropping ${part.name}: ${(err as Error).message}`);
        continue;
      }
    }
    try {
      const deleted = await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(lockTimeout);
        return tx.$executeRawUnsafe(
          `DELETE FROM ${name} e USING audit_purged_sessions p, sessions s
           WHERE p.session_id = e.session_id AND e.seq <= p.through_seq AND s.id = p.session_id`,
        );
      }, { timeout: 600_000, maxWait: 30_000 });
      run.eventsDeleted += deleted;
    } catch (err) {
      run.deferred.push(`removing purged events from ${part.name}: ${(err as Error).message}`);
    }
  }
}

/** Step 3: sessions rows of purged sessions with no event left (events that arrived after the purge keep theirs). */
async function removePurgedSessions(db: Db, run: PurgeRun): Promise<void> {
  try {
    run.sessionsRemoved += await db.$executeRawUnsafe(
      `DELETE FROM sessions s USING audit_purged_sessions p
       WHERE p.session_id = s.id AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.session_id = s.id)`,
    );
  } catch (err) {
    run.deferred.push(`removing purged sessions: ${(err as Error).message}`);
  }
}
