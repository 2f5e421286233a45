import type { IncomingMessage } from 'node:http';
import { type Db, hashSecret, scramVerifierCurrent, tokenScramVerifier } from '@hoop/db';
import { groupRolesSelect, rolesOfRow } from '@hoop/core/auth/held-roles';

/** An agent, as of the key it authenticated with (`keyHash`): a rotated key or a deleted agent ends its tunnel. */
export interface AgentIdentity {
  kind: 'agent';
  id: string;
  orgId: string;
  name: string;
  keyHash: string;
}
/**
 * A person (or service account) behind a token. `role` is their effective role, the most privileged of their own and
 * their groups' (admin > auditor > reviewer > developer); `roles` is every role they hold, for checks that name one
 * role (review approvers, a policy's access lists). See @hoop/core/auth/held-roles.ts.
 */
export interface UserIdentity {
  kind: 'user';
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: string;
  roles: string[];
  tokenId: string;
  scope: string;
}

export function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

export async function authenticateAgent(db: Db, key: string): Promise<AgentIdentity | null> {
  const agent = await db.agent.findUnique({ where: { keyHash: hashSecret(key) } });
  return agent ? { kind: 'agent', id: agent.id, orgId: agent.orgId, name: agent.name, keyHash: agent.keyHash } : null;
}

/**
 * The user a token belongs to, checked on every request: a revoked or expired token, or a disabled user, is refused at
 * once. `access: 'read'` is for requests that only read (GET on the API); everything else (sessions through tunnels,
 * MCP, changes) needs a token of scope `full`, so a read-only token cannot open a session.
 */
export async function authenticateUser(db: Db, token: string, opts: { access?: 'read' | 'full' } = {}): Promise<UserIdentity | null> {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: { include: groupRolesSelect } } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < new Date()) || row.user.disabledAt) return null;
  if (row.scope !== 'full' && (opts.access ?? 'full') !== 'read') return null;
  const u = row.user;
  // a token made before the Postgres listener (or whose user's e-mail changed) gets its SCRAM verifier on its next use
  const scramVerifier = scramVerifierCurrent(row.scramVerifier, u.email) ? undefined : await tokenScramVerifier(u.email, token);
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(), scramVerifier } }).catch(() => undefined);
  const held = rolesOfRow(u);
  return { kind: 'user', id: u.id, orgId: u.orgId, email: u.email, name: u.name, role: held.role, roles: held.roles, tokenId: row.id, scope: row.scope };
}
