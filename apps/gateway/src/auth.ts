import type { IncomingMessage } from 'node:http';
import { type Db, hashSecret } from '@hoop/db';

export interface AgentIdentity { kind: 'agent'; id: string; orgId: string; name: string }
export interface UserIdentity { kind: 'user'; id: string; orgId: string; email: string; name: string; role: string; tokenId: string }

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

export async function authenticateAgent(db: Db, key: string): Promise<AgentIdentity | null> {
  const agent = await db.agent.findUnique({ where: { keyHash: hashSecret(key) } });
  return agent ? { kind: 'agent', id: agent.id, orgId: agent.orgId, name: agent.name } : null;
}

export async function authenticateUser(db: Db, token: string): Promise<UserIdentity | null> {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date()) || row.user.disabledAt) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  const u = row.user;
  return { kind: 'user', id: u.id, orgId: u.orgId, email: u.email, name: u.name, role: u.role, tokenId: row.id };
}
