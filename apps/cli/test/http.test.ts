/**
 * http connections end to end: curl, fetch and raw sockets → hoop connect's local port (and hoop exec) → gateway →
 * agent → a real local HTTP API (http-target.ts). The agent adds the API's credential; guardrails deny and hold
 * requests before they reach the API; answers are masked as they stream; each request is recorded.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { callMcpTool, hoopMcpServer, type StackUser, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { type Seen, startTestApi } from './http-target';

const SECRET = 'sk_live_agent_only_0123456789';
const POLICY = {
  name: 'billing-guard',
  connections: { names: ['billing-api'] },
  http: {
    rules: [
      { id: 'no-admin', action: 'deny', match: { paths: ['/admin/**'] }, message: 'the admin API is off limits' },
      { id: 'big-refunds', action: 'review', match: { methods: ['POST'], paths: ['/v1/refunds'], body: [{ field: 'amount', above: 1000 }] } },
    ],
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let stack: TestStack;
let api: Awaited<ReturnType<typeof startTestApi>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let rita: StackUser;
let base: string;

beforeAll(async () => {
  api = await startTestApi();
  stack = await startTestStack();
  await stack.addConnection('billing-api', 'http', { baseUrl: api.url, authType: 'bearer' }, SECRET);
  rita = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = `${stack.configFile}.http-policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  conn = await stack.connect('billing-api');
  base = `http://127.0.0.1:${conn.port}`;
}, 120_000);

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await api?.close();
});

const curl = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('curl', ['-sS', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
const saw = (pred: (s: Seen) => boolean) => api.seen.filter(pred);

/** raw bytes to the local port; what comes back until the server closes */
const raw = (bytes: string | Buffer) =>
  new Promise<string>((resolve, reject) => {
    const s = net.connect(conn.port, '127.0.0.1', () => s.end(bytes));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });

