import type { Payload, Tunnel } from '@hoop/protocol';
import type { ReviewUpdate, SessionHooks } from './hooks';
import { reviewDigest, reviewText } from './review-subject';
import { TunnelRoutes } from './tunnel-routes';

type Listener = (u: ReviewUpdate) => void;

/**
 * The agent's side of review holds: asks the gateway for a review of a held statement and routes the answers
 * (`review_update`) back to the session holding it. The statement itself never leaves the agent unmasked: the gateway
 * gets its digest and the masked text reviewers read — with the values bound to it and the prepared statements it runs
 * by name, which the digest covers too (review-subject.ts).
 */
export class ReviewBroker {
  private nextRef = 1;
  private readonly waiting = new Map<number, { listener: Listener; tunnel: Tunnel }>();

  /** @param routes the tunnels to the gateways: a hold is asked for on its session's own (the gateway its client waits on) */
  constructor(private readonly routes = new TunnelRoutes()) {}

  /** one gateway's link: this tunnel is the only one from now on (null: it is lost) */
  attach(tunnel: Tunnel | null): void {
    const before = this.routes.any;
    this.routes.only(tunnel);
    if (before && before !== tunnel) this.lost(before);
  }

  /**
   * A tunnel is lost. Sessions ride on their tunnel, so they end with it; their holds cannot be decided any more (the
   * review itself stays in the database: a client that connects again re-attaches to it). Holds on other tunnels go on.
   */
  lost(tunnel: Tunnel): void {
    for (const [ref, w] of this.waiting) {
      if (w.tunnel !== tunnel) continue;
      this.waiting.delete(ref);
      w.listener({ status: 'unavailable', message: 'the connection to the gateway was lost' });
    }
  }

  request(body: Omit<Payload<'review_request'>, 'ref'>, listener: Listener): () => void {
    const ref = this.nextRef++;
    const home = this.routes.home(body.sessionId);
    const tunnel = home ? (this.routes.isLive(home) ? home : null) : this.routes.any;
    if (!tunnel) {
      listener({ status: 'unavailable', message: 'the agent is not connected to the gateway of this session' });
      return () => undefined;
    }
    this.waiting.set(ref, { listener, tunnel });
    tunnel.send('review_request', { ...body, ref });
    return () => {
      // the session ended while waiting: the gateway stops holding a place for it
      if (this.waiting.delete(ref) && this.routes.isLive(tunnel)) tunnel.send('review_cancel', { ref, sessionId: body.sessionId });
    };
  }

  /** a gateway's word on a hold (`from`: the tunnel it came on) */
  update(u: Payload<'review_update'>, from: Tunnel | null = this.routes.any): void {
    const listener = this.waiting.get(u.ref)?.listener;
    if (!listener) {
      // approved just after the session ended: hand the approval back so a re-attached client can still use it
      if (u.status === 'approved')
        from?.send('review_cancel', { ref: u.ref, sessionId: u.sessionId, ...(u.reviewId ? { reviewId: u.reviewId } : {}), unused: true });
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
