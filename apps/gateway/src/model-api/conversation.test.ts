/**
 * A conversation's answers on the gateway's side, with credit per exchange: the test plays the agent (keeping to the
 * credit the gateway gives) behind real HTTP clients. A client that stops reading gets no more credit once its
 * response is full, so the gateway holds at most a window of its answer, while another exchange of the conversation
 * is answered whole; read again, the stuck answer arrives whole.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { STREAM_WINDOW, type TunnelStream } from '@hoop/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hoop/devstack';
import { creditOf, encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, FrameKind } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import type { AgentSession } from '../client-link/routing';
import { Conversation, EXCHANGE_CREDIT, EXCHANGE_WINDOW } from './conversation';

const TOTAL = 16 * 1024 * 1024;
const PIECE = 64 * 1024;

/** the agent's side of the stream: what the gateway granted per exchange (-1: no credit per exchange), requests seen */
function fakeAgent() {
  const credit = new Map<number, number>();
  let window = -1;
  const requests: { id: number; path: string }[] = [];
  const onCredit = new Set<() => void>();
  const parser = new ExchangeFrameParser();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk, (f) => {
        if (f.kind === FrameKind.credit && f.exchange === 0) window = creditOf(f.payload)!;
        else if (f.kind === FrameKind.credit) credit.set(f.exchange, (credit.get(f.exchange) ?? 0) + creditOf(f.payload)!);
        else if (f.kind === FrameKind.request) {
          credit.set(f.exchange, window);
          requests.push({ id: f.exchange, path: (JSON.parse(f.payload.toString()) as { path: string }).path });
        }
        for (const fn of onCredit) fn();
      });
      cb();
    },
  });
  return { stream, credit, requests, onCredit, window: () => window };
}

let server: http.Server;
let base: string;
const agent = fakeAgent();
const responses = new Map<string, http.ServerResponse>();
let conversation: Conversation;

beforeAll(async () => {
  const session = {
    sessionId: 's1',
    connectionType: 'anthropic',
    limits: { maxRows: 0, maxBytes: 0 },
    grant: null,
    stream: agent.stream as unknown as TunnelStream,
    agentWindow: STREAM_WINDOW,
    agentCapabilities: [EXCHANGE_CREDIT],
    finish: () => undefined,
  } satisfies AgentSession;
  conversation = new Conversation(session, 60_000, createLogger('test', 'error'), () => undefined);
  server = http.createServer((req, res) => {
    responses.set(req.url!, res);
    conversation.exchange({ method: req.method!, path: req.url!, headers: {} }, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  conversation.end();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** the agent answers exchange `id` with `total` bytes, sending only while it has credit */
function answer(id: number, total: number) {
  const hash = createHash('sha256');
  const state = { sent: 0, hash: '' };
  agent.stream.push(encodeHead(id, FrameKind.response, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
  const pump = () => {
    while (state.sent < total && (agent.credit.get(id) ?? 0) > 0) {
      const piece = Buffer.alloc(Math.min(PIECE, total - state.sent), state.sent % 251);
      hash.update(piece);
      for (const f of encodeBody(id, piece)) agent.stream.push(f);
      agent.credit.set(id, agent.credit.get(id)! - piece.length);
      state.sent += piece.length;
    }
    if (state.sent === total && !state.hash) {
      state.hash = hash.digest('hex');
      agent.stream.push(encodeFrame(id, FrameKind.end));
      agent.onCredit.delete(pump);
    }
  };
  agent.onCredit.add(pump);
  pump();
  return state;
}

describe('credit per exchange at the gateway', () => {
  it('holds back only the answer whose client stopped reading, at most a window of it, and loses none of it', async () => {
    expect(agent.window()).toBe(EXCHANGE_WINDOW);
    let slowSent!: { sent: number; hash: string };
    const slow = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}/slow`, { method: 'POST' }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
      void waitFor('the slow request at the agent', async () => agent.requests.find((r) => r.path === '/slow') ?? null).then((r) => {
        slowSent = answer(r.id, TOTAL);
      });
    });
    const slowId = agent.requests.find((r) => r.path === '/slow')!.id;
    // stuck: the client reads nothing, its response is full, and the agent has no credit left for it
    await waitFor('the slow answer to be stuck', async () => ((agent.credit.get(slowId) ?? 1) <= 0 && responses.get('/slow')?.writableNeedDrain ? true : null));
    expect(responses.get('/slow')!.writableLength).toBeLessThanOrEqual(EXCHANGE_WINDOW + PIECE);

    const quick = fetch(`${base}/quick`, { method: 'POST' }).then(async (r) => Buffer.from(await r.arrayBuffer()));
    const quickId = (await waitFor('the quick request at the agent', async () => agent.requests.find((r) => r.path === '/quick') ?? null)).id;
    const quickSent = answer(quickId, 3 * EXCHANGE_WINDOW);
    const got = await quick;
    expect(got.length).toBe(3 * EXCHANGE_WINDOW);
    expect(createHash('sha256').update(got).digest('hex')).toBe(quickSent.hash);
    expect(agent.credit.get(slowId)!).toBeLessThanOrEqual(0);

    const hash = createHash('sha256');
    let bytes = 0;
    for await (const piece of slow) {
      hash.update(piece as Buffer);
      bytes += (piece as Buffer).length;
    }
    expect(bytes).toBe(TOTAL);
    expect(hash.digest('hex')).toBe(slowSent.hash);
  }, 60_000);
});
