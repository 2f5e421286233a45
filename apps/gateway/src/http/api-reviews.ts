import { AppError } from '@hoop/core/errors';
import { asAppErrors } from '@hoop/core/review/review-errors';
import { requestAccess } from '@hoop/core/review/request-access';
import { getReview, listReviews, type ReviewFilters, reviewView, revokeReview, voteOnReview } from '@hoop/core/review/reviews';
import type { ApiCall, Handlers } from './api-route';

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'revoked', 'decided', 'all'] as const;

/** The review's refusals as reviews.ts words them (the CLI prints them after `hoop:`). */
const asIs = <T>(work: () => Promise<T>) => asAppErrors(work, 'as-is');

async function comment(body: () => Promise<unknown>): Promise<string | null> {
  const b = await body();
  return b && typeof b === 'object' && 'comment' in b && typeof b.comment === 'string' ? b.comment : null;
}

async function decide({ deps, user, params, body }: ApiCall, decision: 'approve' | 'reject') {
  const note = await comment(body);
  const out = await asIs(() => voteOnReview(deps.db, { reviewId: params.id!, user, decision, comment: note, via: 'cli' }));
  return { ...reviewView(out.review, deps.webUrl), decided: out.decided };
}

/**
 * `hoop reviews`: every member sees the org's reviews and may decide those they are an approver of (voteOnReview
 * checks: the review's approvers, no self-approval unless its policy allows it); admins revoke. `hoop connect` asks for
 * time-boxed access here.
 */
export const reviewRoutes: Handlers<
  | 'GET /api/reviews'
  | 'GET /api/reviews/:id'
  | 'POST /api/reviews/:id/approve'
  | 'POST /api/reviews/:id/reject'
  | 'POST /api/reviews/:id/revoke'
  | 'POST /api/access-requests'
> = {
  'GET /api/reviews': async ({ deps, user, query }) => {
    const status = query.get('status') ?? 'pending';
    if (!(STATUSES as readonly string[]).includes(status)) throw new AppError('invalid', `status must be one of ${STATUSES.join(', ')}`);
    const kind = query.get('kind');
    if (kind && kind !== 'statement' && kind !== 'access') throw new AppError('invalid', 'kind must be statement or access');
    const session = query.get('session');
    if (session && !/^[0-9a-f-]{36}$/i.test(session)) throw new AppError('invalid', 'session must be a session id');
    const filters: ReviewFilters = {
      status: status as ReviewFilters['status'],
      ...(kind ? { kind: kind as 'statement' | 'access' } : {}),
      ...(query.get('connection') ? { connection: query.get('connection')! } : {}),
      ...(query.get('requester') ? { requester: query.get('requester')! } : {}),
      ...(query.get('mine') === '1' ? { requester: user.email } : {}),
      ...(session ? { session } : {}),
      ...(query.get('actionable') === '1' ? { actionableBy: user } : {}),
      limit: Number(query.get('limit') ?? 50) || 50,
    };
    return { reviews: (await listReviews(deps.db, user.orgId, filters)).map((r) => reviewView(r, deps.webUrl)) };
  },
  'GET /api/reviews/:id': async ({ deps, user, params }) => reviewView(await asIs(() => getReview(deps.db, user.orgId, params.id!)), deps.webUrl),
  'POST /api/reviews/:id/approve': (call) => decide(call, 'approve'),
  'POST /api/reviews/:id/reject': (call) => decide(call, 'reject'),
  'POST /api/reviews/:id/revoke': async ({ deps, user, params, body }) => {
    const note = await comment(body);
    return reviewView(await asIs(() => revokeReview(deps.db, params.id!, user, note)), deps.webUrl);
  },
  'POST /api/access-requests': async ({ deps, user, body }) => requestAccess(deps.db, user, await body(), deps.webUrl),
};
