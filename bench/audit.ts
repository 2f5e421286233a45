/**
 * Audit ingest: frames/s stored (in order, hash-chained, acknowledged after commit) by the gateway's writer, and the
 * time of the session-list query once the table is large. `npm run bench:audit` (AUDIT_FRAMES, AUDIT_SESSIONS).
 */
import pg from 'pg';
import { createDb, seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db';
import { createTestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { AuditWriter } from '../apps/gateway/src/audit-writer';

const FRAMES = Number(process.env.AUDIT_FRAMES ?? 200_000);
const SESSIONS = Number(process.env.AUDIT_SESSIONS ?? 200);
const database = await createTestDatabase(testServerUrl(), 'auditbench');
const db = createDb(database.url);
const org = await seedOrg(db);
const user = await seedUser(db, org.id);
const { agent } = await seedAgent(db, org.id);
const conn = await seedConnection(db, org.id, { name: 'c', agentId: agent.id });
const sessions: string[] = [];
for (let i = 0; i < SESSIONS; i++) sessions.push((await db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'connect', status: 'closed' } })).id);
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
    event: { type: 'statement', at: new Date().toISOString(), data: { sql: `select * from orders where id = ${i}`, decision: 'allow', executed: true, tags: ['SELECT 1'], rows: 1, bytes: 120, durationMs: 0.4, masked: {} } },
    ack: () => void acked++,
  });
  if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
}
await writer.drain();
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const listStart = process.hrtime.bigint();
const runs = 20;
for (let i = 0; i < runs; i++) {
  await db.session.findMany({ where: { orgId: org.id }, orderBy: { startedAt: 'desc' }, take: 50, include: { user: { select: { email: true } }, connection: { select: { name: true } }, _count: { select: { events: true } } } });
}
const listMs = Number(process.hrtime.bigint() - listStart) / 1e6 / runs;
process.stdout.write(`audit bench: ${FRAMES} frames over ${SESSIONS} sessions\n  ingest ${Math.round(FRAMES / secs)} frames/s (${secs.toFixed(1)} s, ${acked} acknowledgements)\n  session list (50 newest, with event counts): ${listMs.toFixed(1)} ms\n`);
await pool.end();
await db.$disconnect();
await database.drop();
