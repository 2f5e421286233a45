/**
 * The policy's limits on Claude Code's model API traffic, through the real gateway and agent against a scripted API:
 * the model allow-list (read from the body as the API reads it, whatever the encoding tricks) and the daily token
 * budget per user (counted in the database, so a second gateway on the same database refuses too). Refusals are
 * API-shaped, nothing of a refused request reaches the API, and each refusal is in the trail.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAnthropic,
  freePort,
  type Service,
  type StackUser,
  startAgentService,
  startFakeAnthropic,
  startGatewayService,
  startTestStack,
  type TestStack,
  waitFor,
} from '@hoop/devstack';

let stack: TestStack;
let api: FakeAnthropic;
let dev: StackUser;
let second: { gateway: Service; agent: Service; url: string } | null = null;

const policy = async (connection: string, name: string, claude: { models?: string[]; dailyTokensPerUser?: number }) => {
  const p = await stack.db.policy.create({ data: { orgId: stack.orgId, name, document: { name, version: 1, claude } } });
  await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: connection }, data: { policyId: p.id } });
};

beforeAll(async () => {
  api = await startFakeAnthropic();
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '400' } });
  for (const name of ['claude-models', 'claude-budget', 'claude-open']) await stack.addConnection(name, 'anthropic', { baseUrl: api.url }, 'sk-ant-test');
  await policy('claude-models', 'model-list', { models: ['claude-haiku-*', 'claude-sonnet-4-5'] });
  await policy('claude-budget', 'token-budget', { dailyTokensPerUser: 1000 });
  dev = await stack.addUser({ role: 'developer', email: 'dev-limits@test.local' });
  await stack.startAgent();
}, 120_000);

afterAll(async () => {
  await second?.agent.stop();
  await second?.gateway.stop();
  await stack?.stop();
  await api?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { type?: string; error?: { type: string; message: string }; content?: unknown[] };
}

/** POSTs `pieces` as the body, each written in its own turn (the gateway gets the body in several frames). */
function post(url: string, pieces: (string | Buffer)[], token = dev.token): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    const write = (i: number) => {
      if (i === pieces.length) return void req.end();
      req.write(pieces[i]!);
      setImmediate(() => write(i + 1));
    };
    write(0);
  });
}

const url = (connection: string, p = '/v1/messages', gateway = stack.gatewayUrl) => `${gateway}/anthropic/${connection}${p}`;
const ask = (connection: string, model: string, token = dev.token, gateway = stack.gatewayUrl) =>
  post(url(connection, '/v1/messages', gateway), [JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })], token);

/** the day's usage row figures of a user on a connection, once `ready` says they are there */
const usage = async (user: StackUser, connection: string, ready: (u: { tokens: number; refused: number }) => boolean) => {
  const conn = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: connection } });
  return waitFor('the usage figures', async () => {
    const rows = await stack.db.modelUsageDay.findMany({ where: { userId: user.id, connectionId: conn.id } });
    const u = {
      tokens: rows.reduce((n, r) => n + Number(r.inputTokens + r.cacheCreationInputTokens + r.outputTokens), 0),
      cacheRead: rows.reduce((n, r) => n + Number(r.cacheReadInputTokens), 0),
      refused: rows.reduce((n, r) => n + r.refused, 0),
    };
    return ready(u) ? u : null;
  });
};

