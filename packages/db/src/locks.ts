/**
 * hoop's advisory locks, as SQL. Postgres' advisory locks belong to the whole server, not to one database: two hoop
 * installations whose databases share a server (or test databases side by side) would wait on each other's lock, and
 * skip each other's purge. So each lock is taken in the two-key form, its second key the current database's oid.
 */
const DATABASE_KEY = '(SELECT oid::int FROM pg_database WHERE datname = current_database())';

export const HOOP_LOCKS = {
  /** applying migrations */
  migrate: 72707369,
  /** appending to the global audit chain */
  auditChain: 72707371,
  /** the audit retention purge */
  auditPurge: 72707373,
} as const;

type Lock = (typeof HOOP_LOCKS)[keyof typeof HOOP_LOCKS];

/** `SELECT pg_advisory_lock(…)` (or `_xact_lock`, `_unlock`, `try_`…) of `lock` in this database */
export function advisoryLockSql(fn: 'pg_advisory_lock' | 'pg_advisory_unlock' | 'pg_advisory_xact_lock' | 'pg_try_advisory_lock', lock: Lock): string {
  return `SELECT ${fn}(${lock}, ${DATABASE_KEY}) AS got`;
}