describe('hoop connect on an http connection', () => {
  it('relays curl with the agent credential in place of the client one, answers masked', async () => {
    const r = await curl(['-H', 'authorization: Bearer the-clients-own', `${base}/v1/invoices?limit=5`]);
    expect(r.code, r.stderr).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.limit).toBe(5);
    expect(body.data[0].customer_email).toBe('[EMAIL]');
    expect(body.data[0].card_number).not.toContain('4111');
    expect(body.data[0].note).not.toContain('bob@corp.io');
    expect(body.data[0]).toMatchObject({ id: 'in_1', amount: 1250 });
    const got = saw((s) => s.url === '/v1/invoices?limit=5');
    expect(got.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(got.at(-1)?.headers['accept-encoding']).toBe('identity');
  });

  it('denies before the API sees it, however the path is spelled, with a JSON 403 naming hoop and the rule', async () => {
    const before = api.seen.length;
    for (const p of ['/admin/users', '/ADMIN/users', '/v1/../admin/users', '/%61dmin/users', '/v1/%2e%2e/admin/users', '/admin/users/', '/x/.//../admin']) {
      const r = await curl(['--path-as-is', '-i', `${base}${p}`]);
      expect(r.stdout, p).toMatch(/^HTTP\/1\.1 403/);
      expect(r.stdout).toMatch(/x-hoop-rule: no-admin/i);
      const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4));
      expect(json.error).toMatchObject({ source: 'hoop', rule: 'no-admin', decision: 'deny' });
      expect(json.error.message).toBe('blocked by hoop guardrail "no-admin": the admin API is off limits');
    }
    for (const p of ['/admin%2Fusers', '/admin;x=1/users', '/%2561dmin/users', '//admin/users']) {
      const r = await curl(['--path-as-is', '-i', `${base}${p}`]);
      expect(r.stdout, p).toMatch(/^HTTP\/1\.1 400/);
      expect(r.stdout).toMatch(/"source":"hoop"/);
    }
    // a method override is judged as the method it names: DELETE is reviewed by default, so nothing runs meanwhile
    const override = curl(['-i', '-X', 'POST', '-H', 'x-http-method-override: DELETE', `${base}/v1/invoices/9`]);
    const held = await waitFor(
      'the override held',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: '/v1/invoices/9' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(held).toMatchObject({ ruleId: 'http-delete' });
    expect(held.statement).toContain('x-http-method-override: DELETE');
    await stack.vote(held.id, rita, 'reject');
    const refused = await override;
    expect(refused.stdout).toMatch(/^HTTP\/1\.1 403[\s\S]*not approved by hoop review: review [0-9a-f-]+ was rejected/);
    expect(api.seen.length).toBe(before);
  });

  it('streams an event stream event by event, masked', async () => {
    const res = await fetch(`${base}/v1/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    // the API sends its second event only now: the first came through on its own
    expect(text).toBe('event: invoice\ndata: {"id":"in_1","email":"[EMAIL]"}\n\n');
    api.nextEvent();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text).toContain('data: {"id":"in_2","email":"[EMAIL]"}');
    expect(text).not.toContain('example.com');
  });

  it('passes binary bodies with their length, decompresses what the API compressed anyway, masks text by lines', async () => {
    const blob = await fetch(`${base}/v1/blob`);
    expect(blob.headers.get('content-length')).toBe('21');
    expect(Buffer.from(await blob.arrayBuffer()).subarray(0, 6)).toEqual(Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    const gz = await curl(['-i', `${base}/v1/gz`]);
    expect(gz.stdout).not.toMatch(/content-encoding/i);
    expect(gz.stdout).toContain('{"email":"[EMAIL]","ok":true}');
    const text = await curl([`${base}/v1/text`]);
    expect(text.stdout).toBe('first line [EMAIL]\nsecond line\n');
    // the API cannot pass for hoop
    const spoof = await curl(['-i', `${base}/v1/other`]);
    expect(spoof.stdout).not.toMatch(/x-hoop-decision/i);
  });

  it('holds a big refund for review and runs it once approved; a small one runs at once', async () => {
    const small = await curl(['-X', 'POST', '-H', 'content-type: application/json', '-d', '{"amount": 20}', `${base}/v1/refunds`]);
    expect(JSON.parse(small.stdout)).toMatchObject({ method: 'POST', body: '{"amount": 20}' });
    const held = curl(['-X', 'POST', '-H', 'content-type: application/json', '-d', '{"\\u0061mount": 5000}', `${base}/v1/refunds`]);
    const review = await waitFor(
      'a pending review',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: 'POST /v1/refunds' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review.statement).toContain('POST /v1/refunds');
    expect(review.ruleId).toBe('big-refunds');
    expect(saw((s) => s.body.includes('5000'))).toEqual([]);
    await stack.vote(review.id, rita, 'approve');
    const r = await held;
    expect(JSON.parse(r.stdout)).toMatchObject({ method: 'POST', body: '{"\\u0061mount": 5000}' });
    expect(saw((s) => s.body.includes('5000')).length).toBe(1);
    await waitFor('the review in the output', async () => (conn.output().includes(`waiting for approval:`) ? true : null), { timeoutMs: 10_000 });
  });

  it('answers bad input with a clear error and goes on serving', async () => {
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400[\s\S]*"source":"hoop"/);
    expect(await raw(`GET /v1/invoices HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431[\s\S]*over 64 KiB/);
    const file = `${stack.configFile}.big.json`;
    await writeFile(file, `{"amount": 5000, "pad": "${'x'.repeat(1100 * 1024)}"}`);
    const big = await curl(['-i', '-X', 'POST', '-H', 'content-type: application/json', '--data-binary', `@${file}`, `${base}/v1/refunds`]);
    expect(big.stdout).toMatch(/HTTP\/1\.1 413 [\s\S]*"type":"request_too_large"[\s\S]*over 1 MiB/);
    const ok = await curl([`${base}/v1/invoices`]);
    expect(JSON.parse(ok.stdout).data).toHaveLength(2);
  });

  it('records each request in the session: method, path, decision, status, sizes, masked bodies', async () => {
    const events = await waitFor(
      'the requests in the trail',
      async () => {
        const rows = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: [{ at: 'asc' }] });
        const data = rows.map((e) => e.data as Record<string, unknown>);
        return data.some((d) => String(d.sql).startsWith('GET /v1/text')) ? data : null;
      },
      { timeoutMs: 15_000 },
    );
    const inv = events.find((d) => d.sql === 'GET /v1/invoices?limit=5')!;
    expect(inv).toMatchObject({ decision: 'allow', executed: true, status: 200, method: 'GET' });
    expect(JSON.stringify(inv)).not.toContain('ann@example.com');
    expect((inv.response as { body: string }).body).toContain('[EMAIL]');
    expect(events.find((d) => d.sql === 'GET /admin/users')).toMatchObject({ decision: 'deny', ruleId: 'no-admin', executed: false, status: 403 });
    expect(events.find((d) => d.sql === 'GET /v1/blob')).toMatchObject({ response: { binary: true, bytes: 21 } });
    const sessions = new Set((await stack.db.auditEvent.findMany({ where: { type: 'statement' } })).map((e) => e.sessionId));
    // every request of this hoop connect so far went through one session
    expect(sessions.size).toBe(1);
  });
});

