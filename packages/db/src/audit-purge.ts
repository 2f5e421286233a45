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
  recorded: {
    orgId: string;
    purgeId: number;
    retentionDays: number;
    cutoff: string;
    sessions: number;
    events: number;
    from: string | null;
    to: string | null;
  }[];
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
  const orgs = await db.org.findMany({
    where: { auditRetentionDays: { not: null }, ...(opts.orgId ? { id: opts.orgId } : {}) },
    select: { id: true, auditRetentionDays: true },
  });
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

interface Expired {
  id: string;
  user_email: string;
  connection_name: string;
  mode: string;
  started_at: string;
  ended_at: string | null;
  events: number;
  first_at: string | null;
  last_at: string | null;
  through_seq: number;
  through_hash: string;
}

const GENESIS = '0'.repeat(64);

/** Step 1 for one org: records up to `batch` expired sessions; null when none is left. */
async function recordExpired(db: Db, orgId: string, days: number, now: Date, batch: number): Promise<PurgeRun['recorded'][number] | null> {
  const cutoff = retentionCutoff(days, now);
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`hoop-purge:${orgId}`}))`;
      // locked like the audit writer locks them, so no event is stored for them meanwhile; what is recorded is read
      // from the events themselves (count, time range, the last one's seq and hash), not from the session's counters
      const expired = await tx.$queryRawUnsafe<Expired[]>(
        `SELECT s.id::text AS id, u.email AS user_email, c.name AS connection_name, s.mode,
         ${ISO('s.started_at')} AS started_at, ${ISO('s.ended_at')} AS ended_at,
         coalesce(ev.n, 0)::int AS events, ${ISO('ev.first_at')} AS first_at, ${ISO('ev.last_at')} AS last_at,
         coalesce(tail.seq, -1) AS through_seq, coalesce(tail.hash, $4) AS through_hash
       FROM sessions s
       JOIN users u ON u.id = s.user_id
       JOIN connections c ON c.id = s.connection_id
       LEFT JOIN LATERAL (SELECT count(*) AS n, min(e.at) AS first_at, max(e.at) AS last_at FROM audit_events e WHERE e.session_id = s.id) ev ON true
       LEFT JOIN LATERAL (SELECT e.seq, e.hash FROM audit_events e WHERE e.session_id = s.id ORDER BY e.seq DESC LIMIT 1) tail ON true
       WHERE s.org_id = $1::uuid AND s.started_at < $2::timestamp AND ${LAST_ACTIVITY_SQL} < $2::timestamp
         AND NOT EXISTS (SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = s.id)
       ORDER BY s.started_at, s.id LIMIT $3
       FOR NO KEY UPDATE OF s`,
        orgId,
        utcTimestamp(cutoff),
        batch,
        GENESIS,
      );
      if (expired.length === 0) return null;
      const checkpoint = purgeCheckpoint(expired.map((s) => ({ sessionId: s.id, throughSeq: s.through_seq, throughHash: s.through_hash, events: s.events })));
      const firsts = expired
        .map((s) => s.first_at)
        .filter((t): t is string => t !== null)
        .sort();
      const lasts = expired
        .map((s) => s.last_at)
        .filter((t): t is string => t !== null)
        .sort();
      const events = expired.reduce((n, s) => n + s.events, 0);
      const from = firsts[0] ?? null;
      const to = lasts.at(-1) ?? null;
      const ts = (iso: string | null) => (iso === null ? null : iso.replace(/Z$/, ''));
      const [purge] = await tx.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO audit_purges (org_id, at, retention_days, cutoff, sessions, events, first_event_at, last_event_at, checkpoint)
       VALUES ($1::uuid, $2::timestamp, $3, $4::timestamp, $5, $6, $7::timestamp, $8::timestamp, $9) RETURNING id::text AS id`,
        orgId,
        utcTimestamp(now),
        days,
        utcTimestamp(cutoff),
        expired.length,
        events,
        ts(from),
        ts(to),
        checkpoint,
      );
      await tx.$executeRawUnsafe(
        'INSERT INTO audit_purged_sessions (session_id, purge_id, org_id, user_email, connection_name, mode, started_at, ended_at, events, ' +
          `through_seq, through_hash, first_event_at, last_event_at)
       SELECT x.id, $1::bigint, $2::uuid, x.email, x.conn, x.mode, x.started, x.ended, x.events, x.seq, x.hash, x.first_at, x.last_at
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamp[], $8::timestamp[], $9::int[], $10::int[], ` +
          `$11::text[], $12::timestamp[], $13::timestamp[])
         AS x(id, email, conn, mode, started, ended, events, seq, hash, first_at, last_at)`,
        purge!.id,
        orgId,
        expired.map((s) => s.id),
        expired.map((s) => s.user_email),
        expired.map((s) => s.connection_name),
        expired.map((s) => s.mode),
        expired.map((s) => ts(s.started_at)),
        expired.map((s) => ts(s.ended_at)),
        expired.map((s) => s.events),
        expired.map((s) => s.through_seq),
        expired.map((s) => s.through_hash),
        expired.map((s) => ts(s.first_at)),
        expired.map((s) => ts(s.last_at)),
      );
      const record = { orgId, purgeId: Number(purge!.id), retentionDays: days, cutoff: cutoff.toISOString(), sessions: expired.length, events, from, to };
      await recordAdminAction(tx, {
        orgId,
        actor: null,
        action: PURGE_ACTION,
        target: 'audit:retention',
        data: { purgeId: record.purgeId, retentionDays: days, cutoff: record.cutoff, sessions: record.sessions, events, from, to, checkpoint },
      });
      return record;
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
}

/**
 * Step 2: every event a purge record covers leaves, by whole partitions where it can. Which partitions hold such
 * events is read from the events (not from the sessions' counters), as is whether a partition holds anything else.
 */
async function removePurgedEvents(db: Db, now: Date, lockTimeoutMs: number, run: PurgeRun): Promise<void> {
  const holding = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT DISTINCT e.tableoid::regclass::text AS name
     FROM audit_events e JOIN audit_purged_sessions p ON p.session_id = e.session_id AND e.seq <= p.through_seq
     WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.id = p.session_id)`,
  );
  if (holding.length === 0) return;
  const names = new Set(holding.map((h) => h.name.replace(/^"|"$/g, '')));
  const thisMonth = new Date(`${monthStart(now)}T00:00:00Z`).getTime();
  const lockTimeout = `SET LOCAL lock_timeout = '${Math.max(100, Math.floor(lockTimeoutMs))}ms'`;
  for (const part of await listAuditPartitions(db)) {
    if (!names.has(part.name)) continue;
    const name = `"${part.name.replace(/"/g, '""')}"`;
    // a month that is over may go whole; the current month, the ones ahead and the default partition never do
    if (!part.isDefault && part.to!.getTime() <= thisMonth) {
      try {
        const dropped = await db.$transaction(
          async (tx) => {
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
          },
          { timeout: 600_000, maxWait: 30_000 },
        );
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
      const deleted = await db.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe(lockTimeout);
          return tx.$executeRawUnsafe(
            `DELETE FROM ${name} e USING audit_purged_sessions p, sessions s
           WHERE p.session_id = e.session_id AND e.seq <= p.through_seq AND s.id = p.session_id`,
          );
        },
        { timeout: 600_000, maxWait: 30_000 },
      );
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
