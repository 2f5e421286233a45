import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { AnthropicConfig } from '@hoop/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropicUpstream, type CallHandlers } from './upstream';

let server: http.Server | undefined;
afterEach(() => server?.close());

/** One call through the upstream: its status and body, or why it failed. */
function call(up: ReturnType<typeof anthropicUpstream>, body: string): Promise<{ status: number; body: string } | { failed: string }> {
  return new Promise((resolve) => {
    let status = 0;
    const parts: Buffer[] = [];
    const h: CallHandlers = {
      response: (r) => void (status = r.status),
      data: (c) => void parts.push(c),
      end: () => resolve({ status, body: Buffer.concat(parts).toString() }),
      failed: (message) => resolve({ failed: message }),
    };
    const c = up.call({ method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json' } }, h);
    c.write(Buffer.from(body));
    c.end();
  });
}

describe('the model API upstream', () => {
  it('sends a request again, once, when the kept-alive connection it reused was closed by the API meanwhile', async () => {
    const sockets: Socket[] = [];
    const bodies: string[] = [];
    server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(parts).toString());
        res.end(`answer ${bodies.length}`);
      });
    });
    server.on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const config = { baseUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: 5000 } as AnthropicConfig;
    const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    const up = anthropicUpstream(config, 'org-key', agents);
    expect(await call(up, '{"n":1}')).toEqual({ status: 200, body: 'answer 1' });
    await new Promise((r) => setImmediate(r));
    expect(sockets.length).toBe(1);
    // the API drops the idle connection just as the next request takes it from the pool (its keep-alive timeout)
    sockets[0]!.destroy();
    const second = await call(up, '{"n":2}');
    expect(second).toEqual({ status: 200, body: 'answer 2' });
    expect(bodies).toEqual(['{"n":1}', '{"n":2}']);
    agents.http.destroy();
  });

  it('does not send again when a new connection fails (the API may have read the request)', async () => {
    server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const config = { baseUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: 5000 } as AnthropicConfig;
    const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    const r = await call(anthropicUpstream(config, 'org-key', agents), '{"n":1}');
    expect(r).toMatchObject({ failed: expect.stringMatching(/could not reach the model API/) });
    agents.http.destroy();
  });
});
