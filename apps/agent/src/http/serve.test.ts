import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, type Frame, FrameKind, parseResponseHead } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { policyFor } from '../session/policy-hooks';
import { type AgentConnection, httpTargetConfigFrom, type HttpTargetConfig } from '@hoop/protocol';
import type { ReviewUpdate } from '../session/hooks';
import { MemoryBudget } from '../session/memory-budget';
import { hooksFor } from '../session/policy-hooks';
import { serveHttpSession } from './serve';
import { httpTarget } from './upstream';

/** The API the agent relays to: it answers what the test sets for the path, and keeps what it was sent. */
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
const closed: string[] = [];
/** requests to /no-read: their bodies left unread, their connections closed by the test */
const unread: http.IncomingMessage[] = [];
let api: http.Server;
let url: string;
beforeAll(async () => {
  api = http.createServer((req, res) => {
    if (req.url === '/no-read') return void unread.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.on('close', () => closed.push(req.url!));
      if (req.url === '/slow-json') {
        // a JSON document written a few bytes at a time
        const doc = Buffer.from(JSON.stringify({ users: [{ email: 'ann@example.com', id: 1 }], note: 'mail bob@corp.io' }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': doc.length });
        let at = 0;
        const step = () => {
          if (at >= doc.length) return void res.end();
          res.write(doc.subarray(at, at + 3));
          at += 3;
          setImmediate(step);
        };
        return step();
      }
      if (req.url === '/forever') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.write('first\n');
      }
      if (req.url === '/zstd') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
        return void res.end('xx');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, email: 'carl@example.com' }));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
});

interface Opts {
  config?: Record<string, unknown>;
  policy?: unknown;
  readOnly?: boolean;
  secret?: string;
  review?: (sql: string, on: (u: ReviewUpdate) => void) => void;
}

/** one session: `send` puts a request on its stream, `answer` reads what came back for an exchange */
function session(o: Opts = {}) {
  const frames: Frame[] = [];
  const parser = new ExchangeFrameParser();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      parser.push(chunk, (f) => frames.push({ ...f, payload: Buffer.from(f.payload) }));
      cb();
    },
  });
  const conn: AgentConnection = {
    id: 'c1',
    name: 'billing-api',
    type: 'http',
    config: { baseUrl: url, ...o.config },
    secretRef: null,
    readOnly: o.readOnly ?? false,
    policy: o.policy ?? null,
  };
  const config = httpTargetConfigFrom(conn.config) as HttpTargetConfig;
  const hooks = hooksFor(() => conn, 'k');
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const requestReview = o.review
    ? (r: { sql: string }, on: (u: ReviewUpdate) => void) => {
        o.review!(r.sql, on);
        return () => undefined;
      }
    : undefined;
  serveHttpSession(
    stream,
    {
      target: httpTarget(config, { http: new http.Agent(), https: () => new https.Agent() }),
      config,
      secret: o.secret ?? null,
      hooks: { ...hooks, ...(requestReview ? { requestReview } : {}) },
      policy: () => policyFor(conn),
      readOnly: () => conn.readOnly,
      budget: new MemoryBudget(64 * 1024 * 1024),
      log: createLogger('test', 'error'),
      audit: (type, data) => events.push({ type, data }),
    },
    (reason, totals) => events.push({ type: 'session.close', data: { reason, ...totals } }),
  );
  let next = 1;
  return {
    events,
    frames,
    send(method: string, path: string, headers: Record<string, string> = {}, body?: string, end = true): number {
      const id = next++;
      stream.push(encodeHead(id, FrameKind.request, { method, path, headers }));
      if (body) for (const f of encodeBody(id, Buffer.from(body))) stream.push(f);
      if (end) stream.push(encodeFrame(id, FrameKind.end));
      return id;
    },
    abort: (id: number) => stream.push(encodeFrame(id, FrameKind.abort, Buffer.from('{}'))),
    body: (id: number, text: string) => {
      for (const f of encodeBody(id, Buffer.from(text))) stream.push(f);
    },
    /** the agent reads no more of the session (a slow target holds its input back) */
    paused: () => stream.isPaused(),
    raw: (b: Buffer) => stream.push(b),
    async answer(id: number) {
      await waitUntil(() => frames.some((f) => f.exchange === id && (f.kind === FrameKind.end || f.kind === FrameKind.abort)));
      const mine = frames.filter((f) => f.exchange === id);
      const heads = mine
        .filter((f) => f.kind === FrameKind.response)
        .map((f) => parseResponseHead(f.payload) as { status: number; headers: Record<string, string> });
      const body = Buffer.concat(mine.filter((f) => f.kind === FrameKind.body).map((f) => f.payload)).toString();
      return {
        info: heads.filter((h) => h.status < 200),
        head: heads.find((h) => h.status >= 200)!,
        body,
        aborted: mine.some((f) => f.kind === FrameKind.abort),
      };
    },
    end: () => stream.push(null),
  };
}

