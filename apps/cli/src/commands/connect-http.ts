import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { ExchangeClient, type ResponseHead, relayUpgrade, whenDrained } from '@hoop/httpwire';
import type { TunnelStream } from '@hoop/protocol';

/**
 * `hoop connect` on an http connection: a local HTTP server (curl, an SDK, a script) whose requests go through one
 * session to the agent, which adds the API's credential — the local client never has it, and any credential it sends
 * is dropped by the agent. Like the MySQL and SSH ports, the port asks nothing of local clients: it listens on the
 * loopback address only, and any program of this machine that reaches it acts as the person who ran hoop connect.
 *
 * Requests node's HTTP parser cannot read (a malformed request line, headers over the limit) are answered 400 or 431
 * in JSON by hoop, the socket closed; a request held for review waits, and hoop connect prints where to approve it.
 */

/** the largest request head a local client may send (node's default is 16 KiB) */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface HttpFrontOptions {
  /** a new session (tunnel stream) to the connection */
  openSession(): Promise<TunnelStream>;
  /** a line for the person running hoop connect (held requests, lost sessions) */
  say(line: string): void;
  /** serve TLS with this certificate and key (PEM; a kubernetes connection: kubectl speaks only https) */
  tls?: { cert: string; key: string };
  /** checks a local request before it goes anywhere: null lets it through, else why it is refused (401) */
  check?(req: http.IncomingMessage): string | null;
  /** hoop's own answers (refusals, failures) as the client reads errors; default `{ error: { type, message } }` */
  answerBody?(status: number, type: string, message: string): string;
}

export function httpFront(o: HttpFrontOptions): http.Server | https.Server {
  let client: ExchangeClient | null = null;
  let opening: Promise<ExchangeClient> | null = null;
  const session = (): Promise<ExchangeClient> => {
    if (client && !client.closed) return Promise.resolve(client);
    opening ??= o.openSession().then(
      (stream) => {
        opening = null;
        client = new ExchangeClient(stream);
        stream.once('close', () => {
          if (stream.closeReason) o.say(`session ended: ${stream.closeReason}; the next request opens another`);
        });
        return client;
      },
      (err: Error) => {
        opening = null;
        throw err;
      },
    );
    return opening;
  };

  const body = o.answerBody ?? defaultBody;
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.pause();
    const refused = o.check?.(req) ?? null;
    if (refused) return void answer(res, 401, 'unauthorized', refused, body);
    session().then(
      (c) => relay(c, req, res, o.say, body),
      (err: Error) => answer(res, 502, 'session_unavailable', `hoop: could not open a session: ${err.message}`, body),
    );
  };
  const options = { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0 };
  const server = o.tls ? https.createServer({ ...options, cert: o.tls.cert, key: o.tls.key }, handle) : http.createServer(options, handle);
  // kubectl exec, attach, port-forward: the upgrade relayed (httpwire upgrade-client.ts)
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = o.check?.(req) ?? null;
    if (refused) {
      const text = body(401, 'unauthorized', refused);
      return void socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    }
    session().then(
      (c) => relayUpgrade(c, req, socket, head, o.say),
      (err: Error) =>
        socket.end(
          `HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\nx-hoop-error: ${err.message.replace(/[\r\n]/g, ' ').slice(0, 200)}\r\n\r\n`,
        ),
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return void socket.destroy();
    const big = err.code === 'HPE_HEADER_OVERFLOW';
    const status = big ? 431 : 400;
    const message = big
      ? `hoop: the request head is over ${MAX_HEADER_BYTES / 1024} KiB`
      : `hoop: the request is not HTTP hoop can read (${err.code ?? err.message})`;
    const text = body(status, 'bad_request', message);
    const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n`;
    socket.end(`${head}content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });
  return server;
}

const defaultBody = (_status: number, type: string, message: string) => JSON.stringify({ error: { type, message, source: 'hoop' } });

function answer(res: http.ServerResponse, status: number, type: string, message: string, body = defaultBody): void {
  if (res.headersSent) return void res.destroy();
  const text = body(status, type, message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** one local request as an exchange of the session */
function relay(c: ExchangeClient, req: http.IncomingMessage, res: http.ServerResponse, say: (line: string) => void, body: typeof defaultBody): void {
  const url = req.url ?? '/';
  if (!url.startsWith('/')) return answer(res, 400, 'bad_request', 'hoop: give the path only (GET /v1/x), not a full URL: hoop connect is not a proxy', body);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let done = false;
  const x = c.request(
    { method: req.method ?? 'GET', path: url, headers },
    {
      info(head) {
        const link = head.headers['x-hoop-review-url'] ?? head.headers['x-hoop-review'];
        if (link) say(`waiting for approval: ${link} (${req.method} ${url.slice(0, 200)})`);
      },
      response(head: ResponseHead) {
        try {
          for (const [k, v] of Object.entries(head.headers)) res.setHeader(k, k === 'set-cookie' ? v.split('\n') : v);
          res.writeHead(head.status);
        } catch (err) {
          done = true;
          x.abort();
          answer(res, 502, 'bad_response', `hoop: the API's answer has a header node cannot send: ${(err as Error).message}`, body);
        }
      },
      data(chunk) {
        if (done) return true;
        const ok = res.write(chunk);
        if (!ok) whenDrained(res, () => c.resume());
        return ok;
      },
      end() {
        done = true;
        res.end();
      },
      failed(message, headSent) {
        done = true;
        if (headSent) res.destroy();
        else answer(res, 502, 'bad_gateway', message.startsWith('hoop') ? message : `hoop: ${message}`, body);
      },
    },
  );
  req.on('data', (chunk: Buffer) => {
    if (!x.write(chunk)) {
      req.pause();
      c.onDrain(() => req.resume());
    }
  });
  req.on('end', () => x.end());
  req.on('error', () => x.abort());
  res.on('close', () => {
    if (!done) x.abort();
  });
  req.resume();
}
