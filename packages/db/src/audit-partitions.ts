import type { Db } from './client';

/**
 * audit_events is partitioned by UTC month on its `at` (migration 20261201140000_audit_partitions_retention):
 * `audit_events_YYYY_MM` for each month, and `audit_events_default` for anything outside them, so an insert never
 * fails for want of a partition. Partitions are made ahead of time by the SQL function hoop_audit_ensure_partition,
 * which also moves rows that reached the default partition before their month had one.
 */

/** months made ahead of the current one */
export const AUDIT_MONTHS_AHEAD = 2;

export interface AuditPartition {
  name: string;
  /** the month's first instant (UTC); null for the default partition */
  from: Date | null;
  /** the next month's first instant (UTC); null for the default partition */
  to: Date | null;
  isDefault: boolean;
}

/** The first day of the UTC month `offset` months after the one holding `at`, as YYYY-MM-DD. */
export function monthStart(at: Date, offset = 0): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 10);
}

/**
 * Makes the partitions of the current month and the next `ahead` ones if missing; returns the names it made.
 * Each month in its own short transaction, waiting at most `lockTimeoutMs` for the table's lock (a long report
 * running over the trail must not make audit inserts queue behind it): a month that could not be made now is made
 * at the next call, and until then its events go to the default partition.
 */
export async function ensureAuditPartitions(
  db: Db,
  opts: { now?: Date; ahead?: number; lockTimeoutMs?: number } = {},
): Promise<{ made: string[]; failed: { month: string; error: string }[] }> {
  const now = opts.now ?? new Date();
  const made: string[] = [];
  const failed: { month: string; error: string }[] = [];
  for (let k = 0; k <= (opts.ahead ?? AUDIT_MONTHS_AHEAD); k++) {
    const month = monthStart(now, k);
    try {
      const created = await db.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${Math.max(100, Math.floor(opts.lockTimeoutMs ?? 10_000))}ms'`);
          const r = await tx.$queryRawUnsafe<{ made: boolean }[]>('SELECT hoop_audit_ensure_partition($1::date) AS made', month);
          return r[0]?.made === true;
        },
        { timeout: 120_000 },
      );
      if (created) made.push(`audit_events_${month.slice(0, 7).replace('-', '_')}`);
    } catch (err) {
      failed.push({ month: month.slice(0, 7), error: (err as Error).message });
    }
  }
  return { made, failed };
}

const BOUND = /FROM \('([^']+)'\) TO \('([^']+)'\)/;
const utc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);

/** The partitions of audit_events, oldest month first, the default partition last. */
export async function listAuditPartitions(db: Db): Promise<AuditPartition[]> {
  const rows = await db.$queryRawUnsafe<{ name: string; bound: string }[]>(
    `SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_events'::regclass`,
  );
  const parts = rows.map((r): AuditPartition => {
    const m = BOUND.exec(r.bound);
    return m ? { name: r.name, from: utc(m[1]!), to: utc(m[2]!), isDefault: false } : { name: r.name, from: null, to: null, isDefault: true };
  });
  return parts.sort((a, b) => (a.isDefault ? 1 : b.isDefault ? -1 : a.from!.getTime() - b.from!.getTime()));
}
