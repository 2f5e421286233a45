import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import type { Logger } from '@hoop/log';
import { verifyAudit } from '@hoop/core/audit/verify-audit';
import { AuditIngest, type Owner, type SessionRecord } from './ingest';
import { AuditWriter, type Pending } from './writer';

let database: TestDatabase;
let pool: pg.Pool;
let db: ReturnType<typeof createDb>;
let orgId: string;
let agentId: string;
let newSession: () => Promise<string>;

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'auditorder');
  db = createDb(database.url);
  const org = await seedOrg(db);
  orgId = org.id;
  const user = await seedUser(db, org.id);
  const { agent } = await seedAgent(db, org.id);
  agentId = agent.id;
  const conn = await seedConnection(db, org.id, { name: 'c', agentId: agent.id });
  newSession = async () => (await db.session.create({ data: { orgId: org.id, userId: user.id, connectionId: conn.id, agentId: agent.id, mode: 'exec' } })).id;
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

/** what a writer logged, to check that drops and conflicts are reported */
function recordingLog(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const event = (seq: number, sql = `select ${seq}`) =>
  seq === 0
    ? { type: 'session.open', at: new Date(T0).toISOString(), data: { connection: 'c', mode: 'exec' } }
    : { type: 'statement', at: new Date(T0 + seq).toISOString(), data: { sql } };

/** an agent's tunnel as the writer sees it: frames it sent, acknowledgements it got (cumulative, per session) */
function agentLink(name = 'agent') {
  const link = {};
  const acks = new Map<string, number[]>();
  return {
    acks,
    acked: (id: string) => acks.get(id)?.at(-1) ?? -1,
    frame: (sessionId: string, seq: number, ev = event(seq)): Pending => ({
      sessionId,
      seq,
      event: ev,
      link,
      agent: name,
      ack: (s) => acks.set(sessionId, [...(acks.get(sessionId) ?? []), s]),
    }),
  };
}

async function storedSeqs(id: string): Promise<{ seq: number; type: string; sql: string | null }[]> {
  return (
    await pool.query<{ seq: number; type: string; sql: string | null }>(
      "SELECT seq, type, data->>'sql' AS sql FROM audit_events WHERE session_id = $1 ORDER BY seq",
      [id],
    )
  ).rows;
}

async function settle(writer: AuditWriter): Promise<void> {
  await writer.drain();
  await new Promise((r) => setImmediate(r));
  await writer.drain();
}

describe('audit writer: frames out of order', () => {
  it("stores a new session's frames delivered 1, 2, 0 in seq order, and acknowledges nothing before 0 is stored", async () => {
    const id = await newSession();
    const writer = new AuditWriter(pool, recordingLog(), 1000, 0);
    const agent = agentLink();
    writer.enqueue(agent.frame(id, 1));
    writer.enqueue(agent.frame(id, 2));
    await settle(writer);
    // seq 1 must not be stored over the hole where 0 belongs, nor acknowledged
    expect(await storedSeqs(id)).toEqual([]);
    expect(agent.acked(id)).toBe(-1);
    expect(writer.heldCount).toBe(2);
    writer.enqueue(agent.frame(id, 0));
    writer.enqueue(agent.frame(id, 3));
    await settle(writer);
    expect((await storedSeqs(id)).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(agent.acked(id)).toBe(3);
    expect(writer.heldCount).toBe(0);
    expect(await verifyAudit(pool, { orgId, sessionId: id })).toMatchObject({ ok: true, events: 4 });
    writer.close();
  });

  it('never fills a hole by skipping ahead: frames whose predecessor does not come are dropped unacknowledged, then stored when resent', async () => {
    const id = await newSession();
    const log = recordingLog();
    const writer = new AuditWriter(pool, log, 1000, 0, undefined, { gapMs: 150 });
    const agent = agentLink();
    writer.enqueue(agent.frame(id, 0));
    await settle(writer);
    for (const seq of [2, 3, 4]) writer.enqueue(agent.frame(id, seq));
    await settle(writer);
    // held, or on a busy machine already dropped by the gap timer: never stored, never acknowledged
    expect((await storedSeqs(id)).map((r) => r.seq)).toEqual([0]);
    expect(agent.acks.get(id)).toEqual([0]);
    // the gap timer (150 ms) gives up on 1 and drops what waited for it, however busy the machine is
    await vi.waitFor(() => expect(writer.heldCount).toBe(0), { timeout: 30_000, interval: 20 });
    // each frame is dropped 150 ms after it was held: 2..4 together when they were planned together, in two or three
    // lines when the writer took them in separate INSERT plans (a busy machine stretches the 20 ms between plans)
    const dropped = log.lines
      .filter((l) => /did not arrive in time/.test(l.msg))
      .map((l) => l.fields as { session: string; waitingFor: number; seqs: string; frames: number });
    expect(dropped.every((d) => d.session === id && d.waitingFor === 1)).toBe(true);
    expect(
      dropped.flatMap((d) => {
        const [from, to] = d.seqs.split('..').map(Number);
        return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
      }),
    ).toEqual([2, 3, 4]);
    expect(dropped.reduce((n, d) => n + d.frames, 0)).toBe(3);
    expect((await storedSeqs(id)).map((r) => r.seq)).toEqual([0]);
    expect(agent.acks.get(id)).toEqual([0]);
    // the agent still has 1..4 (never acknowledged) and sends them again
    for (const seq of [1, 2, 3, 4]) writer.enqueue(agent.frame(id, seq));
    await settle(writer);
    expect((await storedSeqs(id)).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(agent.acked(id)).toBe(4);
    expect(await verifyAudit(pool, { orgId, sessionId: id })).toMatchObject({ ok: true, events: 5 });
    writer.close();
  });

  it('acknowledges a resent exact copy, never a frame that differs from the stored one, nor anything after it', async () => {
    const id = await newSession();
    const log = recordingLog();
    const first = new AuditWriter(pool, log, 1000, 0);
    const agent = agentLink();
    for (const seq of [0, 1, 2]) first.enqueue(agent.frame(id, seq));
    await settle(first);
    expect(agent.acked(id)).toBe(2);
    // another gateway (a fresh writer) gets a resend: 1 and 2 as stored, then 3
    const second = new AuditWriter(pool, log, 1000, 0);
    const resent = agentLink();
    for (const seq of [1, 2, 3]) second.enqueue(resent.frame(id, seq));
    await settle(second);
    expect(resent.acked(id)).toBe(3);
    // now a frame 2 that is not the stored event 2, with 4 after it
    const other = agentLink();
    second.enqueue(other.frame(id, 2, event(2, 'drop table t')));
    second.enqueue(other.frame(id, 4));
    await settle(second);
    expect(other.acks.get(id)).toBeUndefined();
    const conflict = log.lines.find((l) => l.level === 'error' && /differs from the event stored/.test(l.msg));
    expect(conflict?.fields).toMatchObject({ session: id, seq: 2 });
    // 4 is stored (it follows the stored 3), but its ack would also drop the differing 2 from the agent's spool
    const rows = await storedSeqs(id);
    expect(rows.map((r) => [r.seq, r.sql])).toEqual([
      [0, null],
      [1, 'select 1'],
      [2, 'select 2'],
      [3, 'select 3'],
      [4, 'select 4'],
    ]);
    second.enqueue(other.frame(id, 5));
    await settle(second);
    expect(other.acks.get(id)).toBeUndefined();
    expect(await verifyAudit(pool, { orgId, sessionId: id })).toMatchObject({ ok: true, events: 6 });
    first.close();
    second.close();
  });

  it('holds at most so many frames per session and per agent; the rest wait in the agent', async () => {
    const [a, b] = [await newSession(), await newSession()];
    const log = recordingLog();
    const writer = new AuditWriter(pool, log, 1000, 0, undefined, { perSession: 3, perAgent: 4 });
    const agent = agentLink();
    for (let seq = 1; seq <= 5; seq++) writer.enqueue(agent.frame(a, seq));
    await settle(writer);
    expect(writer.heldCount).toBe(3);
    for (let seq = 1; seq <= 3; seq++) writer.enqueue(agent.frame(b, seq));
    await settle(writer);
    expect(writer.heldCount).toBe(4);
    expect(log.lines.filter((l) => /too many wait/.test(l.msg)).map((l) => [l.fields?.session, l.fields?.dropped])).toEqual([
      [a, 2],
      [b, 2],
    ]);
    writer.enqueue(agent.frame(a, 0));
    writer.enqueue(agent.frame(b, 0));
    await settle(writer);
    expect((await storedSeqs(a)).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect((await storedSeqs(b)).map((r) => r.seq)).toEqual([0, 1]);
    expect([agent.acked(a), agent.acked(b)]).toEqual([3, 1]);
    for (const seq of [4, 5]) writer.enqueue(agent.frame(a, seq));
    for (const seq of [2, 3]) writer.enqueue(agent.frame(b, seq));
    await settle(writer);
    expect([agent.acked(a), agent.acked(b)]).toEqual([5, 3]);
    expect(writer.heldCount).toBe(0);
    writer.close();
  });
});

describe('audit ingest', () => {
  const me = () => ({ id: agentId, orgId, name: 'agent' });

  it("hands a session's frames on in arrival order while its owner look-up is slow, with one look-up", async () => {
    const id = await newSession();
    let lookups = 0;
    // the first look-up is slow; any later one would be quick and overtake it
    const ingest = new AuditIngest(async (sessionId): Promise<SessionRecord> => {
      const n = lookups++;
      await new Promise((r) => setTimeout(r, n === 0 ? 200 : 0));
      const s = await db.session.findUnique({ where: { id: sessionId }, select: { agentId: true } });
      return s ? { kind: 'session', agentId: s.agentId } : { kind: 'none' };
    }, recordingLog());
    const writer = new AuditWriter(pool, recordingLog(), 1000, 0);
    const agent = agentLink();
    const order: number[] = [];
    const receive = (seq: number) =>
      ingest.receive(me(), id, (owner: Owner) => {
        order.push(seq);
        if (owner === 'own') writer.enqueue(agent.frame(id, seq));
      });
    receive(0);
    await new Promise((r) => setTimeout(r, 20));
    receive(1);
    receive(2);
    // the frame after the slow look-up came back (however long the machine took), which must not ask again
    await vi.waitFor(() => expect(order).toEqual([0, 1, 2]), { timeout: 30_000, interval: 10 });
    receive(3);
    await vi.waitFor(() => expect(order).toEqual([0, 1, 2, 3]), { timeout: 30_000, interval: 10 });
    await settle(writer);
    expect(lookups).toBe(1);
    expect((await storedSeqs(id)).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(agent.acked(id)).toBe(3);
    expect(await verifyAudit(pool, { orgId, sessionId: id })).toMatchObject({ ok: true, events: 4 });
    writer.close();
  });

  it('answers every waiting frame `unknown` when the look-up fails, and asks again for the next frame', async () => {
    const id = await newSession();
    let fail = true;
    const ingest = new AuditIngest(async (): Promise<SessionRecord> => {
      if (fail) throw new Error('connection terminated');
      return { kind: 'session', agentId };
    }, recordingLog());
    const answers: [number, Owner][] = [];
    for (const seq of [0, 1]) ingest.receive(me(), id, (o) => answers.push([seq, o]));
    await new Promise((r) => setTimeout(r, 10));
    fail = false;
    ingest.receive(me(), id, (o) => answers.push([2, o]));
    ingest.receive({ id: 'another-agent', orgId, name: 'x' }, id, (o) => answers.push([3, o]));
    await new Promise((r) => setTimeout(r, 10));
    expect(answers).toEqual([
      [0, 'unknown'],
      [1, 'unknown'],
      [2, 'own'],
      [3, 'foreign'],
    ]);
    expect(ingest.pending).toBe(0);
  });
});
