import http from 'node:http';
import https from 'node:https';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic, waitFor } from '@hoop/devstack';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, type Frame, FrameKind } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { serveExchanges } from './exchanges';
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

/** a conversation's stream as the agent sees it: `gateway` puts frames on it, `frames` is what the agent framed back */
function conversation() {
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
  let ended: Record<string, unknown> | null = null;
  serveExchanges(stream, {
    upstream: anthropicUpstream({ baseUrl: api.url, connectTimeoutMs: 2000 }, 'sk-test', agents),
    log: createLogger('test', 'error'),
    policy: fixedConversationPolicy(null),
    audit: (type, data) => {
      if (ended) throw new Error(`${type} recorded after the conversation's end`);
      events.push({ type, data });
    },
    onEnd: (_reason, totals) => {
      ended = totals.fields();
      events.push({ type: 'session.close', data: ended });
    },
  });
  return { gateway: (buf: Buffer) => stream.push(buf), endStream: () => stream.push(null), frames, events, ended: () => ended };
}

describe('a conversation on the model API stream', () => {
  it('records the request of an exchange whose answer ended before the request end frame came', async () => {
    const c = conversation();
    // a relayed request (a Messages request is held whole until its end frame, to be masked: held-request.test.ts)
    const body = Buffer.from(JSON.stringify({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'early' }] }));
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length), 'anthropic-version': '2023-06-01' };
    c.gateway(encodeHead(1, FrameKind.request, { method: 'GET', path: '/v1/models', headers }));
    for (const f of encodeBody(1, body)) c.gateway(f);
    // the API has the whole body (its content-length) and answers before the gateway's end frame is read
    await waitFor('the answer to end', async () => c.frames.some((f) => f.exchange === 1 && f.kind === FrameKind.end) || null);
    c.gateway(encodeFrame(1, FrameKind.end));
    c.endStream();
    await waitFor("the conversation's end", async () => c.ended());
    expect(c.events.map((e) => e.type)).toEqual(['model.request', 'model.response', 'session.close']);
    expect(c.events[0]!.data).toMatchObject({ exchange: 1, method: 'GET', model: 'claude-scripted-1', bytes: body.length, truncated: false });
    expect(String(c.events[0]!.data.body)).toContain('early');
    expect(c.events[1]!.data).toMatchObject({ exchange: 1, status: 200 });
  });

  it('records each request once, before its answer, when the end frame comes first', async () => {
    const c = conversation();
    for (const id of [1, 2]) {
      const body = Buffer.from(JSON.stringify({ model: 'claude-scripted-1', max_tokens: 5, messages: [{ role: 'user', content: `n${id}` }] }));
      c.gateway(encodeHead(id, FrameKind.request, { method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json' } }));
      for (const f of encodeBody(id, body)) c.gateway(f);
      c.gateway(encodeFrame(id, FrameKind.end));
      await waitFor(`answer ${id}`, async () => c.frames.some((f) => f.exchange === id && f.kind === FrameKind.end) || null);
    }
    c.endStream();
    await waitFor("the conversation's end", async () => c.ended());
    expect(c.events.map((e) => [e.type, e.data.exchange ?? null])).toEqual([
      ['model.request', 1],
      ['model.response', 1],
      ['model.request', 2],
      ['model.response', 2],
      ['session.close', null],
    ]);
    expect(c.ended()).toMatchObject({ exchanges: 2, failed: 0 });
  });
});
