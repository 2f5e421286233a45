import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { SessionUser } from '../auth/load-session-user';
import { reviewDetail } from './get-review';
import { asAppErrors } from './review-errors';
import { ReviewDetail } from './review-view';
import { voteOnReview } from './reviews';

export const DecideReviewInput = z.object({
  id: z.string().trim().min(1).max(100),
  /** shown with the decision; on a rejection it is the reason the requester reads */
  comment: z.string().trim().max(2000).optional(),
});
export type DecideReviewInput = z.input<typeof DecideReviewInput>;

export const DecisionOutcome = z.object({
  review: ReviewDetail,
  /** this vote settled the request (approved with enough approvals, or rejected) */
  decided: z.boolean(),
});
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;

/**
 * Approves or rejects from the web inbox. `voteOnReview` checks everything (approver role or e-mail, no self-approval
 * unless the policy allows it, one vote each, still pending and not expired) and announces the change, so the gateway
 * releases or refuses the held statement at once.
 */
export async function decideReview(db: Db, user: SessionUser, decision: 'approve' | 'reject', input: DecideReviewInput): Promise<DecisionOutcome> {
  const q = DecideReviewInput.parse(input);
  const out = await asAppErrors(() => voteOnReview(db, { reviewId: q.id, user, decision, comment: q.comment || null, via: 'web' }));
  return { review: await reviewDetail(db, user, out.review), decided: out.decided };
}
