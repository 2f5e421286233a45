import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { SessionUser } from '../auth/load-session-user';
import { listReviews } from './reviews';

export const ReviewSummary = z.object({
  /** pending requests in the org (as the inbox lists them) */
  pending: z.number().int(),
  /** pending requests the signed-in user could approve or reject now */
  awaitingMe: z.number().int(),
});
export type ReviewSummary = z.infer<typeof ReviewSummary>;

/** Counts for the sidebar badge and the inbox tabs. */
export async function reviewSummary(db: Db, user: SessionUser, now = new Date()): Promise<ReviewSummary> {
  const [pending, actionable] = await Promise.all([
    db.review.count({ where: { orgId: user.orgId, status: 'pending' } }),
    listReviews(db, user.orgId, { status: 'pending', actionableBy: user, limit: 500 }),
  ]);
  return { pending, awaitingMe: actionable.filter((r) => r.expiresAt > now).length };
}

export const ReviewFacets = z.object({
  connections: z.array(z.string()),
  requesters: z.array(z.object({ email: z.string(), name: z.string() })),
});
export type ReviewFacets = z.infer<typeof ReviewFacets>;

/** The connections and requesters that appear in the org's reviews: the choices of the inbox filters. */
export async function reviewFacets(db: Db, orgId: string): Promise<ReviewFacets> {
  const [connections, requesters] = await Promise.all([
    db.connection.findMany({ where: { orgId, reviews: { some: {} } }, select: { name: true }, orderBy: { name: 'asc' }, take: 200 }),
    db.user.findMany({ where: { orgId, reviews: { some: {} } }, select: { email: true, name: true }, orderBy: { email: 'asc' }, take: 200 }),
  ]);
  return { connections: connections.map((c) => c.name), requesters };
}
