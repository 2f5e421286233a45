import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '@hoop/db';
import type { AgentRegistry } from './agents';
import { authenticateUser, bearer } from './auth';

const ONLINE_WINDOW_MS = 15_000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** The small JSON API the CLI uses (`/api/me`, `/api/connections`). */
export async function handleApi(db: Db, agents: AgentRegistry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = bearer(req);
  const user = token ? await authenticateUser(db, token) : null;
  if (!user) return json(res, 401, { error: 'missing, invalid or expired token' });
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' });
  if (path === '/api/me') {
    const org = await db.org.findUnique({ where: { id: user.orgId } });
    return json(res, 200, { id: user.id, email: user.email, name: user.name, role: user.role, org: org?.slug ?? null });
  }
  if (path === '/api/connections') {
    const rows = await db.connection.findMany({ where: { orgId: user.orgId }, include: { agent: true }, orderBy: { name: 'asc' } });
    const connections = rows.map((c) => {
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
    });
    return json(res, 200, { connections });
  }
  return json(res, 404, { error: `no such endpoint ${path}` });
}
