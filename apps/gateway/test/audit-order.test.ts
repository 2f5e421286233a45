import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { messageBytes, PROTOCOL_VERSION, Tunnel, webSocketTransport } from '@hoop/protocol';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let newSessions: (n: number) => Promise<string[]>;

beforeAll(async () => {
  target = await createTargetDatabase('auditorder');
  stack = await startTestStack();
  await stack.addPostgresConnection('ordered', target.url);
  const conn = await stack.db.connection.findFirstOrThrow({ where: { name: 'ordered' } });
  const admin = await stack.db.user.findFirstOrThrow({ where: { orgId: stack.orgId } });
  newSessions = async (n) => {
    const ids = Array.from({ length: n }, () => crypto.randomUUID());
    await stack.db.session.createMany({
      data: ids.map((id) => ({ id, orgId: stack.orgId, userId: admin.id, connectionId: conn.id, agentId: stack.agentId, mode: 'exec' })),
    });
    return ids;
  };
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

/** The stack's agent as the gateway sees it on the wire: it sends audit frames in the order a test chooses. */
async function wireAgent() {
  const ws = new WebSocket(`${stack.gatewayUrl.replace(/^http/, 'ws')}/agent`, { headers: { authorization: `Bearer ${stack.agentKey}` } });
  const acked = new Map<string, number>();
  const tunnel = new Tunnel(webSocketTransport(ws), true, {
    onMessage: (msg) => {
      if (msg.type === 'audit_ack') acked.set(msg.payload.sessionId, Math.max(acked.get(msg.payload.sessionId) ?? -1, msg.payload.seq));
    },
  });
  ws.on('message', (data, isBinary) => (isBinary ? tunnel.handleBinary(messageBytes(data)) : tunnel.handleText(messageBytes(data).toString('utf8'))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  tunnel.send('hello', { role: 'agent', version: PROTOCOL_VERSION, capabilities: [] });
  const at = Date.now();
  const event = (sessionId: string, seq: number) =>
    seq === 0
      ? { type: 'session.open', at: new Date(at).toISOString(), data: { connection: 'ordered', type: 'postgres', mode: 'exec' } }
      : seq === 3
        ? { type: 'session.close', at: new Date(at + 3).toISOString(), data: { reason: 'client disconnected', statements: 2, masked: {} } }
        : { type: 'statement', at: new Date(at + seq).toISOString(), data: { sql: `select '${sessionId}', ${seq}`, decision: 'allow', executed: true } };
  return {
    acked,
    send: (sessionId: string, seq: number) => tunnel.send('audit', { sessionId, seq, event: event(sessionId, seq) }),
    /** several frames in one audit_batch message, in this order */
    batch: (frames: [string, number][]) =>
      tunnel.send('audit_batch', { frames: frames.map(([sessionId, seq]) => ({ sessionId, seq, event: event(sessionId, seq) })) }),
    /** lets the tunnel flush, so what is sent next leaves in another WebSocket message */
    turn: () => new Promise((r) => setTimeout(r, 5)),
    close: () => ws.close(),
  };
}

async function storedSeqs(ids: string[]): Promise<Map<string, number[]>> {
  const rows = await stack.db.auditEvent.findMany({
    where: { sessionId: { in: ids } },
    orderBy: [{ sessionId: 'asc' }, { seq: 'asc' }],
    select: { sessionId: true, seq: true },
  });
  const by = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (const r of rows) by.get(r.sessionId)!.push(r.seq);
  return by;
}

describe('audit frames arriving out of order at the gateway', () => {
  it('stores a session whose frames arrive 1, 2, 0, 3 whole, acknowledging nothing before 0', async () => {
    const [id] = await newSessions(1);
    const agent = await wireAgent();
    agent.send(id!, 1);
    await agent.turn();
    agent.send(id!, 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.acked.get(id!)).toBeUndefined();
    expect((await storedSeqs([id!])).get(id!)).toEqual([]);
    agent.send(id!, 0);
    await agent.turn();
    agent.send(id!, 3);
    await waitFor('the session acknowledged through its close', async () => (agent.acked.get(id!) === 3 ? true : null), { timeoutMs: 10_000 });
    expect((await storedSeqs([id!])).get(id!)).toEqual([0, 1, 2, 3]);
    const verify = await stack.cli(['audit', 'verify', '--session', id!]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    agent.close();
  });

  it('keeps every frame of hundreds of new sessions whose frames arrive in separate messages, owner look-ups racing', async () => {
    const ids = await newSessions(300);
    const agent = await wireAgent();
    // frame k of every session, then frame k + 1 of every session: each frame's owner look-up starts while the
    // look-ups of the frames before it in its session are still running
    for (let seq = 0; seq < 4; seq++) {
      for (const id of ids) agent.send(id, seq);
      await agent.turn();
    }
    await waitFor('every session acknowledged through its close', async () => (ids.every((id) => agent.acked.get(id) === 3) ? true : null), {
      timeoutMs: 30_000,
    });
    const stored = await storedSeqs(ids);
    expect(ids.filter((id) => stored.get(id)!.join() !== '0,1,2,3')).toEqual([]);
    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit trail intact: 301 session\(s\), 1204 event\(s\)/);
    agent.close();
  });

  it('stores the frames of audit_batch messages as it stores frames sent one by one: in order, held behind a missing one', async () => {
    const ids = await newSessions(50);
    const agent = await wireAgent();
    // frames 1 and 2 of every session in one message (held: frame 0 has not come), then 0 and 3 of each in another
    agent.batch(
      ids.flatMap((id): [string, number][] => [
        [id, 1],
        [id, 2],
      ]),
    );
    await agent.turn();
    agent.batch(
      ids.flatMap((id): [string, number][] => [
        [id, 0],
        [id, 3],
      ]),
    );
    await waitFor('every session acknowledged through its close', async () => (ids.every((id) => agent.acked.get(id) === 3) ? true : null), {
      timeoutMs: 30_000,
    });
    const stored = await storedSeqs(ids);
    expect(ids.filter((id) => stored.get(id)!.join() !== '0,1,2,3')).toEqual([]);
    for (const id of ids.slice(0, 3)) {
      const verify = await stack.cli(['audit', 'verify', '--session', id]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    agent.close();
  });
});
