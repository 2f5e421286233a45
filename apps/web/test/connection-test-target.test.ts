/**
 * The web app's connection Test reaches the target for real: its service asks through the database, the gateway
 * holding the agent's tunnel has the agent log in and run select 1, and the report comes back as the `target` check
 * (with what the agent found of a secret it reads itself). When no gateway answers, it says whether the gateway can
 * be reached at all. Real gateway, agent and Postgres; the web app's own service function.
 */
import { seedConnection } from '@hoop/db/testing';
import { createTargetDatabase, type TestStack, startTestStack } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConnection } from '@hoop/core/connection/test-connection';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  target = await createTargetDatabase('web_conn_test');
  stack = await startTestStack({ heartbeatMs: 1000 });
  await stack.addPostgresConnection('pg', target.url);
  await stack.addConnection('box', 'command', { shell: ['bash'] }, 'a-secret-for-the-box');
  await seedConnection(stack.db, stack.orgId, {
    name: 'box-no-secret',
    type: 'command',
    agentId: stack.agentId,
    config: { shell: ['bash'] },
    secretRef: 'env:HOOP_NOT_SET_ANYWHERE',
  });
  await stack.startAgent();
  for (const c of await stack.db.connection.findMany({ select: { id: true, name: true } })) ids[c.name] = c.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const run = (name: string) =>
  testConnection(stack.db, stack.orgId, { id: ids[name]! }, stack.encryptionKey, { requestedBy: null, gatewayUrl: stack.gatewayUrl });

describe('the Test of a connection in the web app', () => {
  it('has the agent log into the target and run select 1, with each step and the server version', async () => {
    const r = await run('pg');
    // a target that needs no password (trust) has no secret to find; one with a password has it in the agent's environment
    const credential = new URL(target.url).password ? 'credential=pass' : 'credential=info';
    expect(r.checks.map((c) => `${c.id}=${c.status}`)).toEqual(['settings=pass', 'agent=pass', credential, 'policy=pass', 'target=pass']);
    expect(r.ready).toBe(true);
    expect(r.checks[4]!.detail).toMatch(/^PostgreSQL \d+\.\d+ at 127\.0\.0\.1:\d+ accepted postgres and answered select 1 in \d+ ms\.$/);
    expect(r.target).toMatchObject({
      state: 'done',
      ok: true,
      code: null,
      serverVersion: expect.stringMatching(/^PostgreSQL /),
      gateway: expect.stringMatching(/\/\d+$/),
    });
    expect(r.target.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['credential:pass', 'connect:pass', 'tls:skip', 'login:pass', 'query:pass']);
    expect(r.notChecked).toMatch(/^No session was opened: the agent logged into postgres@127\.0\.0\.1:\d+\/\S+ as a session would/);
    console.log(`web Test of pg: ${r.target.ms} ms from the request to the answer, ${r.target.latencyMs} ms on the agent`);
  });

  it('says whether the agent found a secret it reads from its own environment, without showing it', async () => {
    const found = await run('box');
    expect(found.checks.find((c) => c.id === 'credential')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^The agent found it: read from the environment variable HOOP_TEST_SECRET_\d+ on the agent\.$/),
    });
    expect(JSON.stringify(found)).not.toContain('a-secret-for-the-box');
    const missing = await run('box-no-secret');
    expect(missing.ready).toBe(false);
    expect(missing.checks.find((c) => c.id === 'credential')).toMatchObject({
      status: 'fail',
      detail: 'The agent could not read it: environment variable HOOP_NOT_SET_ANYWHERE is not set on the agent.',
    });
    expect(missing.checks.find((c) => c.id === 'target')).toMatchObject({
      status: 'fail',
      detail: 'Connection "box-no-secret": environment variable HOOP_NOT_SET_ANYWHERE is not set on the agent.',
    });
  });

  it('says so clearly when the gateway is down', async () => {
    await stack.gateway.stop('SIGKILL');
    const r = await run('pg');
    expect(r.ready).toBe(false);
    expect(r.target.state).toBe('no_gateway');
    expect(r.checks.find((c) => c.id === 'target')).toMatchObject({
      status: 'fail',
      detail:
        `Not tested: no gateway took the test within 3 s: none is running, or none holds the tunnel of agent “test-agent” (it may ` +
        `just have disconnected). The gateway at ${stack.gatewayUrl} cannot be reached from the web app (ECONNREFUSED): is it running?`,
    });
  });
});
