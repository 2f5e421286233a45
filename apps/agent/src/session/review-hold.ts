import type { ReviewUpdate, SessionHooks, Verdict } from './hooks';
import { describeParams, type ReviewSubject } from './review-subject';

/**
 * Client bytes a session may queue behind a held statement before it is refused. What every session holds counts in
 * the agent's input budget too, so sessions held at once cannot together hold more than that.
 */
export const MAX_HELD_INPUT = 16 * 1024 * 1024;

/** A statement to hold: its text for the audit trail, what reviewers decide on, and the verdict that held it. */
export interface HeldStatement {
  sql: string;
  subject: ReviewSubject;
  verdict: Verdict;
}

/** What the session holding a statement does as its review goes (each is called at most once). */
export interface HoldEvents {
  /** reviewers were asked: `u` has the review's id, link and deadline, for a protocol that can tell its client */
  pending?(u: ReviewUpdate): void;
  /** approved: the statement runs now, this once, with `verdict` (allow, naming the review) */
  approved(verdict: Verdict): void;
  /** rejected, expired, revoked, invalid or unavailable: the statement does not run (session/refusals.ts words it) */
  refused(u: ReviewUpdate, reviewId: string | undefined): void;
}

/** A statement waiting for reviewers; `end()` abandons it (the session is over, the client quit). */
export interface ReviewHold {
  readonly reviewId: string | undefined;
  end(): void;
}

/**
 * Holds one statement for review, whatever the protocol: records it as held, asks the gateway for a review through
 * `hooks.requestReview` (which must be there), records the request and the decision, and tells the session through
 * `on`. What the client sends meanwhile is the session's to queue, in its own protocol's units.
 */
export function holdForReview(
  hooks: Pick<SessionHooks, 'requestReview' | 'maskAudit'>,
  audit: (type: string, data: Record<string, unknown>) => void,
  held: HeldStatement,
  on: HoldEvents,
): ReviewHold {
  const { sql, subject, verdict } = held;
  const mask = (t: string) => hooks.maskAudit(t);
  audit('statement', {
    sql: mask(sql),
    decision: 'review',
    ruleId: verdict.ruleId ?? null,
    reason: verdict.message ?? null,
    statements: verdict.statements ?? null,
    ...(subject.params?.values.length ? { parameters: describeParams(subject.params, mask) } : {}),
    ...(subject.runs?.length ? { runsPrepared: subject.runs.map((r) => r.name) } : {}),
    executed: false,
    held: true,
  });
  let over = false;
  let timer: NodeJS.Timeout | null = null;
  let cancel: () => void = () => undefined;
  const hold: { reviewId: string | undefined; end(): void } = {
    reviewId: undefined,
    end() {
      if (over) return;
      over = true;
      if (timer) clearTimeout(timer);
      cancel();
    },
  };
  const update = (u: ReviewUpdate) => {
    if (over) return;
    if (u.status === 'pending') {
      hold.reviewId = u.reviewId;
      audit('review.requested', { reviewId: u.reviewId ?? null, url: u.url ?? null, expiresAt: u.expiresAt ?? null, ruleId: verdict.ruleId ?? null });
      // the gateway expires reviews; this only guards against never hearing back
      if (!timer && u.expiresAt) {
        const ms = Math.max(0, Date.parse(u.expiresAt) - Date.now()) + 60_000;
        timer = setTimeout(() => update({ status: 'expired', reviewId: u.reviewId, message: 'no decision reached the agent in time' }), ms);
        timer.unref();
      }
      on.pending?.(u);
      return;
    }
    hold.end();
    const reviewId = u.reviewId ?? hold.reviewId;
    audit('review.decided', { reviewId: reviewId ?? null, status: u.status, decidedBy: u.decidedBy ?? null, message: u.message ?? null });
    if (u.status === 'approved') on.approved({ ...verdict, action: 'allow', ...(reviewId ? { reviewId } : {}) });
    else on.refused(u, reviewId);
  };
  // a decision may arrive in the same tick as the request: it is handled after the caller has finished
  cancel = hooks.requestReview!({ sql, verdict, subject }, (u) => queueMicrotask(() => update(u)));
  return hold;
}
