/**
 * Flow control per exchange on a model API stream: an answer whose client stops reading (the gateway gives its exchange
 * no more credit) pauses that answer at the API, while another exchange on the same stream goes on to its end; once
 * credit comes again the paused answer arrives whole. The gateway's side is played here: it reads every frame at once
 * and grants credit as a client would take the bytes.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hoop/devstack';
import { encodeBody, encodeCredit, encodeFrame, encodeHead, ExchangeFrameParser, type Frame, FrameKind } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { serveExchanges } from './exchanges';
import { fixedConversationPolicy } from './policy';
import { anthropicUpstream } from './upstream';

const WINDOW = 64 * 1024;
/** a long answer: far more than the window and than what the sockets between the API and the agent hold */
const LONG_EVENTS = 12_000;
const WORD = 'x'.repeat(1000);

const sse = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/** What the API wrote of each answer, and whether it is waiting for its client (the agent) to read. */
interface Sent {
  written: number;
  bytes: Buffer[];
  waiting: boolean;
  done: boolean;
}

let server: http.Server;
let base: string;
const sent = new Map<string, Sent>();
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent() };

/** An API answering every Messages request with a streamed text of `x-events` deltas, writing only as fast as it is read. */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      const s: Sent = { written: 0, bytes: [], waiting: false, done: false };
      sent.set(String(req.headers['x-name']), s);
      const write = async (text: string) => {
        const b = Buffer.from(text);
        s.written += b.length;
        s.bytes.push(b);
        if (res.write(b)) return;
        s.waiting = true;
        await new Promise((r) => res.once('drain', r));
        s.waiting = false;
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const message = {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-scripted-1',
        content: [],
        usage: { input_tokens: 3, output_tokens: 1 },
      };
      await write(sse('message_start', { type: 'message_start', message }));
      await write(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      const n = Number(req.headers['x-events']);
      for (let i = 0; i < n; i++) await write(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: WORD } }));
      await write(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
      await write(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: n } }));
      await write(sse('message_stop', { type: 'message_stop' }));
      s.done = true;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  agents.http.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** `reading`: the exchanges whose client reads along, given credit for each piece as it comes */
function conversation() {
  const frames: Frame[] = [];
  const reading = new Set<number>();
  const parser = new ExchangeFrameParser();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk, (f) => {
        frames.push(f);
        if (f.kind === FrameKind.body && reading.has(f.exchange)) stream.push(encodeCredit(f.exchange, f.payload.length));
      });
      cb();
    },
  });
  serveExchanges(stream, {
    upstream: anthropicUpstream({ baseUrl: base, connectTimeoutMs: 2000 }, 'sk-test', agents),
    log: createLogger('test', 'error'),
    policy: fixedConversationPolicy(null),
    audit: () => undefined,
    onEnd: () => undefined,
  });
  const gateway = (buf: Buffer) => stream.push(buf);
  const ask = (id: number, name: string, events: number) => {
    const body = Buffer.from(JSON.stringify({ model: 'claude-scripted-1', max_tokens: 5, stream: true, messages: [{ role: 'user', content: name }] }));
    const headers = { 'content-type': 'application/json', 'x-name': name, 'x-events': String(events) };
    gateway(encodeHead(id, FrameKind.request, { method: 'POST', path: '/v1/messages', headers }));
    for (const f of encodeBody(id, body)) gateway(f);
    gateway(encodeFrame(id, FrameKind.end));
  };
  const body = (id: number) => Buffer.concat(frames.filter((f) => f.exchange === id && f.kind === FrameKind.body).map((f) => f.payload));
  const ended = (id: number) => frames.some((f) => f.exchange === id && (f.kind === FrameKind.end || f.kind === FrameKind.abort));
  return { gateway, ask, body, ended, reading };
}

describe('credit per exchange on a model API stream', () => {
  it('pauses the answer of a client that stops reading at the API, lets the other exchange finish, and loses nothing', async () => {
    const c = conversation();
    c.gateway(encodeCredit(0, WINDOW));
    c.ask(1, 'slow', LONG_EVENTS);
    // the slow exchange is given nothing beyond its window: the API is left waiting for the agent to read
    await waitFor('the API to wait on the slow answer', async () => (sent.get('slow')?.waiting ? true : null));
    c.ask(2, 'quick', 50);
    await waitFor('the other exchange to end', async () => (c.ended(2) ? true : null));
    expect(c.body(2).toString()).toBe(Buffer.concat(sent.get('quick')!.bytes).toString());
    const slow = sent.get('slow')!;
    expect(slow.done).toBe(false);
    expect(slow.waiting).toBe(true);
    // what the agent framed of it: the window and at most one piece the API sent past it
    expect(c.body(1).length).toBeLessThan(WINDOW + 70 * 1024);
    expect(c.body(1).length).toBeGreaterThanOrEqual(WINDOW);
    // the client reads again: credit for what it took, then for each piece as it comes, until the answer ends
    c.reading.add(1);
    c.gateway(encodeCredit(1, c.body(1).length));
    await waitFor('the slow answer to end', async () => (c.ended(1) ? true : null));
    expect(slow.done).toBe(true);
    expect(c.body(1).equals(Buffer.concat(slow.bytes))).toBe(true);
  }, 60_000);

  it('is not flow-controlled per exchange without the credit frame of exchange 0 (a gateway from before it)', async () => {
    const c = conversation();
    c.ask(1, 'unmetered', 400);
    await waitFor('the answer to end', async () => (c.ended(1) ? true : null));
    expect(c.body(1).equals(Buffer.concat(sent.get('unmetered')!.bytes))).toBe(true);
  });

  it('breaks off the stream on a credit frame that is not 4 bytes', async () => {
    const stream = new Duplex({ read() {}, write: (_chunk: Buffer, _e, cb) => cb() });
    serveExchanges(stream, {
      upstream: anthropicUpstream({ baseUrl: base, connectTimeoutMs: 2000 }, 'sk-test', agents),
      log: createLogger('test', 'error'),
      policy: fixedConversationPolicy(null),
      audit: () => undefined,
      onEnd: () => undefined,
    });
    const closed = new Promise<Error | undefined>((r) => stream.once('close', () => r(stream.errored ?? undefined)));
    stream.push(encodeFrame(0, FrameKind.credit, Buffer.from([1, 2])));
    expect(String(await closed)).toMatch(/credit frame must hold 4 bytes/);
  });
});