async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('an http session on the agent', () => {
  it('sends the credential its way, never the client one', async () => {
    const s = session({ config: { authType: 'header', authHeader: 'X-Api-Key' }, secret: 'agent-key' });
    const a = await s.answer(s.send('GET', '/h1', { 'x-api-key': 'client-key', authorization: 'Bearer client', cookie: 'c=1', 'x-keep': 'yes' }));
    expect(a.head.status).toBe(200);
    const got = seen.find((x) => x.url === '/h1')!;
    expect(got.headers).toMatchObject({ 'x-api-key': 'agent-key', 'x-keep': 'yes', 'accept-encoding': 'identity' });
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers.cookie).toBeUndefined();
    const b = session({ config: { authType: 'basic', authUser: 'svc' }, secret: 'pw' });
    await b.answer(b.send('GET', '/h2'));
    expect(seen.find((x) => x.url === '/h2')!.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`);
  });

  it('masks JSON that arrives a few bytes at a time, dropping its content-length; unmasked it keeps it', async () => {
    const s = session();
    const a = await s.answer(s.send('GET', '/slow-json'));
    expect(a.head.headers['content-length']).toBeUndefined();
    expect(JSON.parse(a.body)).toEqual({ users: [{ email: '[EMAIL]', id: 1 }], note: 'mail [EMAIL]' });
    const off = session({ policy: { name: 'p', masking: { enabled: false } } });
    const b = await off.answer(off.send('GET', '/slow-json'));
    expect(b.head.headers['content-length']).toBe(String(Buffer.byteLength(b.body)));
    expect(b.body).toContain('ann@example.com');
  });

  it('holds a reviewed request with its whole body, bound by its sha256, and runs it once approved', async () => {
    const asked: string[] = [];
    const s = session({
      review: (sql, on) => {
        asked.push(sql);
        on({ status: 'pending', reviewId: 'r1', url: 'http://hoop/reviews/r1' });
        setTimeout(() => on({ status: asked.length === 1 ? 'approved' : 'rejected', reviewId: 'r1', decidedBy: 'rita' }), 20);
      },
    });
    const a = await s.answer(s.send('DELETE', '/v1/things/1', { 'content-type': 'application/json' }, '{"why":"dup"}'));
    expect(a.info[0]!.headers).toMatchObject({ 'x-hoop-review': 'r1', 'x-hoop-review-url': 'http://hoop/reviews/r1' });
    expect(a.head.status).toBe(200);
    expect(asked[0]).toMatch(/^DELETE \/v1\/things\/1\n-- body: 13 bytes, sha256 [0-9a-f]{64}\n\{"why":"dup"\}$/);
    expect(seen.filter((x) => x.url === '/v1/things/1')).toHaveLength(1);
    const b = await s.answer(s.send('DELETE', '/v1/things/1'));
    expect(b.head.status).toBe(403);
    expect(JSON.parse(b.body).error.message).toMatch(/^not approved by hoop review: review r1 was rejected by rita/);
    expect(seen.filter((x) => x.url === '/v1/things/1')).toHaveLength(1);
    const noReviews = session();
    const c = await noReviews.answer(noReviews.send('DELETE', '/v1/things/2'));
    expect(c.head).toMatchObject({ status: 403, headers: { 'x-hoop-decision': 'deny', 'x-hoop-rule': 'http-delete' } });
  });

  it('refuses writes on a read-only connection, bad heads, and answers it cannot read', async () => {
    const s = session({ readOnly: true });
    const a = await s.answer(s.send('POST', '/v1/x', {}, '{}'));
    expect(a.head.status).toBe(403);
    expect(JSON.parse(a.body).error).toMatchObject({ rule: 'read-only', source: 'hoop' });
    s.raw(encodeHead(9, FrameKind.request, { method: 'get', path: '/x', headers: {} }));
    expect((await s.answer(9)).head.status).toBe(400);
    const z = await s.answer(s.send('GET', '/zstd'));
    expect(z.head.status).toBe(502);
    expect(z.body).toContain('content-encoding zstd');
    expect(seen.filter((x) => x.url === '/v1/x')).toHaveLength(0);
  });

  it('stops the API request when the client goes away, and records every request at the session end', async () => {
    const s = session();
    const id = s.send('GET', '/forever');
    await waitUntil(() => s.frames.some((f) => f.exchange === id && f.kind === FrameKind.body));
    s.abort(id);
    await waitUntil(() => closed.includes('/forever'));
    s.send('GET', '/v1/ok');
    await s.answer(2);
    s.end();
    await waitUntil(() => s.events.some((e) => e.type === 'session.close'));
    const statements = s.events.filter((e) => e.type === 'statement').map((e) => e.data);
    expect(statements.map((d) => [d.sql, d.status])).toEqual([
      ['GET /forever', 200],
      ['GET /v1/ok', 200],
    ]);
    expect(statements[0]!.error).toBe('the client went away');
    expect(JSON.stringify(statements[1])).not.toContain('carl@example.com');
    expect(s.events.at(-1)!.data).toMatchObject({ requests: 2, masked: { email: 1 } });
  });

  it('an API that closes while the agent waits for it to take an upload holds up none of the session’s other requests', async () => {
    const s = session();
    const id = s.send('PUT', '/no-read', { 'content-type': 'application/octet-stream' }, undefined, false);
    const piece = Buffer.alloc(64 * 1024, 'x').toString();
    // the upload until the agent stops reading the session for it: the API's socket is full
    while (!s.paused()) {
      s.body(id, piece);
      await new Promise((r) => setImmediate(r));
    }
    await waitUntil(() => unread.length === 1);
    unread[0]!.socket.destroy();
    expect((await s.answer(id)).head).toMatchObject({ status: 502, headers: { 'x-hoop-error': 'target_unreachable' } });
    const b = await s.answer(s.send('GET', '/v1/after'));
    expect(b.head.status).toBe(200);
  });

  it('answers 502 when the API cannot be reached', async () => {
    const s = session({ config: { baseUrl: 'http://127.0.0.1:1' } });
    const a = await s.answer(s.send('GET', '/x'));
    expect(a.head).toMatchObject({ status: 502, headers: { 'x-hoop-error': 'target_unreachable' } });
    expect(JSON.parse(a.body).error.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:1/);
  });
});
