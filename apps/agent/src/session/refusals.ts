import { BLOCKED_PREFIX, REVIEW_PREFIX } from '@hoop/protocol';
import type { ReviewUpdate, Verdict } from './hooks';

/** The words every connection type uses when hoop stops something: SQL errors and shell messages say the same. */

/** `blocked by hoop guardrail "<rule>": <why>` */
export function blockedMessage(v: Verdict): string {
  return `${BLOCKED_PREFIX} guardrail "${v.ruleId ?? 'policy'}": ${v.message ?? 'not allowed by policy'}`;
}

/** `not approved by hoop review: <what happened to the review>` */
export function notApprovedMessage(u: ReviewUpdate, reviewId: string | undefined, what: 'statement' | 'command'): string {
  const id = reviewId ? `review ${reviewId}` : 'the review';
  const why: Record<ReviewUpdate['status'], string> = {
    pending: '',
    approved: '',
    rejected: `${id} was rejected${u.decidedBy ? ` by ${u.decidedBy}` : ''}`,
    expired: `${id} expired before reviewers decided`,
    revoked: `${id} was revoked${u.decidedBy ? ` by ${u.decidedBy}` : ''}`,
    invalid: `${id} cannot run this ${what}`,
    unavailable: `the ${what} needs approval, but no review could be requested`,
  };
  return `${REVIEW_PREFIX}: ${why[u.status]}${u.message ? `: ${u.message}` : ''}`;
}
