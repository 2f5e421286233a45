import { createApiToken, type Db, recordAdminAction } from '@hoop/db';
import { ApiError } from './api-policies';
import type { UserIdentity } from './auth';

const ROLES = new Set(['developer', 'reviewer', 'auditor']);

/**
 * An identity for an AI agent or automation: its own token and role, marked as a service account wherever sessions
 * are shown. The token is returned once.
 */
export async function createServiceAccount(db: Db, user: UserIdentity, input: unknown) {
  if (user.role !== 'admin') throw new ApiError(403, 'only admins can create service accounts');
  const body = (input ?? {}) as { name?: unknown; role?: unknown; expiresInDays?: unknown };
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(name)) throw new ApiError(400, 'a service account name is 2–63 lowercase letters, digits and dashes');
  const role = typeof body.role === 'string' ? body.role : 'developer';
  if (!ROLES.has(role)) throw new ApiError(400, `role must be one of ${[...ROLES].join(', ')} (service accounts are never admins)`);
  const days = typeof body.expiresInDays === 'number' ? body.expiresInDays : 90;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new ApiError(400, 'expiresInDays is a whole number from 1 to 365');
  const email = `${name}@service.hoop`;
  const existing = await db.user.findUnique({ where: { orgId_email: { orgId: user.orgId, email } } });
  if (existing) throw new ApiError(409, `service account "${name}" exists already`);
  const account = await db.user.create({ data: { orgId: user.orgId, email, name, role, isService: true } });
  const { token, row } = await createApiToken(db, account.id, { name: `service account ${name}`, expiresAt: new Date(Date.now() + days * 86_400_000) });
  await recordAdminAction(db, { orgId: user.orgId, actor: { id: user.id, email: user.email }, action: 'service_account.create', target: `user:${email}`, data: { role, expiresAt: row.expiresAt?.toISOString() ?? null, via: 'api' } });
  return { name, email, role, token, expiresAt: row.expiresAt };
}
