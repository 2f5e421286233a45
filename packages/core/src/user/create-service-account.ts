import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';

const SERVICE_ROLES = ['developer', 'reviewer', 'auditor'] as const;
const NAME = 'a service account name is 2–63 lowercase letters, digits and dashes';
const DAYS = 'expiresInDays is a whole number from 1 to 365';

export const ServiceAccountInput = z.object({
  name: z
    .string({ error: NAME })
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: NAME }),
  role: z.enum(SERVICE_ROLES, { error: `role must be one of ${SERVICE_ROLES.join(', ')} (service accounts are never admins)` }).default('developer'),
  expiresInDays: z.number({ error: DAYS }).int({ error: DAYS }).min(1, { error: DAYS }).max(365, { error: DAYS }).default(90),
});

/**
 * An identity for an AI agent or automation (`hoop admin service-account create`): its own token and role, marked as
 * a service account wherever sessions are shown. The token is returned once; the creation goes into the admin trail.
 */
export async function createServiceAccount(db: Db, admin: { id: string; orgId: string; email: string }, input: unknown) {
  const { name, role, expiresInDays } = parseInput(ServiceAccountInput, input ?? {});
  const email = `${name}@service.hoop`;
  const existing = await db.user.findUnique({ where: { orgId_email: { orgId: admin.orgId, email } } });
  if (existing) throw new AppError('conflict', `service account "${name}" exists already`);
  const { createApiToken, recordAdminAction } = await loadHoopDb();
  const account = await db.user.create({ data: { orgId: admin.orgId, email, name, role, isService: true } });
  const { token, row } = await createApiToken(db, account.id, {
    name: `service account ${name}`,
    expiresAt: new Date(Date.now() + expiresInDays * 86_400_000),
  });
  await recordAdminAction(db, {
    orgId: admin.orgId,
    actor: { id: admin.id, email: admin.email },
    action: 'service_account.create',
    target: `user:${email}`,
    data: { role, expiresAt: row.expiresAt?.toISOString() ?? null, via: 'api' },
  });
  return { name, email, role, token, expiresAt: row.expiresAt };
}
