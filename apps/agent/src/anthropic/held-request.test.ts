import http from 'node:http';
import https from 'node:https';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic, waitFor } from '@hoop/devstack';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, type Frame, FrameKind } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { MemoryBudget } from '../session/memory-budget';
import { serveExchanges } from './exchanges';
import { apiPathOf, HeldBody } from './held-request';
import { fixedConversationPolicy } from './policy';
import { anthropicUpstream } from './upstream';

let api: FakeAnthropic;
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

beforeAll(async () => {
  api = await startFakeAnthropic();
});

afterAll(async () => {
  agents.http.destroy();
  await api?.stop();
});

const EMAIL = 'ann.lee@example.com';

/** a conversation on the agent's side of the stream; `send` puts one request on it and gives its answer */
function conversation(budget?: MemoryBudget) {
  const frames: Frame[] = [];
  const parser = new ExchangeFrameParser();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk, (f) => frames.push(f));
      cb();
    },
  });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  serveExchanges(stream, {
    upstream: anthropicUpstream({ baseUrl: api.url, connectTimeoutMs: 2000 }, 'sk-test', agents),
    log: createLogger('test', 'error'),
    policy: fixedConversationPolicy(null),
    audit: (type, data) => events.push({ type, data }),
    onEnd: () => undefined,
    ...(budget ? { budget } : {}),
  });
  let next = 1;
  const put = (buf: Buffer) => stream.push(buf);
  /** one request; `end: false` leaves its end frame unsent */
  const send = async (method: string, path: string, body: Buffer | null, o: { headers?: Record<string, string>; end?: boolean } = {}) => {
    const id = next++;
    put(encodeHead(id, FrameKind.request, { method, path, headers: { 'content-type': 'application/json', ...o.headers } }));
    if (body) for (const f of encodeBody(id, body)) put(f);
    if (o.end === false) return { id, status: 0, body: '' };
    put(encodeFrame(id, FrameKind.end));
    await waitFor(`answer ${id}`, async () => frames.some((f) => f.exchange === id && f.kind === FrameKind.end) || null);
    const head = frames.find((f) => f.exchange === id && f.kind === FrameKind.response)!;
    const answer = Buffer.concat(frames.filter((f) => f.exchange === id && f.kind === FrameKind.body).map((f) => f.payload)).toString();
    return { id, status: (JSON.parse(head.payload.toString()) as { status: number }).status, body: answer };
  };
  const event = (type: string, id: number) => events.find((e) => e.type === type && e.data.exchange === id)?.data;
  return { send, put, event, events };
}

const toolResultBody = (output: string) =>
  Buffer.from(
    JSON.stringify({
      model: 'claude-scripted-1',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'list the customers' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat customers.txt' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: output }] },
      ],
    }),
  );

