import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  target = await createTargetDatabase('crash');
  stack = await startTestStack({ heartbeatMs: 1000 });
  await stack.addPostgresConnection('crashy', target.url);
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

describe('gateway crash', () => {
  it('loses no audit frame and stores none twice when the gateway is killed mid-session', async () => {
    const conn = await stack.connect('crashy');
    const client = new pg.Client({ connectionString: conn.url });
    client.on('error', () => undefined);
    await client.connect();
    let done = 0;
    const run = (async () => {
      for (let i = 0; i < 100_000; i++) {
        await client.query('select $1::int as i', [i]);
        done++;
      }
    })().catch(() => 'interrupted');
    await waitFor('statements to flow', async () => (done > 300 ? true : null), { timeoutMs: 30_000 });
    await stack.crashGateway();
    expect(await run).toBe('interrupted');
    const session = await stack.db.session.findFirst({ where: { connection: { name: 'crashy' } }, orderBy: { startedAt: 'desc' } });
    expect(session).not.toBeNull();
    // the agent reconnects and sends what the killed gateway never acknowledged, ending with the session's close
    const events = await waitFor(
      'the session close to be stored',
      async () => {
        const rows = await stack.db.auditEvent.findMany({ where: { sessionId: session!.id }, orderBy: { seq: 'asc' }, select: { seq: true, type: true } });
        return rows.at(-1)?.type === 'session.close' ? rows : null;
      },
      { timeoutMs: 45_000 },
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const statements = events.filter((e) => e.type === 'statement').length;
    expect(statements).toBeGreaterThanOrEqual(done);
    expect(statements).toBeLessThanOrEqual(done + 1);
    await waitFor(
      'the session row to be closed',
      async () => ((await stack.db.session.findUnique({ where: { id: session!.id } }))?.status === 'closed' ? true : null),
      { timeoutMs: 10_000 },
    );
    await conn.stop();
  });
});
