import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret, parseEncryptionKey } from '@hoop/db';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let server: Server;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  target = await createTargetDatabase('alerts');
  await target.query('create table customers (id int)');
  stack = await startTestStack();
  await stack.addPostgresConnection('alerted', target.url);
  await stack.db.webhook.create({
    data: {
      orgId: stack.orgId,
      name: 'security',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      secretEncrypted: encryptSecret('whsec-test', parseEncryptionKey(stack.encryptionKey)),
    },
  });
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
  server?.close();
});

describe('alerts', () => {
  it('posts a signed webhook when a guardrail blocks a statement, once', async () => {
    const r = await stack.cli(['exec', 'alerted', '-i', 'delete from customers']);
    expect(r.code).toBe(3);
    await waitFor('the webhook', async () => (received.length > 0 ? true : null), { timeoutMs: 10_000 });
    const hit = received[0]!;
    const payload = JSON.parse(hit.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'statement.blocked',
      user: 'admin@test.local',
      connection: 'alerted',
      mode: 'exec',
      statement: 'delete from customers',
      ruleId: 'delete-without-where',
      reason: 'DELETE without a WHERE clause would touch every row',
    });
    const ts = hit.headers['x-hoop-timestamp'] as string;
    expect(hit.headers['x-hoop-signature']).toBe(`sha256=${createHmac('sha256', 'whsec-test').update(`${ts}.${hit.body}`).digest('hex')}`);
    const allowed = await stack.cli(['exec', 'alerted', '-i', 'select count(*) from customers']);
    expect(allowed.code).toBe(0);
    await new Promise((res) => setTimeout(res, 1000));
    expect(received).toHaveLength(1);
    const hook = await stack.db.webhook.findFirst({ where: { orgId: stack.orgId } });
    expect(hook?.lastStatus).toBe(204);
  });
});
