import { WAITING_PREFIX } from '@hoop/protocol';
import { errorResponse, type FrontendMessage, noticeResponse } from '@hoop/pgwire';
import type { ReviewUpdate, SessionHooks, Verdict } from '../session/hooks';
import type { RelayOutput } from './relay-output';
import { describeParams, type ReviewSubject } from '../session/review-subject';
import { type ErrorFields, reviewRefusal } from './sql-errors';

/**
 * Client bytes a session may queue behind a held statement before it is refused. What every session holds counts in
 * the agent's input budget too (session.ts), so sessions held at once cannot together hold more than that.
 */
const MAX_HELD_INPUT = 16 * 1024 * 1024;

/** What is held: a simple query, or the Bind of a statement (its values are known then), or an Execute of a portal. */
export type HeldMessage = FrontendMessage & { type: 'Query' | 'Bind' | 'Execute' };

/** A statement to hold: what reviewers decide on, and what the session needs to run it once approved. */
export interface HoldRequest<C> {
  /** the statement's text, for the audit trail */
  sql: string;
  subject: ReviewSubject;
  verdict: Verdict;
  message: HeldMessage;
  /** the session's own record of what the message runs (the prepared statement, the portal) */
  context: C;
}

/** What a hold needs from the session it belongs to once reviewers have decided. */
export interface HoldOwner<C> {
  /** sends the approved statement on, as if it had just arrived allowed: this once */
  runApproved(request: HoldRequest<C>, verdict: Verdict): void;
  /** answers the held statement with an error, in protocol order */
  refuseHeld(message: HeldMessage, err: ErrorFields): void;
  /** a client message that waited behind the hold, handled now */
  replay(m: FrontendMessage): 'continue' | 'terminate';
}

/** A statement waiting for reviewers; the client's later messages wait behind it, in order. */
interface Hold<C> {
  request: HoldRequest<C>;
  queue: FrontendMessage[];
  queuedBytes: number;
  reviewId?: string;
  cancel: () => void;
  timer: NodeJS.Timeout | null;
}

/**
 * The statement of a Postgres session held for review, if any: asks for the review, tells the client where to watch
 * it (a NOTICE with the link), queues what the client sends meanwhile (bounded), and on the decision runs or refuses
 * the statement and then the queue, in order.
 */
export class ReviewHolds<C> {
  private hold: Hold<C> | null = null;

  constructor(
    private readonly out: RelayOutput,
    private readonly hooks: SessionHooks,
    private readonly owner: HoldOwner<C>,
  ) {}

  get active(): boolean {
    return this.hold !== null;
  }

  /** client bytes held here: the held statement and what the client sent after it */
  get heldBytes(): number {
    return this.hold ? this.hold.request.message.raw.length + this.hold.queuedBytes : 0;
  }

  start(request: HoldRequest<C>): void {
    const { sql, subject, verdict } = request;
    const mask = (t: string) => this.hooks.maskAudit(t);
    this.out.audit('statement', {
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
    const hold: Hold<C> = { request, queue: [], queuedBytes: 0, cancel: () => undefined, timer: null };
    this.hold = hold;
    let cancelled = false;
    const cancel = this.hooks.requestReview!({ sql, verdict, subject }, (u) => {
      // a decision may arrive in the same tick as the request: handle it after the caller has finished
      queueMicrotask(() => {
        if (!cancelled) this.onUpdate(hold, u);
      });
    });
    hold.cancel = () => {
      cancelled = true;
      cancel();
    };
  }

  /** A client message that arrived while a statement is held. */
  queue(m: FrontendMessage): 'continue' | 'terminate' {
    const hold = this.hold!;
    if (m.type === 'Terminate') {
      this.end(hold);
      this.out.toTarget(m.raw);
      return 'terminate';
    }
    hold.queue.push(m);
    hold.queuedBytes += m.raw.length;
    if (hold.queuedBytes > MAX_HELD_INPUT) {
      this.end(hold);
      this.out.client.append(errorResponse({ severity: 'FATAL', code: '54000', message: 'too much input queued behind a statement waiting for approval' }));
      return 'terminate';
    }
    return 'continue';
  }

  /** The session is over: a held statement will never run. */
  dispose(): void {
    if (this.hold) this.end(this.hold);
  }

  private end(hold: Hold<C>): void {
    if (hold.timer) clearTimeout(hold.timer);
    hold.cancel();
    if (this.hold === hold) this.hold = null;
  }

  private onUpdate(hold: Hold<C>, u: ReviewUpdate): void {
    if (this.hold !== hold) return;
    if (u.status === 'pending') {
      hold.reviewId = u.reviewId;
      this.out.audit('review.requested', {
        reviewId: u.reviewId ?? null,
        url: u.url ?? null,
        expiresAt: u.expiresAt ?? null,
        ruleId: hold.request.verdict.ruleId ?? null,
      });
      this.out.client.append(
        noticeResponse({
          severity: 'NOTICE',
          code: '01000',
          message: `${WAITING_PREFIX}: ${u.url ?? `review ${u.reviewId}`}`,
          detail: `review ${u.reviewId ?? '?'} (guardrail "${hold.request.verdict.ruleId ?? 'review'}"); expires at ${u.expiresAt ?? 'unknown'}`,
          hint: 'the statement runs as soon as it is approved; it is refused if it is rejected or expires',
        }),
      );
      // the gateway expires reviews; this only guards against never hearing back
      if (!hold.timer && u.expiresAt) {
        const ms = Math.max(0, Date.parse(u.expiresAt) - Date.now()) + 60_000;
        hold.timer = setTimeout(() => this.onUpdate(hold, { status: 'expired', reviewId: u.reviewId, message: 'no decision reached the agent in time' }), ms);
        hold.timer.unref();
      }
      this.out.flush();
      return;
    }
    this.end(hold);
    const reviewId = u.reviewId ?? hold.reviewId;
    this.out.audit('review.decided', { reviewId: reviewId ?? null, status: u.status, decidedBy: u.decidedBy ?? null, message: u.message ?? null });
    if (u.status === 'approved') this.owner.runApproved(hold.request, { ...hold.request.verdict, action: 'allow', ...(reviewId ? { reviewId } : {}) });
    else this.owner.refuseHeld(hold.request.message, reviewRefusal(u, reviewId));
    // what the client sent meanwhile runs now, in order (and may be held in turn)
    for (const next of hold.queue) {
      if (this.owner.replay(next) === 'terminate') {
        this.out.flush();
        this.out.terminate();
        return;
      }
    }
    this.out.flush();
  }
}
