import type { Payload, Tunnel } from '@hoop/protocol';
import type { ReviewUpdate, SessionHooks } from './hooks';
import { reviewDigest, reviewText } from './review-subject';

type Listener = (u: ReviewUpdate) => void;

/**
 * The agent's side of review holds: asks the gateway for a review of a held statement and routes the answers
 * (`review_update`) back to the session holding it. The statement itself never leaves the agent unmasked: the gateway
 * gets its digest and the masked text reviewers read — with the values bound to it and the prepared statements it runs
 * by name, which the digest covers too (review-subject.ts).
 */
export class ReviewBroker {
  private tunnel: Tunnel | null = null;
  private nextRef = 1;
  private readonly waiting = new Map<number, Listener>();

  attach(tunnel: Tunnel | null): void {
    this.tunnel = tunnel;
    if (tunnel) return;
    // sessions ride on the tunnel, so they end with it; their holds cannot be decided any more
    for (const [ref, listener] of this.waiting) {
      this.waiting.delete(ref);
      listener({ status: 'unavailable', message: 'the connection to the gateway was lost' });
    }
  }

  request(body: Omit<Payload<'review_request'>, 'ref'>, listener: Listener): () => void {
    const ref = this.nextRef++;
    if (!this.tunnel) {
      listener({ status: 'unavailable', message: 'the agent is not connected to a gateway' });
      return () => undefined;
    }
    this.waiting.set(ref, listener);
    this.tunnel.send('review_request', { ...body, ref });
    return () => {
      // the session ended while waiting: the gateway stops holding a place for it
      if (this.waiting.delete(ref)) this.tunnel?.send('review_cancel', { ref, sessionId: body.sessionId });
    };
  }

  update(u: Payload<'review_update'>): void {
    const listener = this.waiting.get(u.ref);
    if (!listener) {
      // approved just after the session ended: hand the approval back so a re-attached client can still use it
      if (u.status === 'approved')
        this.tunnel?.send('review_cancel', { ref: u.ref, sessionId: u.sessionId, ...(u.reviewId ? { reviewId: u.reviewId } : {}), unused: true });
      return;
    }
    if (u.status !== 'pending') this.waiting.delete(u.ref);
    listener({
      status: u.status,
      ...(u.reviewId ? { reviewId: u.reviewId } : {}),
      ...(u.url ? { url: u.url } : {}),
      ...(u.expiresAt ? { expiresAt: u.expiresAt } : {}),
      ...(u.decidedBy ? { decidedBy: u.decidedBy } : {}),
      ...(u.message ? { message: u.message } : {}),
    });
  }
}

/**
 * The review hook of one session. The first hold may re-attach to an earlier review (the client asked with
 * `hoop exec --review ID`); the gateway checks that it is for exactly this statement.
 */
export function reviewHook(
  broker: ReviewBroker,
  o: { sessionId: string; policyVersion: () => number | null; maskAudit: (text: string) => string; reattach?: string },
): NonNullable<SessionHooks['requestReview']> {
  let reattach = o.reattach;
  return ({ sql, verdict, subject }, onUpdate) => {
    const reviewId = reattach;
    reattach = undefined;
    const about = subject ?? { sql };
    return broker.request(
      {
        sessionId: o.sessionId,
        digest: reviewDigest(about),
        statement: shown(reviewText(about, o.maskAudit)),
        ruleId: verdict.ruleId ?? null,
        message: verdict.message?.slice(0, 2000) ?? null,
        policyVersion: o.policyVersion(),
        ...(reviewId ? { reviewId } : {}),
      },
      onUpdate,
    );
  };
}

/** What the gateway stores for reviewers is cut at 64 KiB; the cut says so (the digest still covers all of it). */
const MAX_SHOWN = 64 * 1024;
const CUT = '\n-- … cut here: the statement is longer than reviewers can be shown';

function shown(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN - CUT.length)}${CUT}`;
}
