import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { eventHash, GENESIS_HASH } from '@hoop/core/audit/audit-hash';
import { AuditWriter } from './writer';
import { createLogger } from '@hoop/log';

let database: TestDatabase;
let pool: pg.Pool;
let db: ReturnType<typeof createDb>;
let sessionId: string;
let newSession: () => Promise<string>;

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'audit');
  db = createDb(database.url);
  const org = await seedOrg(db);
  const user = await seedUser(db, org.id);
  const { agent } = await seedAgent(db, org.id);
  const conn = await seedConnection(db, org.id, { name: 'c', agentId: agent.id });
  newSession = async () =>
    (await db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'connect' } })).id;
  sessionId = await newSession();
  for (const month of ['2030-01-01', '2030-02-01']) await db.$executeRawUnsafe('SELECT hoop_audit_ensure_partition($1::date)', month);
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await db?.$disconnect();
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

describe('audit writer under a steady stream of frames', () => {
  it('writes an INSERT at most every 20 ms while frames keep coming, and stores and acknowledges every frame', async () => {
    const id = await newSession();
    const inserts: number[] = [];
    // the real pool, its INSERTs counted
    const counted = Object.assign(Object.create(pool) as pg.Pool, {
      query: (...args: Parameters<pg.Pool['query']>) => {
        if (String(args[0]).includes('INSERT INTO audit_events')) inserts.push(Date.now());
        return (pool.query as (...a: unknown[]) => unknown)(...args);
      },
    });
    const writer = new AuditWriter(counted, createLogger('test', 'error'));
    const acks: number[] = [];
    let seq = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        writer.enqueue({ sessionId: id, seq, event: ev(seq), ack: (s) => acks.push(s) });
        if (++seq === 300) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await writer.drain();
    expect(acks.at(-1)).toBe(299);
    // one INSERT started no sooner than 20 ms after the one before (a millisecond of rounding either side)
    const gaps = inserts.slice(1).map((t, i) => t - inserts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(18);
    await storedChain(id, ev);
  });
});

/** Stored rows of a session, checked to be 0..n-1 once each and chained; returns the partition of each. */
async function storedChain(id: string, body: (seq: number) => ReturnType<typeof ev>): Promise<string[]> {
  const rows = (await pool.query('SELECT seq, prev_hash, hash, tableoid::regclass::text AS part FROM audit_events WHERE session_id = $1 ORDER BY seq', [id]))
    .rows;
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
  let prev = GENESIS_HASH;
  for (const r of rows) {
    expect(r.prev_hash).toBe(prev);
    expect(r.hash).toBe(eventHash(prev, id, r.seq, body(r.seq)));
    prev = r.hash;
  }
  return rows.map((r) => r.part as string);
}

describe('audit writer and month partitions', () => {
  // a session running across midnight at the end of January 2030: its events fall in two partitions
  const at = (n: number, shift = 0) => ({
    type: 'statement',
    at: new Date(Date.parse('2030-01-31T23:59:59.000Z') + n * 200 + shift).toISOString(),
    data: { sql: `select ${n}` },
  });

  it('stores a resent frame once even when it comes back with another time, in another month, and does not acknowledge it', async () => {
    const id = await newSession();
    const acks: number[] = [];
    const first = new AuditWriter(pool, createLogger('test', 'error'), 3);
    for (let i = 0; i < 5; i++) first.enqueue({ sessionId: id, seq: i, event: at(i), ack: (s) => acks.push(s) });
    await first.drain();
    expect(acks.at(-1)).toBe(4);
    // frames 3 and 4 again, now stamped a day later (February's partition), then 5 and 6
    const errors: { msg: string; seq?: unknown }[] = [];
    const log = { ...createLogger('test', 'error'), error: (msg: string, f?: Record<string, unknown>) => void errors.push({ msg, seq: f?.seq }) };
    const again = new AuditWriter(pool, log);
    const acksAgain: number[] = [];
    for (let i = 3; i < 7; i++) again.enqueue({ sessionId: id, seq: i, event: i < 5 ? at(i, 86_400_000) : at(i), ack: (s) => acksAgain.push(s) });
    await again.drain();
    // 3 and 4 are not the stored events 3 and 4: reported, never acknowledged, and neither is what follows them (an
    // acknowledgement of 6 would make the agent drop 3 and 4 as well)
    expect(errors.map((e) => [e.msg.replace(/:.*/, ''), e.seq])).toEqual([
      ['audit frame differs from the event stored at its seq', 3],
      ['audit frame differs from the event stored at its seq', 4],
    ]);
    expect(acksAgain).toEqual([]);
    const parts = await storedChain(id, (n) => at(n));
    expect(parts).toEqual([
      'audit_events_2030_01',
      'audit_events_2030_01',
      'audit_events_2030_01',
      'audit_events_2030_01',
      'audit_events_2030_01',
      'audit_events_2030_02',
      'audit_events_2030_02',
    ]);
    expect(await db.session.findUniqueOrThrow({ where: { id } })).toMatchObject({ eventCount: 7, lastSeq: 6, statementCount: 7 });
  });

  it('stores every frame once when two writers (two gateways) get the same session at once', async () => {
    const id = await newSession();
    const acks = { a: [] as number[], b: [] as number[] };
    const a = new AuditWriter(pool, createLogger('test', 'error'), 10, 0);
    const b = new AuditWriter(pool, createLogger('test', 'error'), 7, 0);
    for (let i = 0; i < 200; i++) {
      a.enqueue({ sessionId: id, seq: i, event: at(i), ack: (s) => acks.a.push(s) });
      b.enqueue({ sessionId: id, seq: i, event: at(i), ack: (s) => acks.b.push(s) });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([a.drain(), b.drain()]);
    expect((await storedChain(id, (n) => at(n))).length).toBe(200);
    expect(Math.max(...acks.a, ...acks.b)).toBe(199);
    expect(await db.session.findUniqueOrThrow({ where: { id } })).toMatchObject({ eventCount: 200, lastSeq: 199 });
  });
});

describe('audit storage', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    await expect(pool.query("UPDATE audit_events SET type = 'x'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(pool.query('TRUNCATE audit_events CASCADE')).rejects.toThrow(/append-only: TRUNCATE/);
  });
});

describe('audit writer when Postgres falls behind', () => {
  it('queues at most `queued` frames of agents; the rest stay unacknowledged until sent again, and none is lost', async () => {
    const id = await newSession();
    // a pool whose queries wait until the test lets them go
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stalled = Object.assign(Object.create(pool) as pg.Pool, {
      query: async (...args: Parameters<pg.Pool['query']>) => {
        await gate;
        return (pool.query as (...a: unknown[]) => unknown)(...args);
      },
    });
    const writer = new AuditWriter(stalled, createLogger('test', 'error'), 10, 0, undefined, { queued: 30 });
    const acks: number[] = [];
    const link = {};
    const send = (seq: number) => writer.enqueue({ sessionId: id, seq, event: ev(seq), link, ack: (s) => acks.push(s) });
    // the first goes to the stalled INSERT at once, the next 30 wait in the queue, the other 69 are not taken
    for (let seq = 0; seq < 100; seq++) send(seq);
    // the gateway's own records are queued all the same: nobody would send them again
    const own = await newSession();
    const ownAcks: number[] = [];
    writer.enqueue({ sessionId: own, seq: 0, event: ev(0), ack: (s) => ownAcks.push(s) });
    release();
    await writer.drain();
    expect(acks.at(-1)).toBe(30);
    expect(ownAcks).toEqual([0]);
    // the agent sends again what was not acknowledged, each time in one burst, of which the queue takes 30 and more
    let rounds = 0;
    while (acks.at(-1)! < 99) {
      for (let seq = acks.at(-1)! + 1; seq < 100; seq++) send(seq);
      await writer.drain();
      rounds++;
    }
    expect(rounds).toBeLessThanOrEqual(3);
    const rows = (await pool.query('SELECT seq, prev_hash, hash FROM audit_events WHERE session_id = $1 ORDER BY seq', [id])).rows;
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    let prev = GENESIS_HASH;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      prev = r.hash;
    }
  });
});
