import { WAITING_PREFIX } from '@hoop/protocol';
import { errorResponse, type FrontendMessage, noticeResponse } from '@hoop/pgwire';
import type { ReviewUpdate, SessionHooks, Verdict } from '../session/hooks';
import { type HeldStatement, holdForReview, MAX_HELD_INPUT, type ReviewHold } from '../session/review-hold';
import type { RelayOutput } from './relay-output';
import { type ErrorFields, reviewRefusal } from './sql-errors';

/** What is held: a simple query, or the Bind of a statement (its values are known then), or an Execute of a portal. */
export type HeldMessage = FrontendMessage & { type: 'Query' | 'Bind' | 'Execute' };

/** A statement to hold: what reviewers decide on, and what the session needs to run it once approved. */
export interface HoldRequest<C> extends HeldStatement {
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
  review: ReviewHold;
}

/**
 * The statement of a Postgres session held for review, if any (its review goes as session/review-hold.ts runs it):
 * tells the client where to watch it (a NOTICE with the link), queues what the client sends meanwhile (bounded), and
 * on the decision runs or refuses the statement and then the queue, in order.
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
    // (the review tells of its progress in later ticks, once `hold` is set)
    let hold: Hold<C> | null = null;
    const review = holdForReview(this.hooks, (type, data) => this.out.audit(type, data), request, {
      pending: (u) => this.pending(hold!, u),
      approved: (verdict) => this.decided(hold!, () => this.owner.runApproved(request, verdict)),
      refused: (u, reviewId) => this.decided(hold!, () => this.owner.refuseHeld(request.message, reviewRefusal(u, reviewId))),
    });
    hold = { request, queue: [], queuedBytes: 0, review };
    this.hold = hold;
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
    hold.review.end();
    if (this.hold === hold) this.hold = null;
  }

  private pending(hold: Hold<C>, u: ReviewUpdate): void {
    this.out.client.append(
      noticeResponse({
        severity: 'NOTICE',
        code: '01000',
        message: `${WAITING_PREFIX}: ${u.url ?? `review ${u.reviewId}`}`,
        detail: `review ${u.reviewId ?? '?'} (guardrail "${hold.request.verdict.ruleId ?? 'review'}"); expires at ${u.expiresAt ?? 'unknown'}`,
        hint: 'the statement runs as soon as it is approved; it is refused if it is rejected or expires',
      }),
    );
    this.out.flush();
  }

  /** Reviewers decided: the statement runs or is refused, then what the client sent meanwhile, in order. */
  private decided(hold: Hold<C>, answer: () => void): void {
    if (this.hold === hold) this.hold = null;
    answer();
    // (and may be held in turn)
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
