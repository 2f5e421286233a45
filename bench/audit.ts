/**
 * Audit trail figures, `npm run bench:audit`:
 *
 * 1. ingest: frames/s stored by the gateway's writer (in order, hash-chained, exactly once through each session's
 *    chain head, acknowledged after commit), AUDIT_FRAMES over AUDIT_SESSIONS;
 * 2. the session list at scale: AUDIT_LIST_EVENTS events (default 10 million) over AUDIT_LIST_SESSIONS sessions,
 *    spread over six months of partitions, generated set-based (INSERT … SELECT generate_series) into a throwaway
 *    database; then the time of the list of the 50 newest sessions with their counts, as `hoop sessions` (gateway API)
 *    and the web sessions page ask for it, and, for comparison, counting each session's events instead.
 *
 * The generated events are not hash-chained (placeholder hashes): the list never verifies.
 */
import pg from 'pg';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { sessionSummaries } from '@hoop/core/session/session-summaries';
import { AuditWriter } from '../apps/gateway/src/audit/writer';
import { listSessions as webList } from '@hoop/core/session/list-sessions';

const FRAMES = Number(process.env.AUDIT_FRAMES ?? 200_000);
const SESSIONS = Number(process.env.AUDIT_SESSIONS ?? 200);
const LIST_EVENTS = Number(process.env.AUDIT_LIST_EVENTS ?? 10_000_000);
const LIST_SESSIONS = Number(process.env.AUDIT_LIST_SESSIONS ?? 100_000);
const RUNS = 30;
const out = (line: string) => process.stdout.write(`${line}\n`);
const secondsSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

