/**
 * What storing the trail costs Postgres: the gateway's audit INSERT (apps/gateway/src/audit/writer.ts) of batches of
 * pgbench statement records, run against a fresh hoop database, by the CPU of the backend that runs it (and of every
 * Postgres process, the WAL writer's fsyncs included), the statement prepared once (named, as the writer sends it) and
 * parsed and planned each time (unnamed) in turns. `ROWS` a batch (60, about what a batch holds at 3,000 statements a
 * second), `SESSIONS` sessions in a batch (8), `BATCHES` a run (400), `ROUNDS` (5); `PRE` runs SQL first (statements
 * separated by `;;`, e.g. `ALTER TABLE audit_events DISABLE TRIGGER audit_events_model_usage`), `INSERT` replaces the
 * statement.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/audit-insert.ts
 */
import pg from 'pg';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db/testing';
import { createDb } from '@hoop/db';
import { INSERT_IF_HEAD, batchJson } from '../apps/gateway/src/audit/writer';
import { eventHash } from '@hoop/core/audit/audit-hash';
import { cpuSeconds, postgresCpuTimes } from './proc';

const ROWS = Number(process.env.ROWS ?? 60);
const SESSIONS = Number(process.env.SESSIONS ?? 8);
const BATCHES = Number(process.env.BATCHES ?? 400);
const database = await createTestDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'auditins');
const db = createDb(database.url, { max: 2 });
const org = await seedOrg(db, { name: 'Bench', slug: 'bench' });
const user = await seedUser(db, org.id, { email: 'b@bench.local', role: 'admin' });
const { agent } = await seedAgent(db, org.id, { name: 'a' });
const conn = await seedConnection(db, org.id, { name: 'c', type: 'postgres', agentId: agent.id });
const sessions = await Promise.all(
  Array.from({ length: SESSIONS }, () =>
    db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'connect', clientInfo: {} } }),
  ),
);
const heads = new Map(sessions.map((s) => [s.id, { lastSeq: -1, lastHash: '0'.repeat(64) }]));
// a pgbench -S statement's record as the agent makes it
const data = (i: number) => ({
  bytes: 11,
  decision: 'allow',
  durationMs: 0.1 + (i % 100) / 1000,
  error: null,
  executed: true,
  masked: {},
  rows: 1,
  sql: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;',
  statements: [{ kind: 'select', tables: ['pgbench_accounts'] }],
  tags: ['SELECT 1'],
});
const pool = new pg.Pool({ connectionString: database.url, max: 1 });
const client = await pool.connect();
for (const sql of (process.env.PRE ?? '').split(';;').filter(Boolean)) await client.query(sql);
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const allPostgres = () => postgresCpuTimes().reduce((a, b) => a + b);
let n = 0;
const batch = () => {
  const rows = [];
  const per = Math.ceil(ROWS / SESSIONS);
  const plans: [string, { lastSeq: number; lastHash: string }, { lastSeq: number; lastHash: string }][] = [];
  for (const s of sessions) {
    const from = heads.get(s.id)!;
    let to = { ...from };
    for (let k = 0; k < per; k++) {
      const event = { type: 'statement', at: new Date().toISOString(), data: data(n++) };
      const json = JSON.stringify(event.data);
      const seq = to.lastSeq + 1;
      const hash = eventHash(to.lastHash, s.id, seq, event, json);
      rows.push({ frame: { sessionId: s.id, seq, event, json } as never, prev: to.lastHash, hash });
      to = { lastSeq: seq, lastHash: hash };
    }
    plans.push([s.id, from, to]);
  }
  return { rows, plans };
};
const events = BATCHES * Math.ceil(ROWS / SESSIONS) * SESSIONS;
/** µs of CPU an event (the backend's, every Postgres process's) and of wall time, for BATCHES INSERTs */
const run = async (named: boolean) => {
  const t0 = cpuSeconds(pid);
  const a0 = allPostgres();
  const start = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const { rows, plans } = batch();
    const values = [batchJson(rows), plans.map((p) => p[0]), plans.map((p) => p[1].lastSeq), plans.map((p) => p[1].lastHash)];
    const text = process.env.INSERT ?? INSERT_IF_HEAD;
    // named: prepared once on the connection, as the writer sends it; unnamed: parsed and planned each time
    await client.query(named ? { name: 'bench-audit-insert', text, values } : { text, values });
    for (const p of plans) heads.set(p[0], p[2]);
  }
  const per = (s: number) => (s * 1e6) / events;
  return [per(cpuSeconds(pid) - t0), per(allPostgres() - a0), ((performance.now() - start) * 1000) / events];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rounds = Number(process.env.ROUNDS ?? 5);
await run(true);
await run(false);
const figures: Record<string, number[][]> = { named: [], unnamed: [] };
for (let r = 0; r < rounds; r++) for (const named of [true, false]) figures[named ? 'named' : 'unnamed']!.push(await run(named));
console.log(`${events} events a run in ${BATCHES} INSERTs of ${Math.ceil(ROWS / SESSIONS) * SESSIONS} rows (${SESSIONS} sessions), medians of ${rounds} runs:`);
for (const [k, f] of Object.entries(figures))
  console.log(
    `  ${k}: backend ${median(f.map((x) => x[0]!)).toFixed(1)} µs of CPU an event, every Postgres process ${median(f.map((x) => x[1]!)).toFixed(1)}, ${median(f.map((x) => x[2]!)).toFixed(1)} µs of wall time`,
  );
const stored = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows[0]!.n);
if (stored !== events * (2 + 2 * rounds)) throw new Error(`stored ${stored} events of ${events * (2 + 2 * rounds)}: a batch's head check failed`);
client.release();
await pool.end();
await db.$disconnect();
await database.drop();
