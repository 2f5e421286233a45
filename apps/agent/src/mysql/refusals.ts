import type { ReviewUpdate, Verdict } from '../session/hooks';
import { notApprovedMessage } from '../session/refusals';

/**
 * The ERR message of a held statement whose review ended any other way than approved: what happened to the review (the
 * words every connection type uses), the guardrail that held it, and whether asking again can help.
 */
export function reviewRefusal(u: ReviewUpdate, reviewId: string | undefined, held: Verdict): string {
  const again = u.status === 'rejected' || u.status === 'invalid' ? '' : '; run it again to ask for a new review';
  return `${notApprovedMessage(u, reviewId, 'statement')} (held by guardrail "${held.ruleId ?? 'review'}"; the statement did not run${again})`;
}
