/**
 * The model API through hoop, as Claude Code reaches it (`ANTHROPIC_BASE_URL=<gateway>/anthropic/<connection>`), driven
 * with plain HTTP against a scripted Anthropic-compatible API: streamed answers arrive event by event, headers, query
 * and body reach the API unchanged, the hoop token never does and the org's key does, the API's errors come back as it
 * sent them, and each conversation is a session in the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, type StackUser, type TestStack, startFakeAnthropic, startTestStack, waitFor } from '@hoop/devstack';

const REAL_KEY = `sk-ant-api03-${randomBytes(12).toString('hex')}`;
let stack: TestStack;
let api: FakeAnthropic;
let dev: StackUser;
let base: string;

beforeAll(async () => {
  api = await startFakeAnthropic();
  // conversations end soon after their last exchange, so a test sees their session closed; a test whose requests must
  // share one conversation keeps an exchange open between them instead of counting on this being long enough
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '400' } });
  await stack.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, REAL_KEY);
  // nothing listens on port 9 of loopback (discard): the agent cannot reach this one
  await stack.addConnection('claude-down', 'anthropic', { baseUrl: 'http://127.0.0.1:9', connectTimeoutMs: 2000 }, REAL_KEY);
  await stack.addPostgresConnection('plain-pg', 'postgres://postgres@127.0.0.1:5432/postgres');
  await stack.addConnection('claude-admins', 'anthropic', { baseUrl: api.url }, REAL_KEY);
  const policy = await stack.db.policy.create({
    data: { orgId: stack.orgId, name: 'model-admins', document: { name: 'model-admins', version: 1, access: { claude: ['admin'] } } },
  });
  await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: 'claude-admins' }, data: { policyId: policy.id } });
  dev = await stack.addUser({ role: 'developer', email: 'dev-claude@test.local' });
  await stack.startAgent();
  base = `${stack.gatewayUrl}/anthropic/claude-api`;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

const messages = (body: Record<string, unknown>, headers: Record<string, string> = {}, token = dev.token, url = `${base}/v1/messages?beta=true`) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });

describe('the model API through hoop', () => {
  it('relays a streamed answer event by event: the first events arrive while the API still holds the rest', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    api.enqueue({ kind: 'text', text: 'first second third', hold });
    const res = await messages({ model: 'claude-scripted-1', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"text":"first "')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the answer ended early: ${seen}`);
      seen += Buffer.from(value).toString('utf8');
    }
    // the API has not sent the rest yet: what arrived came before the end of the answer
    expect(seen).toContain('event: message_start');
    expect(seen).not.toContain('message_stop');
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString('utf8');
    }
    expect(seen).toContain('"text":"third"');
    expect(seen.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });

  it('stops the request upstream when the client goes away mid-answer, and the conversation goes on', async () => {
    let release!: () => void;
    api.enqueue({ kind: 'text', text: 'never read to the end', hold: new Promise<void>((r) => (release = r)) });
    const conversation = `abort-${randomBytes(4).toString('hex')}`;
    const h = { 'x-claude-code-session-id': conversation };
    const ctl = new AbortController();
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      signal: ctl.signal,
      headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...h },
      body: JSON.stringify({ model: 'claude-scripted-1', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    const aborted = await waitFor('the abort in the trail', async () => {
      const s = await stack.db.session.findFirst({ where: { mode: 'claude', clientInfo: { path: ['conversation'], equals: conversation } } });
      return s ? stack.db.auditEvent.findFirst({ where: { sessionId: s.id, type: 'model.abort' } }) : null;
    });
    expect(aborted.data).toMatchObject({ reason: 'the client went away' });
    release();
    const next = await messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'again' }] }, h);
    expect(next.status).toBe(200);
    expect(((await next.json()) as { content: { text: string }[] }).content[0]!.text).toBe('hello from the scripted model');
  });

  it("lets a conversation's other requests finish while one client does not read its long answer, which then arrives whole", async () => {
    const words = 12_000;
    api.enqueue({ kind: 'text', text: `${'y'.repeat(999)} `.repeat(words) });
    const h = { 'x-claude-code-session-id': `slow-${randomBytes(4).toString('hex')}` };
    const body = JSON.stringify({ model: 'claude-scripted-1', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'long' }] });
    // a client that takes the answer's head and then stops reading: 12 MB, more than the sockets on the way hold
    const slow = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...h },
      });
      req.on('response', (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(slow.statusCode).toBe(200);
    // (that the side request is not held back once the slow answer is stuck is shown, with the stall made certain,
    // by apps/agent/src/anthropic/exchange-credit.test.ts; here the whole path: both answers whole, none cut)
    // a side request of the same conversation, answered in full while the slow client still reads nothing
    const quick = await messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'title?' }] }, h);
    expect(((await quick.json()) as { content: { text: string }[] }).content[0]!.text).toBe('hello from the scripted model');
    let text = '';
    slow.setEncoding('utf8');
    for await (const piece of slow) text += piece;
    expect(text.split('"type":"text_delta"').length - 1).toBe(words);
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  }, 60_000);

  it('passes headers, query and body unchanged, with the org key instead of the hoop token', async () => {
    const before = api.received.length;
    const body = { model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'hé ✓' }], some_future_field: { nested: [1, 2] } };
    const res = await messages(body, { 'anthropic-beta': 'claude-code-20250219,context-1m-2025-08-07', 'x-custom-thing': 'kept' });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { content: { text: string }[]; usage: { input_tokens: number } };
    expect(answer.content[0]!.text).toBe('hello from the scripted model');
    const got = api.received[before]!;
    expect(got.url).toBe('/v1/messages?beta=true');
    expect(got.body).toBe(JSON.stringify(body));
    expect(got.headers['anthropic-version']).toBe('2023-06-01');
    expect(got.headers['anthropic-beta']).toBe('claude-code-20250219,context-1m-2025-08-07');
    expect(got.headers['x-custom-thing']).toBe('kept');
    expect(got.headers['x-api-key']).toBe(REAL_KEY);
    expect(got.headers.authorization).toBeUndefined();
    expect(JSON.stringify(got)).not.toContain(dev.token);
  });

  it('takes the hoop token as x-api-key too (ANTHROPIC_API_KEY), and never passes it on', async () => {
    const before = api.received.length;
    const res = await fetch(`${base}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': dev.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-scripted-1', messages: [{ role: 'user', content: 'count me' }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect(api.received[before]!.headers['x-api-key']).toBe(REAL_KEY);
    const models = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${dev.token}` } });
    expect(((await models.json()) as { data: { id: string }[] }).data[0]!.id).toBe('claude-scripted-1');
  });

  it("returns the API's errors as it sent them: 429 with retry-after, 529 overloaded", async () => {
    api.enqueue(
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '7' } },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
    );
    const limited = await messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    const overloaded = await messages({ model: 'claude-scripted-1', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] });
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('refuses a wrong or missing hoop token with an API-shaped 401, and the API hears nothing', async () => {
    const before = api.received.length;
    const wrong = await messages({ model: 'm', max_tokens: 1, messages: [] }, {}, 'not-a-hoop-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(/^hoop: .*not valid/) } });
    const none = await fetch(`${base}/v1/messages`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    // the org's real key is no hoop token either
    const real = await messages({ model: 'm', max_tokens: 1, messages: [] }, {}, REAL_KEY);
    expect(real.status).toBe(401);
    expect(api.received.length).toBe(before);
  });

  it('stops taking a revoked token within seconds (accepted tokens are taken again for 5 s without asking the database)', async () => {
    const tester = await stack.addUser({ role: 'developer', email: `revoked-${randomBytes(3).toString('hex')}@test.local` });
    const ask = () => messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {}, tester.token);
    expect((await ask()).status).toBe(200);
    await stack.db.apiToken.updateMany({ where: { userId: tester.id }, data: { revokedAt: new Date() } });
    const started = Date.now();
    await waitFor('the revoked token to be refused', async () => ((await ask()).status === 401 ? true : null), { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('passes only the Messages API and the model list; other paths and connections are refused in API words', async () => {
    const other = await fetch(`${base}/v1/organizations/me`, { headers: { authorization: `Bearer ${dev.token}` } });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
    // sent as written (fetch would resolve the dots before sending)
    const raw = (p: string) =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: stack.gatewayPort, path: `/anthropic/claude-api${p}`, headers: { authorization: `Bearer ${dev.token}` } }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
          .on('error', reject),
      );
    expect(await raw('/v1/models/claude-scripted-1')).toBe(200);
    for (const sneaky of ['/v1/models/..', '/v1/models/.', '/v1/messages/../organizations', '/v1/models/%2e%2e']) expect(await raw(sneaky), sneaky).toBe(404);
    const pg = await messages({ model: 'm', max_tokens: 1, messages: [] }, {}, dev.token, `${stack.gatewayUrl}/anthropic/plain-pg/v1/messages`);
    expect(pg.status).toBe(403);
    expect(((await pg.json()) as { error: { message: string } }).error.message).toMatch(/not a model API connection/);
    const missing = await messages({ model: 'm', max_tokens: 1, messages: [] }, {}, dev.token, `${stack.gatewayUrl}/anthropic/nope/v1/messages`);
    expect(missing.status).toBe(404);
    // and the model API connection is not a database or a shell: hoop exec cannot reach it in another mode
    const exec = await stack.cli(['exec', 'claude-api', '-i', 'select 1']);
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toMatch(/serves Claude Code's model API requests only/);
  });

  it("keeps the model API to the roles the policy's access section names for mode claude", async () => {
    const before = api.received.length;
    const url = `${stack.gatewayUrl}/anthropic/claude-admins/v1/messages`;
    const denied = await messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {}, dev.token, url);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      error: { type: 'permission_error', message: expect.stringMatching(/does not let the developer role use claude/) },
    });
    expect(api.received.length).toBe(before);
    const admin = await messages({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {}, stack.adminToken, url);
    expect(admin.status).toBe(200);
  });

  it('cuts the answer when the API drops the connection mid-answer, and records why', async () => {
    const conversation = `cut-${randomBytes(4).toString('hex')}`;
    api.enqueue({ kind: 'text', text: 'broken off here', cut: true });
    const res = await messages(
      { model: 'claude-scripted-1', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'x' }] },
      { 'x-claude-code-session-id': conversation },
    );
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const error = await waitFor('the break in the trail', async () => {
      const s = await stack.db.session.findFirst({ where: { mode: 'claude', clientInfo: { path: ['conversation'], equals: conversation } } });
      return s ? stack.db.auditEvent.findFirst({ where: { sessionId: s.id, type: 'model.error' } }) : null;
    });
    expect(error.data).toMatchObject({ message: expect.stringMatching(/^the model API's answer broke off/) });
  });

  it('answers an unreachable API with an API-shaped 502 that names it', async () => {
    const url = `${stack.gatewayUrl}/anthropic/claude-down/v1/messages`;
    const res = await messages({ model: 'm', max_tokens: 1, messages: [] }, {}, dev.token, url);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(body.error.message).toMatch(/could not reach the model API at http:\/\/127\.0\.0\.1:9/);
    expect(body.error.message).not.toContain(REAL_KEY);
  });

  it('records a conversation as one session: requests, answers, usage, tool calls, and its end', async () => {
    const conversation = `conv-${randomBytes(4).toString('hex')}`;
    const h = { 'x-claude-code-session-id': conversation };
    // an answer held open keeps the conversation from its idle end (HOOP_CLAUDE_IDLE_MS) however long the test stalls
    // between the two requests: the conversation ends only once it is over (exchange 1, left out of what is asserted)
    let release!: () => void;
    api.enqueue({ kind: 'text', text: 'kept open', hold: new Promise<void>((r) => (release = r)) });
    const keeper = await messages({ model: 'claude-scripted-1', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'keep' }] }, h);
    const kept = keeper.body!.getReader();
    await kept.read();
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command: 'ls -la /srv', description: 'list' }, text: 'Let me look.' });
    const first = await messages({ model: 'claude-scripted-1', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'look around' }] }, h);
    await first.text();
    const second = await messages({ model: 'claude-scripted-1', max_tokens: 50, messages: [{ role: 'user', content: 'and now?' }] }, h);
    await second.json();
    release();
    while (!(await kept.read()).done) {}
    const session = await waitFor('the conversation to close', async () => {
      const s = await stack.db.session.findFirst({ where: { mode: 'claude', clientInfo: { path: ['conversation'], equals: conversation } } });
      return s?.status === 'closed' ? s : null;
    });
    const all = await waitFor('its events', async () => {
      const e = await stack.db.auditEvent.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
      return e.some((x) => x.type === 'session.close') ? e : null;
    });
    expect(all.filter((e) => (e.data as { exchange?: number }).exchange === 1).map((e) => e.type)).toEqual(['model.request', 'model.response']);
    const events = all.filter((e) => (e.data as { exchange?: number }).exchange !== 1);
    const seen = JSON.stringify(events.map((e) => [Number(e.seq), e.type, e.data]));
    expect(
      events.map((e) => e.type),
      seen,
    ).toEqual(['session.open', 'model.request', 'model.tool_use', 'model.response', 'model.request', 'model.response', 'session.close']);
    const [, req1, call, res1, , res2, close] = events.map((e) => e.data as Record<string, unknown>);
    // the Bash call the answer carries, judged as it passed
    expect(call).toEqual({
      exchange: 2,
      toolUseId: expect.stringMatching(/^toolu_/),
      tool: 'Bash',
      input: '{"command":"ls -la /srv","description":"list"}',
      verdict: 'allow',
      rule: null,
      outcome: 'passed',
    });
    expect(req1).toMatchObject({ method: 'POST', path: '/v1/messages?beta=true', model: 'claude-scripted-1', truncated: false });
    expect((req1 as { headers: Record<string, string> }).headers).toMatchObject({ 'anthropic-version': '2023-06-01' });
    expect(Object.keys((req1 as { headers: Record<string, string> }).headers)).not.toContain('x-api-key');
    expect(String(req1!.body)).toContain('look around');
    expect(res1).toMatchObject({
      status: 200,
      model: 'claude-scripted-1',
      stopReason: 'tool_use',
      usage: { inputTokens: 42, outputTokens: 7 },
      toolUses: [{ name: 'Bash', input: '{"command":"ls -la /srv","description":"list"}' }],
      text: 'Let me look.',
    });
    expect(res2).toMatchObject({ status: 200, stopReason: 'end_turn', usage: { inputTokens: 42, outputTokens: 7 } });
    expect(close).toMatchObject({ exchanges: 3, toolUses: 1, usage: { inputTokens: 126, outputTokens: 21 }, models: ['claude-scripted-1'] });
    const trail = JSON.stringify(events.map((e) => e.data));
    expect(trail).not.toContain(REAL_KEY);
    expect(trail).not.toContain(dev.token);
    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('hoop claude configure: several model API connections need --connection; a project gets settings.local.json; a dry run hides the token', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hoop-claude-project-'));
    const several = await stack.cli(['claude', 'configure'], { env: { HOME: dir } });
    expect(several.code).not.toBe(0);
    expect(several.stderr).toMatch(/several model API connections \(.*claude-api.*\): name one with --connection/);
    const dry = await stack.cli(['claude', 'configure', '--connection', 'claude-api', '--dry-run'], { env: { HOME: dir } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('"ANTHROPIC_AUTH_TOKEN": "<your hoop token>"');
    expect(dry.stdout).not.toContain(stack.adminToken);
    const r = await stack.cli(['claude', 'configure', '--connection', 'claude-api', '--scope', 'project'], { env: { HOME: dir }, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const local = JSON.parse(readFileSync(path.join(dir, '.claude', 'settings.local.json'), 'utf8')) as { env: Record<string, string> };
    expect(local.env).toEqual({ ANTHROPIC_BASE_URL: `${stack.gatewayUrl}/anthropic/claude-api`, ANTHROPIC_AUTH_TOKEN: stack.adminToken });
  });
});
