import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db';
import { createTestDatabase, type TestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { AuditWriter, eventHash, GENESIS_HASH } from './audit-writer';
import { createLogger } from '@hoop/log';

let database: TestDatabase;
let pool: pg.Pool;
let sessionId: string;

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'audit');
  const db = createDb(database.url);
  const org = await seedOrg(db);
  const user = await seedUser(db, org.id);
  const { agent } = await seedAgent(db, org.id);
  const conn = await seedConnection(db, org.id, { name: 'c', agentId: agent.id });
  sessionId = (await db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'connect' } })).id;
  await db.$disconnect();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const ev = (n: number) => ({ type: 'statement', at: new Date(1_700_000_000_000 + n).toISOString(), data: { sql: `select ${n}` } });

describe('audit writer', () => {
  it('stores frames in order, chained by hash, acknowledges after commit, and ignores resent frames', async () => {
    const writer = new AuditWriter(pool, createLogger('test', 'error'), 7);
    const acks: number[] = [];
    for (let i = 0; i < 50; i++) writer.enqueue({ sessionId, seq: i, event: ev(i), ack: (s) => acks.push(s) });
    await writer.drain();
    expect(acks.at(-1)).toBe(49);
    // a reconnecting agent resends frames 40..59: 40..49 must not be stored twice
    const fresh = new AuditWriter(pool, createLogger('test', 'error'));
    for (let i = 40; i < 60; i++) fresh.enqueue({ sessionId, seq: i, event: ev(i), ack: (s) => acks.push(s) });
    await fresh.drain();
    expect(acks.at(-1)).toBe(59);
    const rows = (await pool.query('SELECT seq, type, at, data, prev_hash, hash FROM audit_events WHERE session_id = $1 ORDER BY seq', [sessionId])).rows;
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    let prev = GENESIS_HASH;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(eventHash(prev, sessionId, r.seq, ev(r.seq)));
      prev = r.hash;
    }
  });
});

describe('audit storage', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    await expect(pool.query("UPDATE audit_events SET type = 'x'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(pool.query('TRUNCATE audit_events CASCADE')).rejects.toThrow(/append-only: TRUNCATE/);
  });
});