describe('hoop exec on an http connection', () => {
  it('runs one request and prints the masked answer', async () => {
    const r = await stack.cli(['exec', 'billing-api', '-i', 'GET /v1/invoices?limit=5']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).data[1].customer_email).toBe('[EMAIL]');
    const denied = await stack.cli(['exec', 'billing-api', '-i', 'GET /admin/keys']);
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain('blocked by hoop guardrail');
    const posted = await stack.cli(['exec', 'billing-api', '-i', 'POST /v1/notes\nx-trace: 7\n\n{"text": "hi"}']);
    expect(JSON.parse(posted.stdout)).toMatchObject({ method: 'POST', body: '{"text": "hi"}' });
    expect(saw((s) => s.url === '/v1/notes').at(-1)?.headers).toMatchObject({ 'x-trace': '7', 'content-type': 'application/json' });
    // hoop policy test judges a request as the agent would, without sending it
    const before = api.seen.length;
    const tested = await stack.cli(['policy', 'test', '-c', 'billing-api', 'POST /v1/refunds\n\n{"amount": 1e4}']);
    expect(tested.code).toBe(3);
    expect(tested.stdout).toMatch(/REVIEW +big-refunds +POST +POST \/v1\/refunds/);
    expect((await stack.cli(['policy', 'test', '-c', 'billing-api', 'GET /v1/%2e%2e/admin/x'])).stdout).toMatch(/blocked by "no-admin"/);
    expect((await stack.cli(['policy', 'test', '-c', 'billing-api', 'GET /v1/invoices'])).code).toBe(0);
    expect(api.seen.length).toBe(before);
    const bad = await stack.cli(['exec', 'billing-api', '-i', 'FETCH']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/METHOD PATH/);
  });
});

describe('the MCP tool http_request', () => {
  it('calls the API through hoop: masked answers, refusals in words, holds with the review to wait for', async () => {
    const mcp = new Client({ name: 'test-agent', version: '1.0.0' });
    await mcp.connect(new StdioClientTransport(hoopMcpServer({ HOOP_CONFIG: stack.configFile })));
    try {
      const got = await callMcpTool(mcp, 'http_request', { connection: 'billing-api', method: 'GET', path: '/v1/invoices?limit=2', reason: 'check invoices' });
      expect(got.isError, got.content[0]?.text).toBeFalsy();
      const answer = got.structuredContent as { status: number; body: string; sessionId: string };
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data[0].customer_email).toBe('[EMAIL]');
      expect(answer.body).not.toContain('ann@example.com');
      const denied = await callMcpTool(mcp, 'http_request', { connection: 'billing-api', method: 'GET', path: '/admin/x', reason: 'look' });
      expect(denied.isError).toBe(true);
      expect(denied.content[0]!.text).toMatch(/^blocked by hoop guardrail "no-admin": the admin API is off limits\. The request was not sent/);
      const args = {
        connection: 'billing-api',
        method: 'POST',
        path: '/v1/refunds',
        body: { amount: 9000 },
        reason: 'refund a duplicate charge',
        waitSeconds: 1,
      };
      const held = await callMcpTool(mcp, 'http_request', args);
      const pending = held.structuredContent as { status: string; reviewId: string };
      expect(pending.status).toBe('pending_review');
      const review = await stack.db.review.findUniqueOrThrow({ where: { id: pending.reviewId } });
      expect(review.statement).toContain('POST /v1/refunds');
      expect(saw((s) => s.body.includes('9000'))).toEqual([]);
      await stack.vote(review.id, rita, 'approve');
      const ran = await callMcpTool(mcp, 'http_request', { ...args, review: pending.reviewId, waitSeconds: 30 });
      expect(ran.isError, ran.content[0]?.text).toBeFalsy();
      expect(JSON.parse((ran.structuredContent as { body: string }).body)).toMatchObject({ method: 'POST', body: '{"amount":9000}' });
      expect(saw((s) => s.body.includes('9000'))).toHaveLength(1);
    } finally {
      await mcp.close();
    }
  });
});