describe('model allow-list', () => {
  it('lets an allowed model through, body unchanged, and refuses another with a permission error before the API hears of it', async () => {
    const body = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const before = api.received.length;
    const ok = await post(url('claude-models'), [body.slice(0, 10), body.slice(10)]);
    expect(ok.status).toBe(200);
    expect(api.received[before]!.body).toBe(body);
    const refused = await ask('claude-models', 'claude-opus-4-1');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      type: 'error',
      error: {
        type: 'permission_error',
        message: 'hoop: model claude-opus-4-1 is not allowed on connection claude-models by policy model-list; allowed: claude-haiku-*, claude-sonnet-4-5',
      },
    });
    expect(api.received.length).toBe(before + 1);
  });

  it('cannot be got around: case, spaces, escapes, duplicate keys, a nested model, a model after megabytes', async () => {
    const before = api.received.length;
    const big = 'x'.repeat(4 * 1024 * 1024);
    const cases: [string, (string | Buffer)[], number][] = [
      ['upper case', ['{"model":"CLAUDE-OPUS-4","max_tokens":5,"messages":[]}'], 403],
      ['mixed case of an allowed name', ['{"model":"Claude-Haiku-4","max_tokens":5,"messages":[]}'], 403],
      ['leading space', ['{"model":" claude-haiku-4","max_tokens":5,"messages":[]}'], 400],
      ['escaped key', ['{"mo\\u0064el":"claude-opus-4","max_tokens":5,"messages":[]}'], 403],
      ['escaped value', ['{"model":"claude-\\u006fpus-4","max_tokens":5,"messages":[]}'], 403],
      ['duplicate key, allowed first', ['{"model":"claude-haiku-4","max_tokens":5,"messages":[],"model":"claude-opus-4"}'], 400],
      ['duplicate key, escaped', ['{"model":"claude-haiku-4","mo\\u0064el":"claude-opus-4"}'], 400],
      ['nested model only', ['{"metadata":{"model":"claude-haiku-4"},"max_tokens":5,"messages":[]}'], 400],
      ['model in a string', ['{"system":"\\"model\\":\\"claude-haiku-4\\"","max_tokens":5,"messages":[]}'], 400],
      ['huge body first', ['{"messages":[{"role":"user","content":"', big, '"}],"max_tokens":5,', '"model":"claude-opus-4"}'], 403],
      ['split inside the key', ['{"max_tokens":5,"messages":[],"mo', 'del":"claude-op', 'us-4"}'], 403],
      ['not JSON', ['{"model":"claude-haiku-4",'], 400],
    ];
    for (const [what, pieces, status] of cases) {
      const r = await post(url('claude-models'), pieces);
      expect(r.status, what).toBe(status);
      expect(r.body.error?.type, what).toBe(status === 403 ? 'permission_error' : 'invalid_request_error');
      expect(r.body.error?.message, what).toMatch(/^hoop: /);
    }
    expect(api.received.length).toBe(before);
    // the same huge body naming an allowed model goes through whole
    const allowed = ['{"messages":[{"role":"user","content":"', big, '"}],"max_tokens":5,', '"model":"claude-haiku-4"}'];
    const r = await post(url('claude-models'), allowed);
    expect(r.status).toBe(200);
    expect(api.received.at(-1)!.body).toBe(allowed.join(''));
  });

  it("applies to count_tokens and a model looked up by id; the list is the API's", async () => {
    const before = api.received.length;
    const count = await post(url('claude-models', '/v1/messages/count_tokens'), ['{"model":"claude-opus-4","messages":[]}']);
    expect(count.status).toBe(403);
    const allowed = await post(url('claude-models', '/v1/messages/count_tokens'), ['{"model":"claude-sonnet-4-5","messages":[]}']);
    expect(allowed.status).toBe(200);
    const get = (p: string) => fetch(url('claude-models', p), { headers: { authorization: `Bearer ${dev.token}` } });
    expect((await get('/v1/models/claude-opus-4')).status).toBe(403);
    expect((await get('/v1/models/claude-haiku-4')).status).toBe(200);
    expect((await get('/v1/models')).status).toBe(200);
    expect(api.received.length).toBe(before + 3);
  });

  it('records each refusal in the trail as a sealed session with the rule, the model and what Claude Code was told', async () => {
    const refused = await ask('claude-models', 'claude-opus-4-trail');
    expect(refused.status).toBe(403);
    const event = await waitFor('the refusal in the trail', async () => {
      const e = await stack.db.auditEvent.findMany({ where: { type: 'model.refused' } });
      return e.find((x) => (x.data as { model?: string }).model === 'claude-opus-4-trail') ?? null;
    });
    expect(event.data).toMatchObject({ rule: 'model-allow-list', policy: 'model-list', status: 403, errorType: 'permission_error', path: '/v1/messages' });
    const session = await stack.db.session.findUniqueOrThrow({ where: { id: event.sessionId } });
    expect(session).toMatchObject({ mode: 'claude', status: 'closed', userId: dev.id, agentId: null });
    const events = await waitFor('the whole refusal session', async () => {
      const e = await stack.db.auditEvent.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
      return e.length === 3 ? e : null;
    });
    expect(events.map((e) => e.type)).toEqual(['session.open', 'model.refused', 'session.close']);
    const row = await stack.db.modelUsageDay.findFirstOrThrow({ where: { userId: dev.id, model: 'claude-opus-4-trail' } });
    expect(row.refused).toBe(1);
    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('lets nothing through while the policy does not validate, not even for an admin', async () => {
    await stack.addConnection('claude-broken', 'anthropic', { baseUrl: api.url }, 'sk-ant-test');
    const p = await stack.db.policy.create({ data: { orgId: stack.orgId, name: 'broken', document: { name: 'broken', claude: { models: 'claude-*' } } } });
    await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: 'claude-broken' }, data: { policyId: p.id } });
    const before = api.received.length;
    const r = await ask('claude-broken', 'claude-haiku-4', stack.adminToken);
    expect(r.status).toBe(403);
    expect(r.body.error?.message).toMatch(/^hoop: the policy broken of connection claude-broken does not validate/);
    expect(api.received.length).toBe(before);
  });

  it('leaves a connection whose policy lists no models alone', async () => {
    const r = await ask('claude-open', 'anything-at-all');
    expect(r.status).toBe(200);
  });
});

