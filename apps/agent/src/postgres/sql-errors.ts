import { BLOCKED_PREFIX } from '@hoop/protocol';
import { blockedMessage, notApprovedMessage } from '../session/refusals';
import type { ReviewUpdate, Verdict } from '../session/hooks';

/** An ErrorResponse the agent sends itself (a refused or unapproved statement, a protocol problem). */
export type ErrorFields = { severity: 'ERROR' | 'FATAL'; code: string; message: string; hint?: string; detail?: string };

/** The guard's rule for a statement the SQL parser could not read. */
const PARSE_ERROR_RULE = 'parse-error';
/** Postgres' own syntax_error: a statement hoop cannot read fails with the code the server would give it. */
const SQLSTATE_SYNTAX_ERROR = '42601';

/** The error a statement gets when policy stops it: denied, or needing a review that cannot be asked for here. */
export function refusalError(v: Verdict): ErrorFields {
  if (v.action === 'review') {
    return {
      severity: 'ERROR',
      code: v.sqlstate ?? '42501',
      message: `${BLOCKED_PREFIX} guardrail "${v.ruleId ?? 'review'}": ${v.message ?? 'this statement needs approval'} (approval required)`,
      hint: v.hint ?? "this statement needs a reviewer's approval before it can run",
    };
  }
  return {
    severity: 'ERROR',
    code: v.ruleId === PARSE_ERROR_RULE ? SQLSTATE_SYNTAX_ERROR : (v.sqlstate ?? '42501'),
    message: blockedMessage(v),
    ...(v.hint ? { hint: v.hint } : {}),
  };
}

/** The error a held statement gets when its review ends any other way than approved. */
export function reviewRefusal(u: ReviewUpdate, reviewId: string | undefined): ErrorFields {
  return {
    severity: 'ERROR',
    code: '42501',
    message: notApprovedMessage(u, reviewId, 'statement'),
    hint: u.status === 'rejected' || u.status === 'invalid' ? 'the statement did not run' : 'the statement did not run; run it again to ask for a new review',
  };
}
