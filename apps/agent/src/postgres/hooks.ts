/** Where policy plugs into a Postgres session: statements are judged before they are sent, rows masked after. */
import type { MessageBuffer } from '@hoop/pgwire';
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

export interface ColumnInfo { name: string; tableOid: number; typeOid: number; format: number }

export interface RowMasker {
  /** writes the DataRow `src[start, end)` to `out` with its values masked (its own bytes when nothing changes) */
  writeRow(src: Buffer, start: number, end: number, out: MessageBuffer): void;
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
  /** a masker for a result with these columns, or null when no column can hold PII */
  rowMasker(columns: ColumnInfo[]): RowMasker | null;
  /** free text that goes back to the client (notices, error messages, COPY rows); counted */
  maskText(text: string): string;
  /** text written to the audit trail (statements, error summaries); masked the same way, not counted */
  maskAudit(text: string): string;
  /** values masked since the last call, by type */
  takeMaskCounts(): Record<string, number>;
}

export const allowAll: SessionHooks = {
  judge: () => ({ action: 'allow' }),
  rowMasker: () => null,
  maskText: (t) => t,
  maskAudit: (t) => t,
  takeMaskCounts: () => ({}),
};