describe('Messages requests are held whole and masked before they go on', () => {
  it('sends the masked body with its own content-length, and records the masked body and what was masked', async () => {
    const c = conversation();
    const before = api.received.length;
    const body = toolResultBody(`ann ${EMAIL} 4111 1111 1111 1111`);
    const r = await c.send('POST', '/v1/messages?beta=true', body, { headers: { 'content-length': String(body.length) } });
    expect(r.status).toBe(200);
    const got = api.received.slice(before);
    expect(got.map((g) => g.url)).toEqual(['/v1/messages?beta=true']);
    expect(got[0]!.body).toContain('ann [EMAIL] [CARD]');
    expect(got[0]!.body).not.toContain(EMAIL);
    expect(Number(got[0]!.headers['content-length'])).toBe(Buffer.byteLength(got[0]!.body));
    const rec = c.event('model.request', r.id)!;
    expect(rec.body).toBe(got[0]!.body);
    expect(rec).toMatchObject({ method: 'POST', model: 'claude-scripted-1', masked: { values: { email: 1, card: 1 } } });
    expect((rec.masked as { toolResults: unknown }).toolResults).toEqual({ Bash: { checked: 1, passed: 0, values: { email: 1, card: 1 } } });
    expect(JSON.stringify(c.events)).not.toContain(EMAIL);
  });

  it('sends the very bytes that came when there is nothing to mask, count_tokens too', async () => {
    const c = conversation();
    const before = api.received.length;
    const body = Buffer.from('{"model":"claude-scripted-1",   "max_tokens":5,"messages":[{"role":"user","content":"caf\\u00e9"}]}');
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) expect((await c.send('POST', path, body)).status).toBe(200);
    expect(api.received.slice(before).map((g) => g.body)).toEqual([body.toString(), body.toString()]);
    expect(c.events.filter((e) => e.type === 'model.request').map((e) => e.data.unchanged)).toEqual([true, true]);
  });

  it('refuses a body it cannot read with an API-shaped 400, records no body, and sends nothing', async () => {
    const c = conversation();
    const before = api.received.length;
    const r = await c.send('POST', '/v1//messages/', Buffer.from(`{"messages":[{"role":"user","content":"${EMAIL}"}`));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^hoop: the request body is not JSON/) },
    });
    expect(api.received.length).toBe(before);
    expect(c.event('model.request', r.id)).toMatchObject({ bytes: 0, body: '', refused: expect.stringMatching(/not JSON/), heldBytes: expect.any(Number) });
    expect(c.event('model.response', r.id)).toMatchObject({ status: 400, answeredBy: 'hoop' });
  });

  it('refuses a request that breaks masking, nested past what the runtime can walk, and sends nothing', async () => {
    const c = conversation();
    const before = api.received.length;
    const depth = 200_000;
    const deep = Buffer.from(`{"model":"m","messages":[{"role":"user","content":"${EMAIL}"}],"metadata":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const r = await c.send('POST', '/v1/messages', deep);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body).error.message).toMatch(/^hoop: the agent could not mask the request \(Maximum call stack size exceeded\)/);
    expect(api.received.length).toBe(before);
  });

  it('refuses a body over the limit as it announces it (413), and one over the agent budget as it comes (529)', async () => {
    const c = conversation(new MemoryBudget(1024));
    const big = await c.send('POST', '/v1/messages', null, { headers: { 'content-length': String(33 * 1024 * 1024) } });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error).toMatchObject({ type: 'request_too_large', message: expect.stringMatching(/over 32 MiB/) });
    const over = await c.send('POST', '/v1/messages', toolResultBody('x'.repeat(2000)));
    expect(over.status).toBe(529);
    expect(JSON.parse(over.body).error.message).toMatch(/HOOP_AGENT_INPUT_BUDGET_MB/);
    // the budget is given back: a small request goes through
    expect((await c.send('POST', '/v1/messages', toolResultBody('ok'))).status).toBe(200);
  });

  it('refuses a compressed body, and any request with a body to another path; relays GET', async () => {
    const c = conversation();
    const before = api.received.length;
    expect((await c.send('POST', '/v1/messages', toolResultBody(EMAIL), { headers: { 'content-encoding': 'gzip' } })).status).toBe(400);
    expect((await c.send('POST', '/v1/messages/batches', toolResultBody(EMAIL))).status).toBe(404);
    expect((await c.send('PUT', '/v1/models', toolResultBody(EMAIL))).status).toBe(404);
    expect(api.received.length).toBe(before);
    expect((await c.send('GET', '/v1/models', null)).status).toBe(200);
  });

  it('sends nothing of a request whose client went away before its end, and records that', async () => {
    const c = conversation();
    const before = api.received.length;
    const r = await c.send('POST', '/v1/messages', toolResultBody(EMAIL), { end: false });
    c.put(encodeFrame(r.id, FrameKind.abort));
    const rec = await waitFor('the request record', async () => c.event('model.request', r.id) ?? null);
    expect(rec).toMatchObject({ bytes: 0, notSent: expect.stringMatching(/went away/) });
    expect(api.received.length).toBe(before);
  });
});

describe('held bodies and paths', () => {
  it('counts a held body in the budget while it is held', () => {
    const budget = new MemoryBudget(100);
    const held = new HeldBody(budget, 60);
    expect(held.add(Buffer.alloc(50))).toBeNull();
    expect(budget.inUse).toBe(50);
    expect(held.add(Buffer.alloc(20))).toMatchObject({ status: 413 });
    held.release();
    expect(budget.inUse).toBe(0);
  });

  it('reads a path as a server could', () => {
    expect(apiPathOf('/v1/messages?beta=true')).toBe('/v1/messages');
    expect(apiPathOf('/V1//Messages/./')).toBe('/v1/messages');
    expect(apiPathOf('/v1/x/../messages%2Fcount_tokens')).toBe('/v1/messages/count_tokens');
    expect(apiPathOf('/v1/%E0%A4%A')).toBeNull();
  });
});
