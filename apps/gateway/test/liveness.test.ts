import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyConfigChanged } from '@hoop/db';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  target = await createTargetDatabase('liveness');
  stack = await startTestStack({ heartbeatMs: 500 });
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

describe('agent liveness and configuration', () => {
  it('gives an agent new connections without reconnecting', async () => {
    await stack.addPostgresConnection('added-later', target.url);
    await notifyConfigChanged(stack.db, stack.orgId);
    const r = await waitFor(
      'the new connection to work',
      async () => {
        const res = await stack.cli(['exec', 'added-later', '-i', 'select 7 as n', '-o', 'json']);
        return res.code === 0 ? res : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(JSON.parse(r.stdout).rows).toEqual([[7]]);
  });

  it('shows a frozen agent offline within three heartbeats and refuses sessions clearly', async () => {
    const pid = stack.agent!.child.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      await waitFor(
        'the agent to be marked offline',
        async () => ((await stack.db.agent.findUnique({ where: { id: stack.agentId } }))?.connectedAt === null ? true : null),
        { timeoutMs: 15_000 },
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      const r = await stack.cli(['exec', 'added-later', '-i', 'select 1']);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/is offline/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // it comes back on its own (reconnect with backoff)
    await waitFor('the agent to reconnect', async () => ((await stack.db.agent.findUnique({ where: { id: stack.agentId } }))?.connectedAt ? true : null), {
      timeoutMs: 30_000,
    });
    const again = await stack.cli(['exec', 'added-later', '-i', 'select 8 as n', '-o', 'json']);
    expect(JSON.parse(again.stdout).rows).toEqual([[8]]);
  });
});
