import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { type Route, refusal, routeAccess } from '@hoop/core/authz';
import { AppError, HTTP_STATUS, inputProblems } from '@hoop/core/errors';
import type { z } from 'zod';
import { accountRoutes } from './api-admin';
import { auditRoutes } from './api-audit';
import { cliLoginRoutes } from './api-cli-login';
import { connectionRoutes } from './api-connections';
import { integrationRoutes } from './api-integrations';
import { policyRoutes } from './api-policies';
import { pgListenerRoutes } from './api-pg-listener';
import { reviewRoutes } from './api-reviews';
import { type ApiCall, type ApiDeps, caller, type Handlers, Streamed } from './api-route';
import { sessionRoutes } from './api-sessions';
import { authenticateUser, bearer, type UserIdentity } from '../auth';

export type { ApiDeps } from './api-route';

const MAX_BODY = 1024 * 1024;

/**
 * The JSON API the CLI uses: an HTTP adapter over @hoop/core. Every route is in core's authorization table
 * (ROUTE_ACCESS), which decides who may call it before its handler runs; each handler reads the request and calls
 * the use case, whose AppError becomes the HTTP status (HTTP_STATUS) and `{ error }`.
 */
export const API_ROUTES: Handlers = {
  ...cliLoginRoutes,
  ...accountRoutes,
  ...connectionRoutes,
  ...policyRoutes,
  ...sessionRoutes,
  ...reviewRoutes,
  ...integrationRoutes,
  ...auditRoutes,
  ...pgListenerRoutes,
};

/** A failure of the request itself (its body), before any use case runs. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MATCHERS = (Object.keys(API_ROUTES) as Route[]).map((route) => {
  const [method, pattern] = route.split(' ') as [string, string];
  const names: string[] = [];
  const source = pattern.replace(/:([a-z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, method, names, re: new RegExp(`^${source}$`) };
});

/** The route a request is for, with its path parameters (decoded), or null. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  for (const m of MATCHERS) {
    if (m.method !== method) continue;
    const found = m.re.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    m.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(found[i + 1]!);
      } catch {
        throw new RequestError(400, `the path ${path} is not validly encoded`);
      }
    });
    return { route: m.route, params };
  }
  return null;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new RequestError(413, 'request body too large (1 MiB at most)');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, 'request body is not valid JSON');
  }
}

/** zod's own wording ("Too small: expected …"), which does not name the field. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Unrecognized key|Expected)/;

/**
 * A use case's refusal in the API's words, which the CLI prints after `hoop:`. A rejected request body says each problem
 * as the schema words it (the field named where zod's own words do not name it), joined by `; `, without the sentence
 * endings the web's pages add (@hoop/core/errors' inputProblems).
 */
function apiWords(err: AppError): string {
  const cause = err.cause as z.ZodError | undefined;
  // only what parseInput worded: an adapter's own words stay as they are
  if (!(cause instanceof Error) || cause.name !== 'ZodError' || err.message !== inputProblems(cause)) return err.message;
  const issues = cause.issues;
  const said = issues.map((i) => (ZOD_WORDING.test(i.message) ? `${i.path.map(String).join('.') || 'body'}: ${i.message}` : i.message));
  return [...new Set(said)].join('; ');
}

async function stream(res: ServerResponse, out: Streamed): Promise<void> {
  res.writeHead(200, { 'content-type': out.contentType, 'cache-control': 'no-store' });
  try {
    for await (const chunk of out.chunks) if (!res.write(chunk)) await once(res, 'drain');
    res.end();
  } catch (err) {
    // the answer has begun: the client sees it cut short, the log says why
    res.destroy(err as Error);
    throw err;
  }
}

export async function handleApi(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const method = req.method ?? 'GET';
  try {
    const found = matchRoute(method, url.pathname);
    const access = found ? routeAccess(found.route) : undefined;
    let user: UserIdentity | null = null;
    // `hoop login` in a browser: the CLI has no token yet (see api-cli-login.ts)
    if (access !== 'anyone') {
      const token = bearer(req);
      // a read-only token (scope `read`) passes for GET only
      user = token ? await authenticateUser(deps.db, token, { access: 'read' }) : null;
      if (!user) return json(res, 401, { error: 'missing, invalid or expired token' });
      if (user.scope !== 'full' && method !== 'GET')
        return json(res, 403, { error: 'this token is read-only (scope read): it can list and read, not change anything; log in with a full token' });
      if (!found) return json(res, 404, { error: `no such endpoint: ${method} ${url.pathname}` });
      const refused = refusal(access, caller(user), (roles) => `this needs the ${roles.join(' or ')} role`);
      if (refused) return json(res, HTTP_STATUS[refused.status], { error: refused.message });
    }
    if (!found) return json(res, 404, { error: `no such endpoint: ${method} ${url.pathname}` });
    const call: ApiCall<UserIdentity | null> = { deps, req, params: found.params, query: url.searchParams, user, body: () => readJson(req) };
    const out = await (API_ROUTES[found.route] as (call: ApiCall<UserIdentity | null>) => Promise<unknown>)(call);
    if (out instanceof Streamed) return await stream(res, out);
    return json(res, 200, out);
  } catch (err) {
    if (res.headersSent) throw err;
    if (err instanceof AppError) return json(res, HTTP_STATUS[err.code], { error: apiWords(err) });
    if (err instanceof RequestError) return json(res, err.status, { error: err.message });
    throw err;
  }
}
