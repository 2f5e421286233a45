/**
 * Where policy plugs into a session of any protocol: each statement or command is judged before it reaches the target,
 * what comes back is masked before the client sees it, and a statement that needs approval is held for review.
 */
import type { ReviewSubject } from './review-subject';

export interface Verdict {
  action: 'allow' | 'deny' | 'review';
  ruleId?: string;
  /** why, in words a user can act on */
  message?: string;
  hint?: string;
  sqlstate?: string;
  /** a shell line that stops inside a construct (open quote, `do` without `done`): more lines will follow */
  incomplete?: boolean;
  /** the approved review that let this statement run */
  reviewId?: string;
  /** per-statement classification, recorded in the audit trail */
  statements?: { text: string; kind: string; action: string; ruleId?: string }[];
}

/** Where a held statement stands, as the gateway reports it. */
export interface ReviewUpdate {
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'revoked' | 'invalid' | 'unavailable';
  reviewId?: string;
  url?: string;
  expiresAt?: string;
  decidedBy?: string;
  message?: string;
}

export interface SessionHooks {
  /**
   * Asks for a review of a held statement; `onUpdate` hears `pending` (with the link), then one final status.
   * Returns a function that abandons the request (the session ended). Absent: review behaves as deny. `subject`: what
   * the approval is for when it is more than `sql` (the values bound to it, prepared statements it runs).
   */
  requestReview?(request: { sql: string; verdict: Verdict; subject?: ReviewSubject }, onUpdate: (u: ReviewUpdate) => void): () => void;
  judge(sql: string): Verdict;
  /** free text that goes back to the client (notices, error messages, COPY rows); counted */
  maskText(text: string): string;
  /** text written to the audit trail (statements, error summaries); masked the same way, not counted */
  maskAudit(text: string): string;
  /** values masked since the last call, by type */
  takeMaskCounts(): Record<string, number>;
}
