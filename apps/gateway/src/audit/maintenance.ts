import type pg from 'pg';
import { advisoryLockSql, type Db, ensureAuditPartitions, HOOP_LOCKS, purgeExpiredAudit } from '@hoop/db';
import type { Logger } from '@hoop/log';

export interface AuditMaintenance {
  /** no new pass starts; resolves when the one running (if any) is done */
  stop(): Promise<void>;
}

/**
 * At start and then every `intervalMs`: the audit trail's month partitions are made ahead of time (every gateway
 * does it; making one that exists is a no-op), and the retention purge runs on whichever gateway holds the advisory
 * lock, so several gateways never purge at once. A pass that fails is logged and tried again at the next one.
 */
export function startAuditMaintenance(db: Db, pool: pg.Pool, log: Logger, intervalMs: number): AuditMaintenance {
  let running: Promise<void> | null = null;
  let stopped = false;

  async function partitions(): Promise<void> {
    const r = await ensureAuditPartitions(db);
    if (r.made.length > 0) log.info('audit partitions made', { partitions: r.made });
    for (const f of r.failed) log.warn('audit partition not made yet (its events go to the default partition meanwhile)', f);
  }

  async function purge(): Promise<void> {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>(advisoryLockSql('pg_try_advisory_lock', HOOP_LOCKS.auditPurge));
      if (!rows[0]?.got) return log.debug('audit retention purge runs on another gateway');
      try {
        const run = await purgeExpiredAudit(db);
        for (const r of run.recorded) log.info('audit retention purge recorded', { ...r });
        if (run.eventsDeleted > 0 || run.sessionsRemoved > 0) {
          log.info('audit retention purge removed', { events: run.eventsDeleted, sessions: run.sessionsRemoved, partitionsDropped: run.partitionsDropped });
        }
        for (const d of run.deferred) log.warn('audit retention purge left a step for the next pass', { step: d });
      } finally {
        await client.query(advisoryLockSql('pg_advisory_unlock', HOOP_LOCKS.auditPurge));
      }
    } finally {
      client.release();
    }
  }

  function pass(): Promise<void> {
    running ??= (async () => {
      try {
        await partitions();
      } catch (err) {
        log.error('audit partition maintenance failed', { error: (err as Error).message });
      }
      try {
        if (!stopped) await purge();
      } catch (err) {
        log.error('audit retention purge failed', { error: (err as Error).message });
      }
    })().finally(() => {
      running = null;
    });
    return running;
  }

  void pass();
  const timer = setInterval(() => void pass(), intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
