import { sentence } from './review-errors';
import type { ReviewDetail } from './review-view';
import { approvalRefusal, type Reviewer, type ReviewWithDetails } from './reviews';

type Viewer = ReviewDetail['viewer'];

/**
 * What the signed-in user may do with a review, worked out with the same rule `voteOnReview` enforces
 * (`approvalRefusal`), so a page never offers a button the server would refuse. The server still checks on every
 * decision: this only decides what to show.
 */
export function viewerState(r: ReviewWithDetails, user: Reviewer, now: Date = new Date()): Viewer {
  const mine = r.votes.find((v) => v.userId === user.id);
  const vote = mine ? (mine.decision === 'approve' ? 'approve' : 'reject') : null;
  const canRevoke =
    user.role === 'admin' &&
    (r.status === 'pending' ||
      (r.status === 'approved' && r.kind === 'statement' && !r.executedAt) ||
      (r.status === 'approved' && r.kind === 'access' && Boolean(r.grantExpiresAt && r.grantExpiresAt > now)));
  if (r.status !== 'pending') return { canDecide: false, refusal: null, vote, canRevoke };
  if (r.expiresAt <= now)
    return { canDecide: false, refusal: 'This request has expired; the requester must run the statement again to ask anew.', vote, canRevoke };
  const refusal = approvalRefusal(r, user);
  if (refusal) return { canDecide: false, refusal: sentence(refusal), vote, canRevoke };
  if (vote) {
    const left = Math.max(0, r.minApprovals - r.votes.filter((v) => v.decision === 'approve').length);
    return {
      canDecide: false,
      refusal: `You already approved this request; it needs ${left} more approval${left === 1 ? '' : 's'} from other approvers.`,
      vote,
      canRevoke,
    };
  }
  return { canDecide: true, refusal: null, vote, canRevoke };
}
