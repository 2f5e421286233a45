/**
 * Rotating an agent's key, or deleting the agent, in the web app ends the tunnel of the agent that holds the old key at
 * once, whichever gateway holds it (they all listen on `hoop_config`): its sessions end, the old key is refused, the
 * agent says why and waits before trying again, and an agent started with the new key serves as before. Real gateways,
 * agents, CLI and Postgres; the web app's own service functions make the change.
 */
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, freePort, type Service, startAgentService, startGatewayService, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { createAgent } from '@hoop/core/agent/create-agent';
import { deleteAgent } from '@hoop/core/agent/delete-agent';
import { rotateAgentKey } from '@hoop/core/agent/rotate-agent-key';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
/** a second gateway over the same database, as behind a load balancer */
let gateway2: Service;
let gateway2Port: number;
const started: Service[] = [];

beforeAll(async () => {
  target = await createTargetDatabase('key_revocation');
  stack = await startTestStack({ heartbeatMs: 1000 });
  await stack.addPostgresConnection('pg', target.url);
  await stack.startAgent();
  gateway2Port = await freePort();
  gateway2 = await startGatewayService({
    databaseUrl: stack.dbUrl,
    port: gateway2Port,
    encryptionKey: stack.encryptionKey,
    webUrl: 'http://localhost:3999',
    heartbeatMs: 1000,
  });
}, 180_000);

afterAll(async () => {
  for (const s of started) await s.stop();
  await gateway2?.stop();
  await stack?.stop();
  await target?.drop();
});

const online = async (agentId: string) => Boolean((await stack.db.agent.findUnique({ where: { id: agentId } }))?.connectedAt);
const heldBy = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { agents: number }).agents;

/** The HTTP status a WebSocket upgrade to /agent with this key gets (101 when accepted). */
function upgradeStatus(port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/agent',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        authorization: `Bearer ${key}`,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function agentWith(key: string, port: number, env: Record<string, string> = {}): Service {
  // the secrets of the stack's connections reach an agent through its environment, as they reach the stack's own
  const svc = startAgentService({ gatewayUrl: `ws://127.0.0.1:${port}`, key, env: { ...stack.secretEnv, ...env } });
  started.push(svc);
  return svc;
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re.source, 'g')) ?? []).length;

