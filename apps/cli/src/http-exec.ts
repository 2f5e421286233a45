import { ExchangeClient, type ResponseHead } from '@hoop/httpwire';
import { EXIT, type TunnelStream } from '@hoop/protocol';
import { CliError, usage } from './errors';
import type { Waiting } from './waiting';

/**
 * One request as `hoop exec` takes it, written like the start of an HTTP message:
 *
 *     POST /v1/refunds
 *     content-type: application/json
 *
 *     {"invoice": "in_42", "amount": 12}
 *
 * The first line is the method and the path (with its query); header lines may follow; after a blank line, the body.
 * A body that reads as JSON is sent as application/json unless a content-type is given.
 */
export interface ExecRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function parseExecRequest(text: string): ExecRequest {
  const nl = /\r?\n/;
  const lines = text.replace(/^\s+/, '').split(nl);
  const first = lines.shift() ?? '';
  const m = /^([A-Za-z]{1,16})\s+(\S+)(?:\s+HTTP\/1\.[01])?\s*$/.exec(first);
  if (!m) throw usage(`the request's first line is METHOD PATH, such as GET /v1/invoices?limit=5 (got "${first.slice(0, 80)}")`);
  const path = m[2]!;
  if (!path.startsWith('/')) throw usage(`the path starts with /: give it without the API's address (got "${path.slice(0, 80)}")`);
  const headers: Record<string, string> = {};
  while (lines.length > 0) {
    const line = lines.shift()!;
    if (line.trim() === '') break;
    const h = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!h) throw usage(`a header line is NAME: VALUE (got "${line.slice(0, 80)}"); put a blank line before the body`);
    const k = h[1]!.toLowerCase();
    headers[k] = headers[k] === undefined ? h[2]! : `${headers[k]}, ${h[2]}`;
  }
  const bodyText = lines.join('\n');
  const body = Buffer.from(bodyText.replace(/\n+$/, ''), 'utf8');
  if (body.length > 0) {
    if (headers['content-type'] === undefined && looksLikeJson(bodyText)) headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  return { method: m[1]!.toUpperCase(), path, headers, body };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs one request on an http session and prints the answer: its body as it streams to stdout (text output), or
 * `{ status, headers, body }` (json output). Exit code: 0 for 2xx and 3xx, 1 for the API's 4xx and 5xx, 3 when hoop
 * refused it, 4 when reviewers did not approve it, 5 when the API or the session could not be reached (hoop's
 * answers say which in `x-hoop-error` and `x-hoop-decision`).
 */
export function runHttpExec(
  stream: TunnelStream,
  req: ExecRequest,
  o: {
    output: 'text' | 'json';
    user: string;
    waiting(w: Waiting): void;
    answered(): void;
    /** the error for a session lost before the answer (exec re-attaches when a review was pending) */
    lost(why: string): Error;
  },
): Promise<number> {
  const client = new ExchangeClient(stream);
  const headers = { 'user-agent': 'hoop-exec', ...req.headers };
  return new Promise<number>((resolve, reject) => {
    let head: ResponseHead | null = null;
    let heldBy: string | null = null;
    const chunks: Buffer[] = [];
    const x = client.request(
      { method: req.method, path: req.path, headers },
      {
        info(h) {
          const id = h.headers['x-hoop-review'];
          if (!id) return;
          heldBy = id;
          const at = h.headers['x-hoop-review-expires'];
          o.waiting({ reviewId: id, url: h.headers['x-hoop-review-url'] ?? id, expiresAt: at ? new Date(at) : null });
        },
        response(h) {
          o.answered();
          head = h;
          // as for SQL: the request that waited ran
          if (heldBy && h.headers['x-hoop-decision'] !== 'review') process.stderr.write(`approved: review ${heldBy}\n`);
          if (o.output === 'text' && h.status >= 400) process.stderr.write(`HTTP ${h.status}\n`);
        },
        data(chunk) {
          if (o.output === 'json') {
            chunks.push(chunk);
            return true;
          }
          return process.stdout.write(chunk);
        },
        end() {
          client.finish();
          const h = head!;
          if (o.output === 'json') {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON: the text as it is
            }
            process.stdout.write(`${JSON.stringify({ status: h.status, headers: h.headers, body }, null, 2)}\n`);
          } else if (chunks.length === 0 && process.stdout.isTTY) process.stdout.write('\n');
          const decision = h.headers['x-hoop-decision'];
          if (decision === 'deny' && h.status >= 400) return resolve(EXIT.blocked);
          if (decision === 'review' && h.status === 403) return resolve(EXIT.rejected);
          if (h.headers['x-hoop-error'] === 'target_unreachable') return resolve(EXIT.unreachable);
          resolve(h.status >= 400 ? EXIT.targetError : EXIT.ok);
        },
        failed(message) {
          o.answered();
          reject(head ? new CliError(EXIT.unreachable, message) : o.lost(message));
        },
      },
    );
    if (req.body.length) x.write(req.body);
    x.end();
  });
}
