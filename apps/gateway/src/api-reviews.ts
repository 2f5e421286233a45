import {
  activeGrant,
  createAccessReview,
  type Db,
  getReview,
  listReviews,
  type ReviewFilters,
  ReviewError,
  reviewView,
  revokeReview,
  voteOnReview,
} from '@hoop/db';
import { ApiError } from './api-policies';
import type { UserIdentity } from './auth';
import { accessRefusal } from './routing';
import { reviewRules } from './reviews';

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'revoked', 'decided', 'all'] as const;

function mapError(err: unknown): never {
  if (err instanceof ReviewError) {
    const status = { not_found: 404, forbidden: 403, conflict: 409, invalid: 400 }[err.code];
    throw new ApiError(status, err.message);
  }
  throw err;
}

export async function listReviewsApi(db: Db, user: UserIdentity, params: URLSearchParams, webUrl: string) {
  const status = params.get('status') ?? 'pending';
  if (!(STATUSES as readonly string[]).includes(status)) throw new ApiError(400, `status must be one of ${STATUSES.join(', ')}`);
  const kind = params.get('kind');
  if (kind && kind !== 'statement' && kind !== 'access') throw new ApiError(400, 'kind must be statement or access');
  const filters: ReviewFilters = {
    status: status as ReviewFilters['status'],
    ...(kind ? { kind: kind as 'statement' | 'access' } : {}),
    ...(params.get('connection') ? { connection: params.get('connection')! } : {}),
    ...(params.get('requester') ? { requester: params.get('requester')! } : {}),
    ...(params.get('mine') === '1' ? { requester: user.email } : {}),
    ...(params.get('actionable') === '1' ? { actionableBy: user } : {}),
    limit: Number(params.get('limit') ?? 50) || 50,
  };
  const rows = await listReviews(db, user.orgId, filters);
  return { reviews: rows.map((r) => reviewView(r, webUrl)) };
}

export async function getReviewApi(db: Db, user: UserIdentity, id: string, webUrl: string) {
  try {
    return reviewView(await getReview(db, user.orgId, id), webUrl);
  } catch (err) {
    mapError(err);
  }
}

export async function decideReviewApi(db: Db, user: UserIdentity, id: string, action: 'approve' | 'reject' | 'revoke', body: unknown, webUrl: string) {
  const comment = body && typeof body === 'object' && 'comment' in body && typeof body.comment === 'string' ? body.comment : null;
  try {
    if (action === 'revoke') return reviewView(await revokeReview(db, id, user, comment), webUrl);
    const out = await voteOnReview(db, { reviewId: id, user, decision: action, comment, via: 'cli' });
    return { ...reviewView(out.review, webUrl), decided: out.decided };
  } catch (err) {
    mapError(err);
  }
}

/**
 * `hoop connect` on a connection that requires approval to connect at all: returns the grant in force, or the
 * pending request (an identical pending one is reused), or files a new one.
 */
export async function requestAccessApi(db: Db, user: UserIdentity, body: unknown, webUrl: string) {
  const b = (body && typeof body === 'object' ? body : {}) as { connection?: unknown; durationMinutes?: unknown; reason?: unknown };
  if (typeof b.connection !== 'string' || !b.connection) throw new ApiError(400, 'connection is required');
  const conn = await db.connection.findUnique({ where: { orgId_name: { orgId: user.orgId, name: b.connection } }, include: { policy: true } });
  if (!conn) throw new ApiError(404, `connection "${b.connection}" does not exist; run \`hoop connections\` to list yours`);
  const refusal = accessRefusal(conn.policy?.document ?? null, conn.policy?.name ?? 'default', user, 'connect', conn.name);
  if (refusal) throw new ApiError(403, refusal);
  const rules = reviewRules(conn.policy);
  if (!rules) throw new ApiError(409, `the policy of "${conn.name}" is invalid; an admin must fix it`);
  const access = rules.settings.access;
  if (!access.required) return { required: false, grant: null, review: null };
  const grant = await activeGrant(db, user.id, conn.id);
  if (grant) return { required: true, grant: { reviewId: grant.id, expiresAt: grant.grantExpiresAt!.toISOString() }, review: null };
  const minutes = b.durationMinutes === undefined ? access.defaultMinutes : Number(b.durationMinutes);
  if (!Number.isInteger(minutes) || minutes < 1) throw new ApiError(400, 'durationMinutes must be a whole number of minutes');
  if (minutes > access.maxMinutes) throw new ApiError(400, `policy "${rules.policyName}" grants at most ${access.maxMinutes} minutes on "${conn.name}"`);
  const reason = typeof b.reason === 'string' && b.reason.trim() ? b.reason.trim().slice(0, 2000) : null;
  const existing = await db.review.findFirst({
    where: { kind: 'access', status: 'pending', requesterId: user.id, connectionId: conn.id, durationMinutes: minutes, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
  });
  if (existing) return { required: true, grant: null, review: await getReviewApi(db, user, existing.id, webUrl) };
  const review = await createAccessReview(db, { orgId: user.orgId, requesterId: user.id, connectionId: conn.id, durationMinutes: minutes, reason, rules });
  return { required: true, grant: null, review: reviewView(review, webUrl) };
}
