import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** What the test API saw of one request. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A small HTTP API for the tests, on a port of its own: JSON with personal data, an event stream that sends its second
 * event only when the test says so (so a client reading the first proves it was not held back), a binary body, a
 * gzip answer sent whatever was asked for, text, and an echo of what it was sent.
 */
export async function startTestApi(): Promise<{ url: string; seen: Seen[]; nextEvent(): void; close(): Promise<void> }> {
  const seen: Seen[] = [];
  let release: (() => void) | null = null;
  let pendingRelease = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.length > 10_000 ? `${body.length} bytes` : body });
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, v: unknown) => {
        const b = JSON.stringify(v);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
        res.end(b);
      };
      if (url.pathname === '/v1/invoices' && req.method !== 'DELETE') {
        return json(200, {
          data: [
            { id: 'in_1', customer_email: 'ann@example.com', card_number: '4111 1111 1111 1111', note: 'call bob@corp.io', amount: 1250 },
            { id: 'in_2', customer_email: 'carl@example.com', note: null, amount: 80 },
          ],
          limit: Number(url.searchParams.get('limit') ?? 10),
        });
      }
      if (url.pathname === '/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: invoice\ndata: {"id":"in_1","email":"ann@example.com"}\n\n');
        const second = () => res.end('event: invoice\ndata: {"id":"in_2","email":"carl@example.com"}\n\n');
        if (pendingRelease) {
          pendingRelease = false;
          second();
        } else release = second;
        return;
      }
      if (url.pathname === '/v1/blob') {
        const b = Buffer.from([0, 1, 2, 3, 0xff, 0xfe, ...Buffer.from('ann@example.com')]);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.length });
        return res.end(b);
      }
      if (url.pathname === '/v1/gz') {
        const b = zlib.gzipSync(JSON.stringify({ email: 'dana@example.com', ok: true }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': b.length });
        return res.end(b);
      }
      if (url.pathname === '/v1/text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write('first line ann@');
        return res.end('example.com\nsecond line\n');
      }
      return json(200, { method: req.method, path: req.url, authorization: req.headers.authorization ?? null, body, spoof: true });
    });
  });
  server.on('request', (_req, res) => res.setHeader('x-hoop-decision', 'allow'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    nextEvent() {
      if (release) {
        release();
        release = null;
      } else pendingRelease = true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
