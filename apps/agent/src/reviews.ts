import { createHash } from 'node:crypto';
import type { Payload, Tunnel } from '@hoop/protocol';
import type { ReviewUpdate, SessionHooks, Verdict } from './postgres/hooks';

type Listener = (u: ReviewUpdate) => void;

/**
 * The agent's side of review holds: asks the gateway for a review of a held statement and routes the answers
 * (`review_update`) back to the session holding it. The statement itself never leaves the agent unmasked: the gateway
 * gets its digest and the masked text reviewers read.
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
      if (u.status === 'approved') this.tunnel?.send('review_cancel', { ref: u.ref, sessionId: u.sessionId, ...(u.reviewId ? { reviewId: u.reviewId } : {}), unused: true });
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

export function statementDigest(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
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
  return ({ sql, verdict }: { sql: string; verdict: Verdict }, onUpdate) => {
    const reviewId = reattach;
    reattach = undefined;
    return broker.request(
      {
        sessionId: o.sessionId,
        digest: statementDigest(sql),
        statement: o.maskAudit(sql).slice(0, 64 * 1024),
        ruleId: verdict.ruleId ?? null,
        message: verdict.message?.slice(0, 2000) ?? null,
        policyVersion: o.policyVersion(),
        ...(reviewId ? { reviewId } : {}),
      },
      onUpdate,
    );
  };
}