describe('revoking an agent key', () => {
  it('rotating the key closes the running agent at once, ends its sessions and refuses the old key; the new key works', async () => {
    const old = stack.agent!;
    // a session through the agent, open while the key is rotated
    const tunnel = await stack.connect('pg');
    const client = new pg.Client({ connectionString: tunnel.url });
    await client.connect();
    const clientError = new Promise<string>((resolve) => {
      client.on('error', (e) => resolve(e.message));
      client.on('end', () => resolve('ended'));
    });
    expect((await client.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    expect(await heldBy(stack.gatewayPort)).toBe(1);
    // told of the second gateway by the first, the agent keeps a tunnel to it too
    await waitFor('the agent to hold a tunnel to the second gateway', async () => ((await heldBy(gateway2Port)) === 1 ? true : null), { service: old });

    const t0 = Date.now();
    const rotated = await rotateAgentKey(stack.db, stack.orgId, { id: stack.agentId });
    await waitFor('the agent to say its key was revoked', async () => (/key was revoked \(agent key rotated\)/.test(old.output()) ? true : null), {
      timeoutMs: 10_000,
    });
    // no gateway polls for rotated keys: within the wait above, only the change notification can have closed it
    const closedAfterMs = Date.now() - t0;
    expect(await heldBy(stack.gatewayPort)).toBe(0);
    await waitFor('the second gateway to close its tunnel too', async () => ((await heldBy(gateway2Port)) === 0 ? true : null), { timeoutMs: 10_000 });
    expect(await online(stack.agentId)).toBe(false);
    expect(await Promise.race([clientError, new Promise((r) => setTimeout(() => r('still open'), 5_000))])).not.toBe('still open');
    await client.end().catch(() => undefined);
    await tunnel.stop();

    // the old key is refused by every gateway; the new one is accepted
    expect(await upgradeStatus(stack.gatewayPort, stack.agentKey)).toBe(401);
    expect(await upgradeStatus(gateway2Port, stack.agentKey)).toBe(401);
    // the agent does not hammer the gateway: its next try is a minute away (by default), and it said so
    await new Promise((r) => setTimeout(r, 3_000));
    expect(old.child.exitCode).toBeNull();
    const wait = /not connected: key refused; trying again in (\d+) s/.exec(old.output());
    expect(wait, old.output().slice(-2000)).not.toBeNull();
    expect(Number(wait![1])).toBeGreaterThanOrEqual(30);
    // one tunnel to each gateway, and none again with the refused key
    expect(count(old.output(), /connected to gateway/)).toBe(2);
    expect(await online(stack.agentId)).toBe(false);
    await stack.stopAgent();

    const fresh = agentWith(rotated.key, stack.gatewayPort);
    await waitFor('the agent with the new key to come online', async () => ((await online(stack.agentId)) ? true : null), {
      service: fresh,
      timeoutMs: 30_000,
    });
    const r = await stack.cli(['exec', 'pg', '-i', 'select 42 as n', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).rows).toEqual([[42]]);
    console.log(`rotation → tunnel closed in ${closedAfterMs} ms`);
  });

  it('an agent started with a refused key says so and retries with growing waits, never in a tight loop', async () => {
    const { key } = await createAgent(stack.db, stack.orgId, { name: 'refused' });
    const { key: wrong } = await createAgent(stack.db, stack.orgId, { name: 'short-lived' });
    await deleteAgent(stack.db, stack.orgId, { id: (await stack.db.agent.findFirstOrThrow({ where: { name: 'short-lived' } })).id });
    expect(await upgradeStatus(stack.gatewayPort, key)).toBe(101);
    const svc = agentWith(wrong, stack.gatewayPort, { HOOP_AGENT_KEY_RETRY_MS: '1000' });
    // each refusal is followed by one announced wait before the next try: 0.5–1 s, then 1–2 s, then 2–4 s
    const seen = await waitFor(
      'three refusals, each followed by its wait',
      async () => {
        const out = svc.output();
        const waits = [...out.matchAll(/not connected: key refused; trying again in (\d+) s/g)].map((m) => Number(m[1]));
        return waits.length >= 3 ? { waits, refusals: count(out, /the gateway refused HOOP_AGENT_KEY/) } : null;
      },
      { service: svc, timeoutMs: 60_000 },
    );
    // no try without its wait (the last refusal's wait may not be written yet)
    expect(seen.refusals - seen.waits.length).toBeGreaterThanOrEqual(0);
    expect(seen.refusals - seen.waits.length).toBeLessThanOrEqual(1);
    expect(seen.waits[0]).toBeGreaterThanOrEqual(1);
    expect(seen.waits[2]).toBeGreaterThanOrEqual(2);
    expect(seen.waits[2]).toBeGreaterThanOrEqual(seen.waits[0]!);
    expect(svc.child.exitCode).toBeNull();
    await svc.stop();
  });

  it('deleting an agent closes its tunnel at once on the other gateway that holds it', async () => {
    // the agents of the tests before hold a tunnel to the second gateway too (each keeps one to every gateway)
    const others = await heldBy(gateway2Port);
    const b = await createAgent(stack.db, stack.orgId, { name: 'on-gateway-2' });
    const svc = agentWith(b.key, gateway2Port);
    await waitFor('the agent to come online on the second gateway', async () => ((await online(b.id)) ? true : null), { service: svc, timeoutMs: 30_000 });
    expect(await heldBy(gateway2Port)).toBe(others + 1);

    const t0 = Date.now();
    await deleteAgent(stack.db, stack.orgId, { id: b.id });
    await waitFor('the agent to say it was deleted', async () => (/key was revoked \(agent deleted\)/.test(svc.output()) ? true : null), { timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await heldBy(gateway2Port)).toBe(others);
    expect(await upgradeStatus(gateway2Port, b.key)).toBe(401);
    expect(svc.child.exitCode).toBeNull();
  });
});