async function ingest(): Promise<void> {
  const database = await createTestDatabase(testServerUrl(), 'auditbench');
  const db = createDb(database.url);
  try {
    const org = await seedOrg(db);
    const user = await seedUser(db, org.id);
    const { agent } = await seedAgent(db, org.id);
    const conn = await seedConnection(db, org.id, { name: 'c', agentId: agent.id });
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++)
      sessions.push(
        (await db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'connect', status: 'closed' } })).id,
      );
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    const writer = new AuditWriter(pool, createLogger('bench', 'error'));
    const seq = new Map<string, number>();
    let acked = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < FRAMES; i++) {
      const s = sessions[i % SESSIONS]!;
      const n = seq.get(s) ?? 0;
      seq.set(s, n + 1);
      writer.enqueue({
        sessionId: s,
        seq: n,
        event: {
          type: 'statement',
          at: new Date().toISOString(),
          data: {
            sql: `select * from orders where id = ${i}`,
            decision: 'allow',
            executed: true,
            tags: ['SELECT 1'],
            rows: 1,
            bytes: 120,
            durationMs: 0.4,
            masked: {},
          },
        },
        ack: () => void acked++,
      });
      if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
    }
    await writer.drain();
    const secs = secondsSince(start);
    const stored = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    out(`audit bench: ${FRAMES} frames over ${SESSIONS} sessions`);
    out(`  ingest ${Math.round(FRAMES / secs)} frames/s (${secs.toFixed(1)} s, ${acked} acknowledgements, ${stored.rows[0]!.n} rows stored)`);
    await pool.end();
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms`;
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms;
}

/** Sessions and events made in the database itself, a month of sessions per statement pair. */
async function generate(url: string, orgId: string, userIds: string[], connectionIds: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'");
    const perSession = Math.max(3, Math.round(LIST_EVENTS / LIST_SESSIONS));
    const end = Date.now() - 3_600_000;
    const spanMs = 180 * 86_400_000;
    const step = spanMs / LIST_SESSIONS;
    const first = new Date(end - spanMs);
    for (let m = 0; m <= 7; m++)
      await c.query('SELECT hoop_audit_ensure_partition($1::date)', [
        new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m, 1)).toISOString().slice(0, 10),
      ]);
    const chunk = 10_000;
    for (let from = 0; from < LIST_SESSIONS; from += chunk) {
      const to = Math.min(LIST_SESSIONS, from + chunk);
      await c.query(
        `INSERT INTO sessions (id, org_id, user_id, connection_id, mode, status, client_info, started_at, ended_at)
         SELECT gen_random_uuid(), $1::uuid, ($2::uuid[])[1 + g % array_length($2::uuid[], 1)], ($3::uuid[])[1 + g % array_length($3::uuid[], 1)],
           CASE WHEN g % 3 = 0 THEN 'connect' ELSE 'exec' END, 'closed', jsonb_build_object('bench', g),
           $4::timestamp + g * make_interval(secs => $5), $4::timestamp + g * make_interval(secs => $5) + make_interval(secs => $6)
         FROM generate_series($7::int, $8::int - 1) g`,
        [orgId, userIds, connectionIds, first.toISOString().replace('Z', ''), step / 1000, perSession, from, to],
      );
      // one statement per chunk: the table's trigger keeps each session's counters and chain head as it would live
      await c.query(
        `INSERT INTO audit_events (session_id, seq, type, at, data, prev_hash, hash)
         SELECT s.id, k,
           CASE WHEN k = 0 THEN 'session.open' WHEN k = $2 - 1 THEN 'session.close' ELSE 'statement' END,
           s.started_at + k * interval '1 second',
           CASE WHEN k = 0 THEN '{"connection":"pg-prod","type":"postgres"}'::jsonb
                WHEN k = $2 - 1 THEN '{"reason":"client disconnected","masked":{"email":2}}'::jsonb
                WHEN k % 25 = 0 THEN jsonb_build_object('sql', 'delete from orders', 'decision', 'deny', 'ruleId', 'delete-without-where')
                ELSE jsonb_build_object('sql', 'select id, email from customers where id = ' || k, 'decision', 'allow', 'executed', true,
                                        'rows', 1, 'masked', CASE WHEN k % 10 = 0 THEN '{"email":1}'::jsonb ELSE '{}'::jsonb END) END,
           md5(s.id::text || (k - 1)), md5(s.id::text || k)
         FROM sessions s CROSS JOIN generate_series(0, $2 - 1) k
         WHERE s.org_id = $1::uuid AND (s.client_info->>'bench')::int >= $3 AND (s.client_info->>'bench')::int < $4`,
        [orgId, perSession, from, to],
      );
    }
    await c.query('VACUUM ANALYZE sessions');
    await c.query('VACUUM ANALYZE audit_events');
  } finally {
    await c.end();
  }
}

async function sessionList(): Promise<void> {
  const database = await createTestDatabase(testServerUrl(), 'auditbench10m');
  const db: Db = createDb(database.url, { max: 4 });
  try {
    const org = await seedOrg(db, { name: 'Bench' });
    const users = [];
    for (let i = 0; i < 20; i++) users.push(await seedUser(db, org.id, { email: `user${i}@bench.test`, role: i === 0 ? 'auditor' : 'developer' }));
    const connections = [];
    for (let i = 0; i < 10; i++) connections.push(await seedConnection(db, org.id, { name: `db-${i}` }));
    const start = process.hrtime.bigint();
    await generate(
      database.url,
      org.id,
      users.map((u) => u.id),
      connections.map((c) => c.id),
    );
    const made = await db.$queryRawUnsafe<{ events: number; sessions: number; partitions: number }[]>(
      `SELECT (SELECT count(*)::float8 FROM audit_events) AS events, (SELECT count(*)::int FROM sessions) AS sessions,
         (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'audit_events'::regclass) AS partitions`,
    );
    out(
      `session list at ${made[0]!.events.toLocaleString('en-US')} events, ${made[0]!.sessions.toLocaleString('en-US')} sessions, ` +
        `${made[0]!.partitions} partitions (generated and analyzed in ${secondsSince(start).toFixed(0)} s)`,
    );

    const auditor = {
      kind: 'user',
      id: users[0]!.id,
      orgId: org.id,
      email: users[0]!.email,
      name: 'a',
      role: 'auditor' as const,
      roles: ['auditor' as const],
      tokenId: 'bench',
      scope: 'full',
    };
    const developer = { id: users[7]!.id, orgId: org.id, role: 'developer' as const };
    const asAuditor = { id: auditor.id, orgId: org.id, role: 'auditor' as const };
    const check = await sessionSummaries(db, auditor, { limit: 50 });
    if (check.sessions.length !== 50 || check.sessions.some((s) => s.events === 0)) throw new Error('the list did not return 50 sessions with their events');
    out(`  hoop sessions (gateway API: 50 newest, event counts):        ${stats(await timed(() => sessionSummaries(db, auditor, { limit: 50 })))}`);
    out(`  sessions page (web: 50 newest, counts, total up to 10,000):  ${stats(await timed(() => webList(db, asAuditor, { pageSize: 50 })))}`);
    out(`  sessions page, a developer's own sessions:                   ${stats(await timed(() => webList(db, developer, { pageSize: 50 })))}`);
    const byConnection = await timed(() => webList(db, asAuditor, { pageSize: 50, connection: 'db-3' }));
    out(`  sessions page, filtered by connection:                       ${stats(byConnection)}`);
    const blocked = await timed(() => webList(db, asAuditor, { pageSize: 50, outcome: 'blocked' }));
    out(`  sessions page, outcome "blocked":                            ${stats(blocked)}`);
    // what the list did before sessions kept their counters: count each listed session's events
    const counted = () =>
      db.session.findMany({
        where: { orgId: org.id },
        orderBy: { startedAt: 'desc' },
        take: 50,
        include: { user: { select: { email: true } }, connection: { select: { name: true } }, _count: { select: { events: true } } },
      });
    out(`  for comparison, counting the 50 sessions' events instead:    ${stats(await timed(counted))}`);
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

await ingest();
await sessionList();
