import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import type { Db, TrustedAuditKeys } from '@hoop/db';
import type { AgentRegistry } from './agents';
import { createServiceAccount } from './api-admin';
import { getRetentionApi, putRetentionApi } from './api-audit';
import { testConnectionApi } from './api-connection-test';
import { ApiError, applyPolicy, connectionPolicy, getPolicy, listPolicies } from './api-policies';
import { deleteSlackSettings, getSlackSettings, putSlackSettings } from './api-integrations';
import { decideReviewApi, getReviewApi, listReviewsApi, requestAccessApi } from './api-reviews';
import { exportSession, getSession, listSessions, verify } from './api-sessions';
import { pollCliLoginApi, startCliLoginApi } from './api-cli-login';
import { authenticateUser, bearer, type UserIdentity } from './auth';

const ONLINE_WINDOW_MS = 15_000;
const MAX_BODY = 1024 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'request body too large (1 MiB at most)');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'request body is not valid JSON');
  }
}

export async function listConnections(db: Db, agents: AgentRegistry, user: UserIdentity) {
  const rows = await db.connection.findMany({ where: { orgId: user.orgId }, include: { agent: true }, orderBy: { name: 'asc' } });
  return {
    connections: rows.map((c) => {
      const cfg = c.config as Record<string, unknown>;
      const link = c.agent ? agents.get(c.agent.id) : undefined;
      return {
        name: c.name,
        type: c.type,
        agent: c.agent?.name ?? null,
        online: Boolean(link && Date.now() - link.lastPong < ONLINE_WINDOW_MS),
        tags: c.tags,
        readOnly: c.readOnly,
        database: typeof cfg.database === 'string' ? cfg.database : null,
      };
    }),
  };
}

/** The JSON API the CLI uses. Every call carries a user token. */
export interface ApiDeps {
  db: Db;
  pool: pg.Pool;
  agents: AgentRegistry;
  webUrl: string;
  encryptionKey: Buffer;
  slack: { invalidate(orgId: string): void };
  /** public keys whose signatures on the audit chain `hoop audit verify` accepts (the gateway's own, HOOP_AUDIT_TRUSTED_KEYS) */
  auditKeys: TrustedAuditKeys;
}

export async function handleApi({ db, pool, agents, webUrl, encryptionKey, slack, auditKeys }: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  // `hoop login` in a browser: the CLI has no token yet (see api-cli-login.ts)
  if (method === 'POST' && (path === '/api/cli-login' || path === '/api/cli-login/token')) {
    try {
      const body = await readJson(req);
      return json(res, 200, path === '/api/cli-login' ? await startCliLoginApi(db, req, body, webUrl) : await pollCliLoginApi(db, body));
    } catch (err) {
      if (err instanceof ApiError) return json(res, err.status, { error: err.message });
      throw err;
    }
  }
  const token = bearer(req);
  // a read-only token (scope `read`) passes for GET only
  const user = token ? await authenticateUser(db, token, { access: 'read' }) : null;
  if (!user) return json(res, 401, { error: 'missing, invalid or expired token' });
  if (user.scope !== 'full' && method !== 'GET') return json(res, 403, { error: 'this token is read-only (scope read): it can list and read, not change anything; log in with a full token' });
  try {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/api/me') {
      const org = await db.org.findUnique({ where: { id: user.orgId } });
      return json(res, 200, { id: user.id, email: user.email, name: user.name, role: user.role, roles: user.roles, scope: user.scope, org: org?.slug ?? null });
    }
    if (method === 'GET' && path === '/api/connections') return json(res, 200, await listConnections(db, agents, user));
    if (method === 'GET' && (m = /^\/api\/connections\/([^/]+)\/policy$/.exec(path))) return json(res, 200, await connectionPolicy(db, user, decodeURIComponent(m[1]!)));
    if (method === 'POST' && (m = /^\/api\/connections\/([^/]+)\/test$/.exec(path))) return json(res, 200, await testConnectionApi(db, user, decodeURIComponent(m[1]!)));
    if (method === 'GET' && path === '/api/policies') return json(res, 200, await listPolicies(db, user));
    if (method === 'GET' && (m = /^\/api\/policies\/([^/]+)$/.exec(path))) return json(res, 200, await getPolicy(db, user, decodeURIComponent(m[1]!)));
    if (method === 'PUT' && path === '/api/policies') return json(res, 200, await applyPolicy(db, user, await readJson(req)));
    if (method === 'GET' && path === '/api/sessions') return json(res, 200, await listSessions(db, user, url.searchParams));
    if (method === 'GET' && (m = /^\/api\/sessions\/([^/]+)$/.exec(path))) return json(res, 200, await getSession(db, user, m[1]!));
    if (method === 'GET' && (m = /^\/api\/sessions\/([^/]+)\/export$/.exec(path))) {
      const out = await exportSession(db, user, m[1]!, url.searchParams.get('format') ?? 'jsonl');
      res.writeHead(200, { 'content-type': out.contentType, 'cache-control': 'no-store' }).end(out.body);
      return;
    }
    if (method === 'GET' && path === '/api/reviews') return json(res, 200, await listReviewsApi(db, user, url.searchParams, webUrl));
    if (method === 'GET' && (m = /^\/api\/reviews\/([^/]+)$/.exec(path))) return json(res, 200, await getReviewApi(db, user, decodeURIComponent(m[1]!), webUrl));
    if (method === 'POST' && (m = /^\/api\/reviews\/([^/]+)\/(approve|reject|revoke)$/.exec(path))) {
      return json(res, 200, await decideReviewApi(db, user, decodeURIComponent(m[1]!), m[2] as 'approve' | 'reject' | 'revoke', await readJson(req), webUrl));
    }
    if (method === 'POST' && path === '/api/access-requests') return json(res, 200, await requestAccessApi(db, user, await readJson(req), webUrl));
    if (path === '/api/integrations/slack') {
      if (method === 'GET') return json(res, 200, await getSlackSettings(db, user));
      if (method === 'PUT') {
        const out = await putSlackSettings(db, user, await readJson(req), encryptionKey);
        slack.invalidate(user.orgId);
        return json(res, 200, out);
      }
      if (method === 'DELETE') {
        const out = await deleteSlackSettings(db, user);
        slack.invalidate(user.orgId);
        return json(res, 200, out);
      }
    }
    if (method === 'POST' && path === '/api/service-accounts') return json(res, 200, await createServiceAccount(db, user, await readJson(req)));
    if (path === '/api/audit/retention') {
      if (method === 'GET') return json(res, 200, await getRetentionApi(db, user));
      if (method === 'PUT') return json(res, 200, await putRetentionApi(db, user, await readJson(req)));
    }
    if (method === 'POST' && path === '/api/audit/verify') {
      const body = (await readJson(req)) as { sessionId?: unknown };
      return json(res, 200, await verify(db, pool, user, typeof body.sessionId === 'string' ? body.sessionId : null, auditKeys));
    }
    return json(res, 404, { error: `no such endpoint: ${method} ${path}` });
  } catch (err) {
    if (err instanceof ApiError) return json(res, err.status, { error: err.message });
    throw err;
  }
}
