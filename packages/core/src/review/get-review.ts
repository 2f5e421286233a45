import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { SessionUser } from '../auth/load-session-user';
import { asAppErrors } from './review-errors';
import { decidersOf, type ReviewDetail, listItem, votesOf } from './review-view';
import { viewerState } from './review-viewer';
import { approvalRefusal, getReview, type ReviewWithDetails } from './reviews';

export const ReviewIdInput = z.object({ id: z.string().trim().min(1).max(100) });

/** One review of the signed-in user's org, with its votes and what this user may do with it. */
export async function getReviewDetail(db: Db, user: SessionUser, id: string, now = new Date()): Promise<ReviewDetail> {
  const review = await asAppErrors(() => getReview(db, user.orgId, id));
  return reviewDetail(db, user, review, now);
}

export async function reviewDetail(db: Db, user: SessionUser, r: ReviewWithDetails, now = new Date()): Promise<ReviewDetail> {
  const viewer = viewerState(r, user, now);
  return {
    ...listItem(r, await decidersOf(db, user.orgId, [r]), viewer.canDecide),
    digest: r.digest,
    policy: { name: r.policyName, version: r.policyVersion },
    approvers: { roles: r.approverRoles, users: r.approverUsers },
    allowSelfApproval: r.allowSelfApproval,
    votes: votesOf(r),
    grantExpiresAt: r.grantExpiresAt,
    viewer,
  };
}
