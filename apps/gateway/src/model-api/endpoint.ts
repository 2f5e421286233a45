import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PgQueryable } from '@hoop/db';
import type { RequestHead } from '@hoop/httpwire';
import type { AuditWriter } from '../audit/writer';
import { authenticateUser, type UserIdentity } from '../auth';
import { openAgentSession, RouteError, type RouteDeps } from '../client-link/routing';
import { checkRequest } from './checks';
import { Conversation } from './conversation';
import { ROUTE_ERRORS, sendApiError } from './errors';
import { ModelLimits } from './limits';
import { recordRefusal } from './refusals';

/** where Claude Code's ANTHROPIC_BASE_URL points: `<gateway>/anthropic/<connection>` */
export const MODEL_API_PREFIX = '/anthropic/';

/** The API's paths the gateway passes on, by method: the Messages API and the model list. */
const PASSED: { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/v1\/messages$/ },
  { method: 'POST', path: /^\/v1\/messages\/count_tokens$/ },
  { method: 'GET', path: /^\/v1\/models$/ },
  { method: 'GET', path: /^\/v1\/models\/(?!\.{1,2}$)[A-Za-z0-9._:@-]{1,200}$/ },
];

/** Headers that are the client's hop or the client's credential for hoop: never passed to the agent. */
const NOT_PASSED = new Set([
  'authorization',
  'x-api-key',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'cookie',
]);

/**
 * How long a token the database accepted is taken again without asking it: Claude Code sends a request every few
 * seconds, and two database round trips per request were most of what hoop added to its first byte. A revoked token
 * keeps working this long at most; a refused one is asked about every time.
 */
const VERIFIED_MS = 5_000;

/** Claude Code names its conversation in this header; requests without it share one conversation per user and connection. */
const CONVERSATION_HEADER = 'x-claude-code-session-id';

export interface ModelApiEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** ends every conversation (the gateway is stopping) */
  close(): void;
}

/** The hoop token Claude Code sends: ANTHROPIC_AUTH_TOKEN as `Authorization: Bearer`, ANTHROPIC_API_KEY as `x-api-key`. */
function tokenOf(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (m?.[1]) return m[1];
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}

/**
 * Claude Code's model API requests (`ANTHROPIC_BASE_URL=<gateway>/anthropic/<connection>`): the hoop token in the
 * request's auth header is checked as every token is, the connection opened in mode `claude` as any session is (access,
 * agent), and the request passed, without the client's credential, to the agent serving the connection, which adds
 * the org's key. The requests of one conversation share one session (conversation.ts). Before a request goes, the
 * policy's claude limits apply (checks.ts: model allow-list, daily token budget per user); a request they refuse is
 * answered here and recorded as a session of its own (refusals.ts). Refusals are worded as the API words its errors,
 * so Claude Code shows them.
 */
