import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HttpTargetConfig } from '@hoop/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { httpTarget, RESENT_BODY, type TargetResponse } from './upstream';

/**
 * An API that closes a kept-alive connection just as a request comes on it (the race every keep-alive client meets:
 * the server's idle timeout fires as the client reuses the socket). A real TCP server: it answers the first request of
 * each connection and keeps the connection open, then resets the connection when `reset(conn, n)` says so, before
 * answering — so the client sees ECONNRESET or EPIPE with no answer byte.
 */
function api(reset: (conn: number, n: number) => boolean) {
  const seen: { conn: number; n: number; body: string; answered: boolean }[] = [];
  let conns = 0;
  const server = net.createServer((socket) => {
    const conn = ++conns;
    let n = 0;
    let buf = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (reset(conn, n + 1)) {
          seen.push({ conn, n: n + 1, body: '', answered: false });
          return void socket.resetAndDestroy();
        }
        if (buf.length < end + 4 + length) return;
        n++;
        const body = buf.subarray(end + 4, end + 4 + length).toString();
        buf = buf.subarray(end + 4 + length);
        seen.push({ conn, n, body, answered: true });
        const text = `conn ${conn} request ${n}: ${body}`;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: keep-alive\r\n\r\n${text}`);
      }
    });
  });
  return {
    seen,
    server,
    listen: () => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))),
  };
}

let close: (() => void) | null = null;
afterEach(() => close?.());

async function target(reset: (conn: number, n: number) => boolean) {
  const a = api(reset);
  const port = await a.listen();
  const agent = new http.Agent({ keepAlive: true });
  close = () => {
    agent.destroy();
    a.server.close();
  };
  const config: HttpTargetConfig = { baseUrl: `http://127.0.0.1:${port}`, authType: 'none', connectTimeoutMs: 5000 };
  return { seen: a.seen, t: httpTarget(config, { http: agent, https: () => new https.Agent() }) };
}

/** one request through the target: its answer's status and body, or the failure */
function call(t: ReturnType<typeof httpTarget>, method: string, body: Buffer | null, streamed?: Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const c = t.call(
      method,
      '/x',
      { 'content-length': String(body?.length ?? streamed?.reduce((n, b) => n + b.length, 0) ?? 0) },
      {
        response(r: TargetResponse) {
          let text = '';
          r.body.on('data', (d: Buffer) => void (text += d.toString()));
          r.body.on('end', () => resolve(`${r.head.status} ${text}`));
        },
        failed: (message) => resolve(`failed: ${message}`),
      },
    );
    if (streamed) {
      for (const piece of streamed) c.write(piece);
      c.end();
    } else if (body) c.end(body);
    else c.end();
  });
}

describe('a kept-alive connection the API closes as it is reused', () => {
  it('sends the request again once, on a new connection, when no answer came and the body is held whole', async () => {
    const { t, seen } = await target((conn, n) => conn === 1 && n === 2);
    expect(await call(t, 'GET', null)).toBe('200 conn 1 request 1: ');
    expect(await call(t, 'POST', Buffer.from('{"a":1}'))).toBe('200 conn 2 request 1: {"a":1}');
    expect(seen.map((s) => [s.conn, s.n, s.answered])).toEqual([
      [1, 1, true],
      [1, 2, false],
      [2, 1, true],
    ]);
  });

  it('resends a streamed body it kept whole, and not one streamed past what it keeps', async () => {
    const small = await target((conn, n) => conn === 1 && n === 2);
    await call(small.t, 'GET', null);
    expect(await call(small.t, 'PUT', null, [Buffer.from('part 1, '), Buffer.from('part 2')])).toBe('200 conn 2 request 1: part 1, part 2');
    close?.();
    const big = await target((conn, n) => conn === 1 && n === 2);
    await call(big.t, 'GET', null);
    const pieces = [Buffer.alloc(RESENT_BODY, 'a'), Buffer.from('b')];
    expect(await call(big.t, 'PUT', null, pieces)).toMatch(/^failed: hoop's agent could not reach http:\/\/127\.0\.0\.1:\d+: .*(ECONNRESET|EPIPE)/);
    expect(big.seen.filter((s) => s.conn === 2)).toEqual([]);
  });

  it('does not retry a failure on a new connection, nor a second one', async () => {
    const fresh = await target(() => true);
    expect(await call(fresh.t, 'GET', null)).toMatch(/^failed: .*(ECONNRESET|EPIPE)/);
    expect(fresh.seen.length).toBe(1);
    close?.();
    // the reused connection is reset, and so is the new one: one retry, then the failure
    const twice = await target((conn, n) => (conn === 1 && n === 2) || conn === 2);
    await call(twice.t, 'GET', null);
    expect(await call(twice.t, 'GET', null)).toMatch(/^failed: .*(ECONNRESET|EPIPE)/);
    expect(twice.seen.map((s) => [s.conn, s.n, s.answered])).toEqual([
      [1, 1, true],
      [1, 2, false],
      [2, 1, false],
    ]);
  });
});