describe('daily token budget per user', () => {
  it("refuses once the day's tokens reach the budget, exactly at the edge, with when it resets", async () => {
    const edge = await stack.addUser({ role: 'developer' });
    api.enqueue({ kind: 'text', text: 'a', usage: { input_tokens: 700, output_tokens: 300 } });
    expect((await ask('claude-budget', 'claude-haiku-4', edge.token)).status).toBe(200);
    await usage(edge, 'claude-budget', (u) => u.tokens === 1000);
    const before = api.received.length;
    const refused = await ask('claude-budget', 'claude-haiku-4', edge.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.type).toBe('rate_limit_error');
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(refused.body.error?.message).toBe(
      `hoop: the daily token budget of 1,000 tokens per user on connection claude-budget (policy token-budget) is used up: 1,000 used today (UTC); ` +
        `it resets at ${tomorrow.toISOString()}, in ${refused.body.error?.message.split(', in ')[1]}`,
    );
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    expect(refused.headers['x-should-retry']).toBe('false');
    expect(refused.headers['anthropic-ratelimit-tokens-remaining']).toBe('0');
    expect(api.received.length).toBe(before);
    // counting tokens uses none: it is not refused by the budget
    expect((await post(url('claude-budget', '/v1/messages/count_tokens'), ['{"model":"m","messages":[]}'], edge.token)).status).toBe(200);
    await usage(edge, 'claude-budget', (u) => u.refused === 1);
  });

  it('lets the request that crosses the budget finish (its cost is known only after), then refuses', async () => {
    const under = await stack.addUser({ role: 'developer' });
    api.enqueue({ kind: 'text', text: 'a', usage: { input_tokens: 699, output_tokens: 300 } });
    expect((await ask('claude-budget', 'claude-haiku-4', under.token)).status).toBe(200);
    await usage(under, 'claude-budget', (u) => u.tokens === 999);
    // 999 < 1000: this one goes, and its 49 tokens take the day to 1048
    expect((await ask('claude-budget', 'claude-haiku-4', under.token)).status).toBe(200);
    await usage(under, 'claude-budget', (u) => u.tokens === 1048);
    expect((await ask('claude-budget', 'claude-haiku-4', under.token)).status).toBe(429);
  });

  it('is per user: another user on the same connection is not refused; reads from the prompt cache are not counted', async () => {
    const other = await stack.addUser({ role: 'developer' });
    api.enqueue({ kind: 'text', text: 'a', usage: { input_tokens: 10, output_tokens: 10, cache_read_input_tokens: 50_000 } });
    expect((await ask('claude-budget', 'claude-haiku-4', other.token)).status).toBe(200);
    const u = await usage(other, 'claude-budget', (x) => x.tokens === 20);
    expect(u.cacheRead).toBe(50_000);
    expect((await ask('claude-budget', 'claude-haiku-4', other.token)).status).toBe(200);
  });

  it('holds across two gateways on one database: tokens used through one are refused through the other', async () => {
    const port = await freePort();
    const gateway = await startGatewayService({
      databaseUrl: stack.dbUrl,
      port,
      encryptionKey: stack.encryptionKey,
      webUrl: 'http://localhost:3999',
      env: { HOOP_CLAUDE_IDLE_MS: '400' },
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hoop-agent-b-'));
    const agent = startAgentService({ gatewayUrl: `ws://127.0.0.1:${port}`, key: stack.agentKey, env: { ...stack.secretEnv, HOOP_AGENT_DATA_DIR: dataDir } });
    second = { gateway, agent, url: `http://127.0.0.1:${port}` };
    const b = second.url;
    const wide = await stack.addUser({ role: 'developer' });
    await waitFor('the second gateway to reach the agent', async () => {
      const r = await fetch(url('claude-budget', '/v1/models', b), { headers: { authorization: `Bearer ${wide.token}` } });
      return r.status === 200 ? true : null;
    });
    api.enqueue({ kind: 'text', text: 'a', usage: { input_tokens: 900, output_tokens: 100 } });
    expect((await ask('claude-budget', 'claude-haiku-4', wide.token)).status).toBe(200);
    await usage(wide, 'claude-budget', (u) => u.tokens === 1000);
    const refused = await ask('claude-budget', 'claude-haiku-4', wide.token, b);
    expect(refused.status).toBe(429);
    // and the other way: a user's tokens through the second gateway count on the first
    const back = await stack.addUser({ role: 'developer' });
    api.enqueue({ kind: 'text', text: 'a', usage: { input_tokens: 500, output_tokens: 500 } });
    expect((await ask('claude-budget', 'claude-haiku-4', back.token, b)).status).toBe(200);
    await usage(back, 'claude-budget', (u) => u.tokens === 1000);
    expect((await ask('claude-budget', 'claude-haiku-4', back.token)).status).toBe(429);
    // the second gateway recorded its refusal too
    await usage(wide, 'claude-budget', (u) => u.refused === 1);
  });
});
