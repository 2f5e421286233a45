import type { Duplex } from 'node:stream';
import type { ExchangeClient } from './client';
import { whenDrained } from './drain';
import type { ResponseHead } from './exchange';

/**
 * An upgraded request on a local HTTP port (hoop connect's) (`Connection: Upgrade`: WebSocket, SPDY — kubectl exec, attach,
 * port-forward) as one exchange of the session: its head goes to the agent, which judges it and makes the upgrade at
 * the target. When the target answers 101 Switching Protocols the exchange becomes a raw relay both ways (the
 * exchange's body frames carry the connection's bytes, with the session's backpressure: a client that stops reading
 * pauses the stream); any other answer (a refusal, the target's error) is written as a plain HTTP response and the
 * socket closed.
 */
/** what relayUpgrade reads of the request (node's IncomingMessage) */
export interface UpgradeRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

const REASONS: Record<number, string> = {
  101: 'Switching Protocols',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function relayUpgrade(c: ExchangeClient, req: UpgradeRequest, socket: Duplex, head: Buffer, say: (line: string) => void): void {
  socket.pause();
  socket.on('error', () => undefined);
  const url = req.url ?? '/';
  if (!url.startsWith('/')) return void socket.end(plainAnswer(400, 'hoop: give the path only, not a full URL: hoop connect is not a proxy'));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let done = false;
  const x = c.request(
    { method: req.method ?? 'GET', path: url, headers },
    {
      info(h) {
        const link = h.headers['x-hoop-review-url'] ?? h.headers['x-hoop-review'];
        if (link) say(`waiting for approval: ${link} (${req.method} ${url.slice(0, 200)})`);
      },
      response(h: ResponseHead) {
        if (h.status !== 101) return void socket.write(headLines(h, true));
        socket.write(headLines(h, false));
        if (head.length) x.write(head);
        socket.on('data', (chunk: Buffer) => {
          if (!x.write(chunk)) {
            socket.pause();
            c.onDrain(() => socket.resume());
          }
        });
        socket.on('end', () => x.end());
        socket.resume();
      },
      data(chunk) {
        if (done) return true;
        const ok = socket.write(chunk);
        if (!ok) whenDrained(socket, () => c.resume());
        return ok;
      },
      end() {
        done = true;
        socket.end();
      },
      failed(message, headSent) {
        done = true;
        if (headSent) socket.destroy();
        else socket.end(plainAnswer(502, message.startsWith('hoop') ? message : `hoop: ${message}`));
      },
    },
  );
  socket.on('close', () => {
    if (!done) x.abort();
    done = true;
  });
}

/** The status line and headers of an answer; one that is not 101 is delimited by the socket's close. */
function headLines(h: ResponseHead, closeDelimited: boolean): string {
  let out = `HTTP/1.1 ${h.status} ${REASONS[h.status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of Object.entries(h.headers)) {
    // a value with a line break would split the head: dropped
    if (/[\r\n]/.test(v)) continue;
    if (closeDelimited && (k === 'connection' || k === 'transfer-encoding' || k === 'content-length' || k === 'upgrade')) continue;
    out += `${k}: ${v}\r\n`;
  }
  return `${out}${closeDelimited ? 'connection: close\r\n' : ''}\r\n`;
}

function plainAnswer(status: number, message: string): string {
  const body = JSON.stringify({ error: { type: 'bad_gateway', message, source: 'hoop' } });
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: application/json\r\n`;
  return `${head}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
