import type { Duplex } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ExchangeClient } from '@hoop/httpwire';
import { fail, ok } from './answers';

/** A session on an http connection for one tool call (mode mcp), and its limits. */
export type OpenHttp = (
  connection: string,
  clientInfo: Record<string, string>,
) => Promise<{ stream: Duplex; sessionId?: string; limits?: { maxRows: number; maxBytes: number } }>;

interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  bytes: number;
  truncated: boolean;
}

/** What the answer headers tell the agent; the rest stay in the trail. */
const SHOWN_HEADERS = ['content-type', 'location', 'retry-after', 'x-request-id', 'x-hoop-error', 'x-hoop-decision', 'x-hoop-rule'];

/**
 * One request on a fresh session: the answer (masked by the agent) kept up to `maxBytes`, or, when reviewers must
 * approve it first and no decision comes within `waitMs`, the review it waits for.
 */
function request(
  stream: Duplex,
  req: { method: string; path: string; headers: Record<string, string>; body: Buffer },
  o: { maxBytes: number; waitMs: number },
): Promise<HttpAnswer | { pending: { reviewId: string; url: string; expiresAt: string | null } }> {
  const client = new ExchangeClient(stream);
  return new Promise((resolve, reject) => {
    let head: { status: number; headers: Record<string, string> } | null = null;
    const kept: Buffer[] = [];
    let size = 0;
    let bytes = 0;
    let timer: NodeJS.Timeout | null = null;
    const x = client.request(
      { method: req.method, path: req.path, headers: req.headers },
      {
        info(h) {
          const reviewId = h.headers['x-hoop-review'];
          if (!reviewId || timer) return;
          const pending = { reviewId, url: h.headers['x-hoop-review-url'] ?? reviewId, expiresAt: h.headers['x-hoop-review-expires'] ?? null };
          timer = setTimeout(() => resolve({ pending }), o.waitMs);
        },
        response(h) {
          if (timer) clearTimeout(timer);
          head = h;
        },
        data(chunk) {
          bytes += chunk.length;
          if (size < o.maxBytes) {
            const part = chunk.subarray(0, o.maxBytes - size);
            kept.push(part);
            size += part.length;
          }
          return true;
        },
        end() {
          const h = head!;
          const headers: Record<string, string> = {};
          for (const k of SHOWN_HEADERS) if (h.headers[k] !== undefined) headers[k] = h.headers[k];
          const body = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(kept)).replace(/\uFFFD$/, '');
          resolve({ status: h.status, headers, body, bytes, truncated: bytes > size });
        },
        failed(message) {
          if (timer) clearTimeout(timer);
          reject(new Error(message));
        },
      },
    );
    if (req.body.length) x.write(req.body);
    x.end();
  });
}

/**
 * `http_request`: one request to an http connection's API through hoop, as the person the MCP server acts for: the
 * agent adds the API's credential (the calling model never holds it), the policy's http rules judge it, the answer
 * comes back masked, and the call is recorded with the reason given.
 */
export function registerHttpTool(server: McpServer, openHttp: OpenHttp | undefined): void {
  server.registerTool(
    'http_request',
    {
      title: 'Call an HTTP API',
      description:
        'Sends one request to an http connection (an internal or SaaS API) or a kubernetes one ' +
        '(the API server: GET /api/v1/namespaces/NS/pods) through hoop: ' +
        'the credential is added by hoop (Kubernetes: the request is made as the user), ' +
        'guardrails may refuse it or hold it for a human reviewer, and personal data in the answer is masked. ' +
        'Returns status, a few headers and the body (cut at the connection limit). If it returns pending_review, tell the ' +
        'user where it waits and call again with the same arguments and review set to the reviewId.',
      inputSchema: {
        connection: z.string().describe('an http or kubernetes connection, from list_connections'),
        method: z
          .string()
          .regex(/^[A-Za-z]{1,16}$/)
          .describe('GET, POST, PUT, PATCH, DELETE, …'),
        path: z.string().startsWith('/').max(8000).describe('path and query, e.g. /v1/invoices?limit=5'),
        body: z
          .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
          .optional()
          .describe('a JSON value or text'),
        headers: z.record(z.string(), z.string()).optional().describe('extra request headers (credentials are not needed and are dropped)'),
        reason: z.string().max(1000).describe('why: shown to reviewers and recorded'),
        review: z.string().uuid().optional().describe('re-attach to the review an earlier identical call is waiting for'),
        waitSeconds: z.number().int().min(1).max(600).optional().describe('how long to wait for reviewers (default 25)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async ({ connection, method, path, body, headers, reason, review, waitSeconds }) => {
      if (!openHttp) return fail('this hoop MCP server cannot make HTTP requests');
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const h: Record<string, string> = { 'user-agent': 'hoop-mcp' };
      for (const [k, v] of Object.entries(headers ?? {})) h[k.toLowerCase()] = v;
      if (text && h['content-type'] === undefined && typeof body !== 'string') h['content-type'] = 'application/json';
      if (text) h['content-length'] = String(Buffer.byteLength(text));
      let session: Awaited<ReturnType<OpenHttp>>;
      try {
        session = await openHttp(connection, { client: 'hoop mcp', reason: reason.slice(0, 1000), ...(review ? { review } : {}) });
      } catch (err) {
        return fail((err as Error).message);
      }
      try {
        const r = await request(
          session.stream,
          { method: method.toUpperCase(), path, headers: h, body: Buffer.from(text) },
          {
            maxBytes: session.limits?.maxBytes ?? 1024 * 1024,
            waitMs: (waitSeconds ?? 25) * 1000,
          },
        );
        if ('pending' in r)
          return ok({
            status: 'pending_review',
            ...r.pending,
            connection,
            message:
              `A human reviewer must approve this request before it is sent; it has not been sent yet. Tell the user it waits at ${r.pending.url}, ` +
              `then call http_request again with the same arguments and review "${r.pending.reviewId}".`,
          });
        const decision = r.headers['x-hoop-decision'];
        if (decision === 'deny' && r.status >= 400) return fail(`${errorMessage(r.body)}. The request was not sent. Change it, or ask a human to do it.`);
        if (decision === 'review' && r.status === 403)
          return fail(`${errorMessage(r.body)}. The request was not sent. Do not retry it unchanged; tell the user what the reviewer said.`);
        return ok({ ...r, ...(session.sessionId ? { sessionId: session.sessionId } : {}) });
      } catch (err) {
        return fail((err as Error).message);
      } finally {
        session.stream.destroy();
      }
    },
  );
}

function errorMessage(body: string): string {
  try {
    const doc = JSON.parse(body) as { error?: { message?: unknown }; kind?: unknown; message?: unknown };
    // a Kubernetes Status names the refusal in its message
    if (doc.kind === 'Status' && typeof doc.message === 'string') return doc.message;
    return String(doc.error?.message ?? body);
  } catch {
    return body;
  }
}
