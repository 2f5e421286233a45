import type { Db } from '@hoop/db';
import { parsePolicy } from '@hoop/pipeline';
import { BLOCKED_PREFIX, type IncomingOpen, OpenError, type Tunnel } from '@hoop/protocol';
import type { AgentRegistry } from './agents';
import type { AuditWriter } from './audit-writer';
import type { UserIdentity } from './auth';
import type { Logger } from '@hoop/log';

const ONLINE_WINDOW_MS = 15_000;

/**
 * A client asks for a stream to a connection: check the user may use it, find the agent serving it, open a session
 * and relay bytes between the two streams. The gateway never sees the target's credentials.
 */
export async function routeClientStream(
  deps: { db: Db; agents: AgentRegistry; audit: AuditWriter; log: Logger },
  user: UserIdentity,
  open: IncomingOpen,
): Promise<void> {
  const { db, agents, log } = deps;
  const req = open.request;
  const conn = await db.connection.findUnique({ where: { orgId_name: { orgId: user.orgId, name: req.connection } }, include: { agent: true, policy: true } });
  if (!conn) return open.reject('not_found', `connection "${req.connection}" does not exist; run \`hoop connections\` to list yours`);
  const refusal = accessRefusal(conn.policy?.document ?? null, conn.policy?.name ?? 'default', user, req.mode, conn.name);
  if (refusal) return open.reject('forbidden', refusal);
  if (!conn.agent) return open.reject('no_agent', `connection "${conn.name}" has no agent assigned; an admin can assign one in the web app`);
  const link = agents.get(conn.agent.id);
  if (!link) {
    const seen = conn.agent.lastSeenAt ? `last seen ${conn.agent.lastSeenAt.toISOString()}` : 'never seen';
    return open.reject('agent_offline', `agent "${conn.agent.name}" serving "${conn.name}" is offline (${seen}); start it or ask an admin`);
  }
  if (Date.now() - link.lastPong > ONLINE_WINDOW_MS) {
    return open.reject('agent_offline', `agent "${conn.agent.name}" serving "${conn.name}" stopped answering heartbeats`);
  }

  const session = await db.session.create({
    data: { orgId: user.orgId, userId: user.id, connectionId: conn.id, agentId: conn.agent.id, mode: req.mode, clientInfo: req.clientInfo ?? {} },
  });
  let agentSide;
  try {
    agentSide = await link.tunnel.openStream({
      connection: conn.name,
      connectionId: conn.id,
      sessionId: session.id,
      mode: req.mode,
      user: { id: user.id, email: user.email, name: user.name },
      clientInfo: req.clientInfo,
    });
  } catch (err) {
    const e = err as Error;
    await db.session.update({ where: { id: session.id }, data: { status: 'failed', error: e.message, endedAt: new Date() } });
    return open.reject(err instanceof OpenError ? err.code : 'agent_error', e.message);
  }
  link.sessions.add(session.id);
  const clientSide = open.accept({ sessionId: session.id, connectionType: conn.type as 'postgres' });
  const agentStream = agentSide.stream;
  clientSide.splice(agentStream);
  let finished = false;
  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    clientSide.destroy();
    agentStream.destroy();
    link.sessions.delete(session.id);
    void db.session
      .update({ where: { id: session.id }, data: { status: error ? 'failed' : 'closed', error: error?.message ?? null, endedAt: new Date() } })
      .catch((e: Error) => log.warn('could not close session row', { session: session.id, error: e.message }));
  };
  clientSide.once('close', () => finish());
  agentStream.once('close', () => finish());
  clientSide.once('error', (e) => finish(e));
  agentStream.once('error', (e) => finish(e));
  log.info('session opened', { session: session.id, user: user.email, connection: conn.name, mode: req.mode });
}

export type { Tunnel };

/**
 * The policy's access section lists, per mode (connect, exec, mcp), the roles that may use the connection; a mode it
 * does not list is open to every member of the org. Admins are never locked out (they can change the policy anyway).
 * A policy that does not validate refuses everyone but admins.
 */
export function accessRefusal(document: unknown, policyName: string, user: UserIdentity, mode: string, connection: string): string | null {
  if (user.role === 'admin' || document === null) return null;
  let policy;
  try {
    policy = parsePolicy(document);
  } catch {
    return `the policy "${policyName}" of "${connection}" is invalid; an admin must fix it`;
  }
  const allowed = policy.access[mode as 'connect' | 'exec' | 'mcp'];
  if (!allowed || (allowed as string[]).includes(user.role)) return null;
  return `${BLOCKED_PREFIX}: policy "${policyName}" does not let the ${user.role} role use ${mode} on "${connection}" (allowed: ${allowed.join(', ') || 'nobody'})`;
}
