// One session cannot make the agent hold more client input than its budget (HOOP_AGENT_INPUT_BUDGET_MB, for all
// sessions together): a client that sends most of a huge message and then stalls is ended with 53200 once the agent's
// total would pass it, and everyone else goes on.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startupMessage } from '@hoop/pgwire';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;
const MiB = 1024 * 1024;

beforeAll(async () => {
  target = await createTargetDatabase('input_budget');
  stack = await startTestStack({ agentEnv: { HOOP_AGENT_INPUT_BUDGET_MB: '8' } });
  await stack.addPostgresConnection('pg', target.url);
  await stack.startAgent();
  // this client writes protocol messages by hand, SCRAM left out: the port asks no password
  conn = await stack.connect('pg', { noPassword: true });
});

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await target?.drop();
});

/** A client that sends its startup, then `bytes` of a Query message that says it is 100 MiB long, and waits. */
function stalledClient(bytes: number) {
  const sock = net.connect(conn.port, '127.0.0.1');
  let got = '';
  let closed = false;
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.on('close', () => (closed = true));
  sock.on('error', () => undefined);
  sock.write(startupMessage({ user: 'x', database: 'y' }));
  const header = Buffer.from([0x51, 0, 0, 0, 0]);
  header.writeInt32BE(100 * MiB, 1);
  void waitFor('the session to be ready', async () => (got.includes('Z\u0000\u0000\u0000\u0005I') ? true : null)).then(() => {
    sock.write(header);
    sock.write(Buffer.alloc(bytes, 0x61));
  });
  return { output: () => got, closed: () => closed, destroy: () => sock.destroy() };
}

describe('the agent’s input memory budget', () => {
  it('ends the session that would take the agent past it, with 53200, and serves everyone else', async () => {
    const first = stalledClient(5 * MiB);
    await waitFor('the agent to hold the first client’s 5 MiB', async () =>
      (await stack.db.auditEvent.count({ where: { type: 'session.ready' } })) >= 1 ? true : null,
    );
    await new Promise((r) => setTimeout(r, 500));
    const second = stalledClient(5 * MiB);
    await waitFor('the second session to be ended', async () => (second.closed() ? true : null), { timeoutMs: 60_000 });
    expect(second.output()).toContain('53200');
    expect(second.output()).toMatch(/at most 8\.0 MiB; this session would add/);
    expect(first.closed()).toBe(false);

    // small statements still fit
    const client = async () => {
      const c = new pg.Client({ connectionString: conn.url });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    };
    const small = await client();
    expect((await small.query('select 41 + 1 as n')).rows).toEqual([{ n: 42 }]);
    await small.end();
    // a 4 MiB statement does not fit next to the stalled 5 MiB (its session is ended); once that client is gone it does
    const big = `select length('${'b'.repeat(4 * MiB)}') as n`;
    const refused = await client();
    await expect(refused.query(big)).rejects.toMatchObject({ code: '53200' });
    first.destroy();
    await waitFor('the first client’s share to be released', async () => {
      const c = await client();
      try {
        return (await c.query(big)).rows[0].n === 4 * MiB ? true : null;
      } catch (err) {
        if ((err as { code?: string }).code !== '53200') throw err;
        return null;
      } finally {
        await c.end().catch(() => undefined);
      }
    });
    // the 4 MiB statement is in the trail, shortened and named by its length and sha256
    const recorded = await waitFor('the big statement in the trail', async () => {
      const events = await stack.db.auditEvent.findMany({ where: { type: 'statement' } });
      return events.map((e) => (e.data as { sql?: string }).sql ?? '').find((sql) => sql.startsWith("select length('bbb")) ?? null;
    });
    expect(recorded.length).toBeLessThan(70 * 1024);
    expect(recorded).toMatch(/more characters not recorded; sha256 of the whole text [0-9a-f]{64}\]$/);
  });

  it('ends a link that sends a frame over the size limit, and only that link', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${stack.gatewayUrl.replace(/^http/, 'ws')}/client`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send('x'.repeat(5 * MiB));
    expect(await closed).toBeGreaterThan(1000);
    const health = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(health.status).toBe(200);
    const c = new pg.Client({ connectionString: conn.url });
    await c.connect();
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await c.end();
  });
});
