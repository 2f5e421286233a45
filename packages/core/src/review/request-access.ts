import type { Db } from '@hoop/db';
import { z } from 'zod';
import { unknownConnection } from '../connection/connection-summaries';
import { AppError, parseInput } from '../errors';
import { accessRefusal } from '../policy/access-rule';
import { reviewRules } from './review-rules';
import { activeGrant, createAccessReview, getReview, reviewView } from './reviews';

export const AccessRequestInput = z.object({
  connection: z.string({ error: 'connection is required' }).min(1, { error: 'connection is required' }),
  durationMinutes: z.unknown().optional(),
  reason: z.unknown().optional(),
});

/**
 * `hoop connect` on a connection whose policy requires approval to connect at all: the grant in force, or the pending
 * request (an identical pending one is reused), or a new one filed for the policy's approvers.
 */
export async function requestAccess(db: Db, user: { id: string; orgId: string; role: string; roles: readonly string[] }, input: unknown, webUrl: string) {
  const b = parseInput(AccessRequestInput, input && typeof input === 'object' ? input : {});
  const conn = await db.connection.findUnique({ where: { orgId_name: { orgId: user.orgId, name: b.connection } }, include: { policy: true } });
  if (!conn) throw new AppError('not_found', unknownConnection(b.connection));
  const refusal = accessRefusal(conn.policy?.document ?? null, conn.policy?.name ?? 'default', user, 'connect', conn.name);
  if (refusal) throw new AppError('forbidden', refusal);
  const rules = reviewRules(conn.policy);
  if (!rules) throw new AppError('conflict', `the policy of "${conn.name}" is invalid; an admin must fix it`);
  const access = rules.settings.access;
  if (!access.required) return { required: false, grant: null, review: null };
  const grant = await activeGrant(db, user.id, conn.id);
  if (grant) return { required: true, grant: { reviewId: grant.id, expiresAt: grant.grantExpiresAt!.toISOString() }, review: null };
  const minutes = b.durationMinutes === undefined ? access.defaultMinutes : Number(b.durationMinutes);
  if (!Number.isInteger(minutes) || minutes < 1) throw new AppError('invalid', 'durationMinutes must be a whole number of minutes');
  if (minutes > access.maxMinutes) throw new AppError('invalid', `policy "${rules.policyName}" grants at most ${access.maxMinutes} minutes on "${conn.name}"`);
  const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim().slice(0, 2000) : null;
  const existing = await db.review.findFirst({
    where: { kind: 'access', status: 'pending', requesterId: user.id, connectionId: conn.id, durationMinutes: minutes, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
  });
  if (existing) return { required: true, grant: null, review: reviewView(await getReview(db, user.orgId, existing.id), webUrl) };
  const review = await createAccessReview(db, { orgId: user.orgId, requesterId: user.id, connectionId: conn.id, durationMinutes: minutes, reason, rules });
  return { required: true, grant: null, review: reviewView(review, webUrl) };
}
