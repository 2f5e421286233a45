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

/**
 * A text with a SQL PREPARE that needs approval is refused, not held: once approved, the statement it prepares would
 * run at every later EXECUTE without review (the guard judges PREPARE by its literal, and EXECUTE of a name as such).
 */
export function prepareNotHeld(v: Verdict): Verdict {
  const why = 'a SQL PREPARE is not held for review (each EXECUTE of it would run without one): send the statement itself';
  return { ...v, action: 'deny', message: `${v.message ?? 'it needs approval'}; ${why}` };
}

/** The record of a statement refused before it reached the target (its text masked). */
export function refusalRecord(sql: string, verdict: Verdict, maskAudit: (t: string) => string) {
  return {
    sql: maskAudit(sql),
    decision: verdict.action,
    ruleId: verdict.ruleId ?? null,
    reason: verdict.message ?? null,
    statements: verdict.statements ?? null,
    executed: false,
  };
}
