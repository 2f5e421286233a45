import { createServer, type Server } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAnthropic, startFakeAnthropic, waitFor } from '@hoop/devstack';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, type Frame, FrameKind, parseResponseHead } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { initShellGuard } from '@hoop/pipeline';
import { serveExchanges } from './exchanges';
import { blocks, reviewDesk } from './guard-test-kit';
import { fixedConversationPolicy } from './policy';
import { anthropicUpstream } from './upstream';

/** The guard on answers as a conversation's exchanges carry them: heads, lengths, aborts (exchanges.ts, answer.ts). */

let api: FakeAnthropic;
let gzipped: Server;
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

beforeAll(async () => {
  await initShellGuard();
  api = await startFakeAnthropic();
  // an API that compresses its answer whatever it is asked
  gzipped = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"type":"message","content":[]}'));
  });
  await new Promise<void>((r) => gzipped.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  agents.http.destroy();
  gzipped?.close();
  await api?.stop();
});

function conversation(policy: unknown, o: { baseUrl?: string; reviews?: ReturnType<typeof reviewDesk> } = {}) {
  const frames: Frame[] = [];
  const parser = new ExchangeFrameParser();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk, (f) => frames.push({ ...f, payload: Buffer.from(f.payload) }));
      cb();
    },
  });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  serveExchanges(stream, {
    upstream: anthropicUpstream({ baseUrl: o.baseUrl ?? api.url, connectTimeoutMs: 2000 }, 'sk-test', agents),
    log: createLogger('test', 'error'),
    policy: fixedConversationPolicy(policy, o.reviews ? { requestReview: o.reviews.requestReview } : {}),
    audit: (type, data) => void events.push({ type, data }),
    onEnd: () => undefined,
  });
  const ask = (id: number, body: Record<string, unknown>) => {
    const bytes = Buffer.from(JSON.stringify({ model: 'claude-scripted-1', max_tokens: 50, messages: [{ role: 'user', content: 'go' }], ...body }));
    const headers = { 'content-type': 'application/json', 'content-length': String(bytes.length), 'anthropic-version': '2023-06-01' };
    stream.push(encodeHead(id, FrameKind.request, { method: 'POST', path: '/v1/messages', headers }));
    for (const f of encodeBody(id, bytes)) stream.push(f);
    stream.push(encodeFrame(id, FrameKind.end));
  };
  const of = (id: number) => frames.filter((f) => f.exchange === id);
  return {
    ask,
    abort: (id: number) => stream.push(encodeFrame(id, FrameKind.abort, Buffer.from('{"message":"gone"}'))),
    events,
    ended: (id: number) => of(id).some((f) => f.kind === FrameKind.end || f.kind === FrameKind.abort),
    head: (id: number) => {
      const h = parseResponseHead(of(id).find((f) => f.kind === FrameKind.response)!.payload);
      if (typeof h === 'string') throw new Error(h);
      return h;
    },
    body: (id: number) =>
      Buffer.concat(
        of(id)
          .filter((f) => f.kind === FrameKind.body)
          .map((f) => f.payload),
      ).toString('utf8'),
  };
}

describe('answers of a conversation, guarded', () => {
  it('sends an answer that was not streamed, rewritten, with its new content-length', async () => {
    const c = conversation(null);
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command: 'rm -rf /' }, text: 'wiping' });
    c.ask(1, { stream: false });
    await waitFor('the answer', async () => (c.ended(1) ? true : null));
    const body = c.body(1);
    expect(c.head(1).headers['content-length']).toBe(String(Buffer.byteLength(body)));
    const m = JSON.parse(body) as { content: { type: string; text?: string }[]; stop_reason: string };
    expect(m.content.map((b) => b.type)).toEqual(['text', 'text']);
    expect(m.content[1]!.text).toMatch(/^blocked by hoop guardrail "rm-recursive-broad"/);
    expect(m.stop_reason).toBe('end_turn');
    expect(c.events.map((e) => e.type)).toEqual(['model.request', 'model.tool_use', 'model.response']);
    // the trail keeps what the model said
    expect(String(c.events[2]!.data.body)).toContain('rm -rf /');
  });

  it('relays an allowed answer that was not streamed byte for byte, with the API head', async () => {
    const c = conversation(null);
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command: 'ls' } });
    c.ask(2, { stream: false });
    await waitFor('the answer', async () => (c.ended(2) ? true : null));
    expect(c.body(2)).toBe(String(c.events.find((e) => e.type === 'model.response')!.data.body));
    expect(c.head(2).headers['request-id']).toBeTruthy();
  });

  it('abandons a review when the client goes away while the call is held: nothing of the call is sent', async () => {
    const reviews = reviewDesk();
    const c = conversation({ name: 'p', guardrails: { shell: { rules: [{ id: 'rv', action: 'review', match: { commands: ['touch'] } }] } } }, { reviews });
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command: 'touch /tmp/x' }, text: 'touching' });
    c.ask(3, { stream: true });
    await waitFor('the review request', async () => reviews.asked[0] ?? null);
    c.abort(3);
    await waitFor('the review to be cancelled', async () => (reviews.asked[0]!.cancelled ? true : null));
    expect(c.body(3)).not.toContain('tool_use"');
    expect(c.ended(3)).toBe(false);
    reviews.asked[0]!.update({ status: 'approved', reviewId: 'rev-1' });
    // a decision reaches the hold in a microtask: by the next turn it would have acted
    await new Promise((r) => setImmediate(r));
    expect(c.body(3)).not.toContain('tool_use"');
    expect(blocks(c.body(3)).blocks.map((b) => b.type)).toEqual(['text']);
    expect(c.events.filter((e) => e.type === 'model.tool_use').map((e) => e.data)).toEqual([
      expect.objectContaining({ verdict: 'review', outcome: 'blocked', abandoned: 'the client went away' }),
    ]);
  });

  it('refuses a Messages answer compressed despite identity being asked for: it cannot be judged', async () => {
    const c = conversation(null, { baseUrl: `http://127.0.0.1:${(gzipped.address() as AddressInfo).port}` });
    c.ask(4, { stream: false });
    await waitFor('the answer', async () => (c.ended(4) ? true : null));
    expect(c.head(4).status).toBe(502);
    expect(c.body(4)).toMatch(/compressed \(gzip\), which hoop cannot read/);
  });
});