export function modelApiEndpoint(deps: RouteDeps, o: { idleMs: number; audit: AuditWriter; pool: PgQueryable }): ModelApiEndpoint {
  const { db, log } = deps;
  const limits = new ModelLimits(db, o.pool);
  const conversations = new Map<string, Promise<Conversation>>();
  const verified = new Map<string, { user: UserIdentity; until: number }>();

  const authenticate = async (token: string): Promise<UserIdentity | null> => {
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const hit = verified.get(key);
    if (hit && hit.until > now) return hit.user;
    const user = await authenticateUser(db, token);
    if (!user) {
      verified.delete(key);
      return null;
    }
    if (verified.size >= 1000) for (const [k, v] of verified) if (v.until <= now) verified.delete(k);
    verified.set(key, { user, until: now + VERIFIED_MS });
    return user;
  };

  const conversation = async (user: UserIdentity, connection: string, key: string, peer: string): Promise<Conversation> => {
    const mapKey = `${user.id}\n${connection}\n${key}`;
    const existing = conversations.get(mapKey);
    if (existing) {
      const c = await existing.catch(() => null);
      if (c?.open) return c;
    }
    const opening = openAgentSession(deps, user, connection, 'claude', { client: 'claude', peer, ...(key ? { conversation: key } : {}) }).then(
      (session) =>
        new Conversation(session, o.idleMs, log, () => {
          if (conversations.get(mapKey) === opening) conversations.delete(mapKey);
        }),
    );
    conversations.set(mapKey, opening);
    opening.catch(() => {
      if (conversations.get(mapKey) === opening) conversations.delete(mapKey);
    });
    return opening;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const rest = url.slice(MODEL_API_PREFIX.length);
    const slash = rest.indexOf('/');
    let connection: string;
    try {
      connection = decodeURIComponent(slash < 0 ? rest.split('?')[0]! : rest.slice(0, slash));
    } catch {
      return sendApiError(res, 404, 'not_found_error', 'hoop: the connection name in the URL is not valid');
    }
    const apiPath = slash < 0 ? '/' : rest.slice(slash);
    const pathOnly = apiPath.split('?')[0]!;
    // Claude Code checks that its base URL answers (a HEAD without credentials) before it starts
    if (pathOnly === '/' && (req.method === 'HEAD' || req.method === 'GET')) return void res.writeHead(200, { 'content-length': '0' }).end();
    const token = tokenOf(req);
    const user = token ? await authenticate(token) : null;
    if (!user) {
      return sendApiError(
        res,
        401,
        'authentication_error',
        token
          ? 'hoop: this hoop token is not valid (revoked, expired, or read-only); run `hoop login`, then `hoop claude configure` again'
          : 'hoop: no hoop token in the request; set ANTHROPIC_AUTH_TOKEN to a hoop token (`hoop claude configure` does)',
      );
    }
    if (!PASSED.some((p) => p.method === req.method && p.path.test(pathOnly)))
      return sendApiError(res, 404, 'not_found_error', `hoop: ${req.method} ${pathOnly} is not passed to the model API (the Messages API and /v1/models are)`);
    const head: RequestHead = { method: req.method ?? 'GET', path: apiPath, headers: {} };
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || NOT_PASSED.has(k)) continue;
      head.headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const key = String(req.headers[CONVERSATION_HEADER] ?? '').slice(0, 100);
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const l = await limits.forConnection(user, connection);
    let body: Buffer | undefined;
    if (l) {
      const checked = await checkRequest(limits, l, user, req, pathOnly);
      if (checked.kind === 'too_large') {
        res.setHeader('connection', 'close');
        return sendApiError(res, 413, 'request_too_large', 'hoop: the request is larger than the model API takes (32 MB)');
      }
      if (checked.kind === 'refuse') {
        const { refusal, model } = checked;
        sendApiError(res, refusal.status, refusal.type, refusal.message, refusal.headers);
        const refused = { user, limits: l, method: req.method ?? 'GET', path: apiPath, model, peer, conversation: key, refusal };
        recordRefusal(db, o.audit, log, refused).catch((err: Error) => log.error('could not record a refused model API request', { error: err.message }));
        return;
      }
      body = checked.body;
    }
    let c: Conversation;
    try {
      c = await conversation(user, connection, key, peer);
    } catch (err) {
      if (!(err instanceof RouteError)) throw err;
      const [status, type] = ROUTE_ERRORS[err.code] ?? [502, 'api_error'];
      log.info('model API request refused', { user: user.email, connection: connection.slice(0, 100), code: err.code });
      return sendApiError(res, status, type, `hoop: ${err.message}`);
    }
    c.exchange(head, req, res, body);
  };

  return {
    handle(req, res) {
      serve(req, res).catch((err: Error) => {
        log.error('model API request failed', { error: err.message });
        if (!res.headersSent) sendApiError(res, 500, 'api_error', 'hoop: the gateway could not pass the request on; see its log');
        else res.destroy();
      });
    },
    close() {
      for (const opening of conversations.values()) void opening.then((c) => c.end()).catch(() => undefined);
      conversations.clear();
    },
  };
}
