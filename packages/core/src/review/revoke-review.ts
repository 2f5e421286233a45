import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { SessionUser } from '../auth/load-session-user';
import { reviewDetail } from './get-review';
import { asAppErrors } from './review-errors';
import type { ReviewDetail } from './review-view';
import { revokeReview } from './reviews';

export const RevokeReviewInput = z.object({
  id: z.string().trim().min(1).max(100),
  note: z.string().trim().max(2000).optional(),
});
export type RevokeReviewInput = z.input<typeof RevokeReviewInput>;

/** An admin withdraws a pending request, an approval not yet used, or a running access grant. */
export async function revokeReviewAsAdmin(db: Db, user: SessionUser, input: RevokeReviewInput): Promise<ReviewDetail> {
  const q = RevokeReviewInput.parse(input);
  const review = await asAppErrors(() => revokeReview(db, q.id, user, q.note || null));
  return reviewDetail(db, user, review);
}
