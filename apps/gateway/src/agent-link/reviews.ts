import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { reviewRules } from '@hoop/core/review/review-rules';
import type { Payload } from '@hoop/protocol';
import { consumeApproval, createStatementReview, expireReviews, reviewInclude, reviewUrl, type ReviewWithDetails } from '@hoop/core/review/reviews';
import type { AgentLink } from './registry';

type Update = Omit<Payload<'review_update'>, 'ref' | 'sessionId'>;

interface Waiter {
  link: AgentLink;
  ref: number;
  sessionId: string;
}

/**
 * The gateway's side of held statements. The agent asks for a review (`review_request`); the review lives in Postgres;
 * decisions come from any process (web inbox, Slack, CLI, another gateway) as `hoop_review` notifications. When the
 * review a session waits on is approved, the approval is spent (once, atomically) and the agent told to run the
 * statement; otherwise it is told why not. Pending reviews past their deadline are expired here.
 */
export class ReviewCoordinator {
  private readonly waiters = new Map<string, Waiter>();
  private readonly expiry: NodeJS.Timeout;
  private readonly listeners: ((review: ReviewWithDetails) => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly webUrl: string,
    private readonly log: Logger,
  ) {
    this.expiry = setInterval(() => {
      expireReviews(db).catch((err: Error) => log.warn('could not expire reviews', { error: err.message }));
    }, 1000);
    this.expiry.unref();
  }

  /** called with every review that changed (after the holding session has been told) */
  onChange(listener: (review: ReviewWithDetails) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    clearInterval(this.expiry);
  }

  /** An agent link went away: its sessions, and their holds, are gone with it. */
  dropLink(link: AgentLink): void {
    for (const [id, w] of this.waiters) if (w.link === link) this.waiters.delete(id);
  }

  /** The agent's session stopped waiting (it ended); an approval it could not use is handed back. */
  async cancel(link: AgentLink, p: Payload<'review_cancel'>): Promise<void> {
    for (const [id, w] of this.waiters) if (w.link === link && w.ref === p.ref && w.sessionId === p.sessionId) this.waiters.delete(id);
    if (p.unused && p.reviewId) {
      const r = await this.db.review.updateMany({
        where: { id: p.reviewId, executedSessionId: p.sessionId },
        data: { executedAt: null, executedSessionId: null },
      });
      if (r.count) this.log.info('approval handed back unused: the session ended first', { review: p.reviewId });
    }
  }

  async request(link: AgentLink, p: Payload<'review_request'>): Promise<void> {
    const reply = (u: Update) => link.tunnel.send('review_update', { ref: p.ref, sessionId: p.sessionId, ...u });
    try {
      await this.handleRequest(link, p, reply);
    } catch (err) {
      this.log.error('review request failed', { error: (err as Error).message, session: p.sessionId });
      reply({ status: 'unavailable', message: 'the gateway could not record the review; see its log' });
    }
  }

  private async handleRequest(link: AgentLink, p: Payload<'review_request'>, reply: (u: Update) => void): Promise<void> {
    const session = await this.db.session.findUnique({ where: { id: p.sessionId }, include: { connection: { include: { policy: true } } } });
    if (!session || session.agentId !== link.identity.id) {
      this.log.warn('agent asked for a review in a session it does not serve', { agent: link.identity.name, session: p.sessionId });
      return reply({ status: 'invalid', message: 'unknown session' });
    }
    const rules = reviewRules(session.connection.policy);
    if (!rules) return reply({ status: 'invalid', message: `the policy of "${session.connection.name}" is invalid; an admin must fix it` });
    const waiter: Waiter = { link, ref: p.ref, sessionId: p.sessionId };

    if (p.reviewId) {
      const review = /^[0-9a-f-]{36}$/i.test(p.reviewId)
        ? await this.db.review.findFirst({ where: { id: p.reviewId, orgId: session.orgId }, include: reviewInclude })
        : null;
      if (!review || review.kind !== 'statement') return reply({ status: 'invalid', message: `there is no statement review ${p.reviewId}` });
      if (review.requesterId !== session.userId) return reply({ status: 'invalid', reviewId: review.id, message: 'it was requested by someone else' });
      if (review.connectionId !== session.connectionId)
        return reply({ status: 'invalid', reviewId: review.id, message: `it was requested on connection "${review.connection.name}"` });
      if (review.digest !== p.digest)
        return reply({
          status: 'invalid',
          reviewId: review.id,
          message: 'it was requested for a different statement (or other values bound to it); an approval runs exactly what it was given for',
        });
      const previous = this.waiters.get(review.id);
      if (previous && previous.sessionId !== p.sessionId) {
        previous.link.tunnel.send('review_update', {
          ref: previous.ref,
          sessionId: previous.sessionId,
          reviewId: review.id,
          status: 'invalid',
          message: 'the request was re-attached from another session',
        });
      }
      this.waiters.set(review.id, waiter);
      if (review.status === 'pending') {
        await this.db.review.update({ where: { id: review.id }, data: { sessionId: p.sessionId } });
        reply(this.pending(review));
        return this.settleIfDecided(review.id);
      }
      return this.settle(review);
    }

    const review = await createStatementReview(this.db, {
      orgId: session.orgId,
      requesterId: session.userId,
      connectionId: session.connectionId,
      sessionId: session.id,
      mode: session.mode,
      digest: p.digest,
      statement: p.statement,
      ruleId: p.ruleId,
      ruleMessage: p.message,
      reason: clientReason(session.clientInfo),
      rules: { ...rules, policyVersion: p.policyVersion ?? rules.policyVersion },
    });
    this.waiters.set(review.id, waiter);
    this.log.info('statement held for review', { review: review.id, connection: session.connection.name, rule: p.ruleId });
    reply(this.pending(review));
    await this.settleIfDecided(review.id);
  }

  /**
   * A decision whose notification was handled before this session became the review's waiter was sent nowhere: look
   * once more now that it is registered (settle answers a session once, whichever of the two gets there first).
   */
  private async settleIfDecided(reviewId: string): Promise<void> {
    const now = await this.db.review.findUnique({ where: { id: reviewId }, include: reviewInclude });
    if (now && now.status !== 'pending') await this.settle(now);
  }

  private pending(review: ReviewWithDetails): Update {
    return { status: 'pending', reviewId: review.id, url: reviewUrl(this.webUrl, review.id), expiresAt: review.expiresAt.toISOString() };
  }

  /** A `hoop_review` notification: tell the session holding the review, if it is held through this gateway. */
  async changed(reviewId: string): Promise<void> {
    const ids = reviewId === '*' ? [...this.waiters.keys()] : [reviewId];
    for (const id of ids) {
      const review = await this.db.review.findUnique({ where: { id }, include: reviewInclude });
      if (!review) continue;
      if (this.waiters.has(id)) await this.settle(review);
      for (const l of this.listeners) l(review);
    }
  }

  /** Ends the wait of the session holding this review, if it has been decided. */
  private async settle(review: ReviewWithDetails): Promise<void> {
    const w = this.waiters.get(review.id);
    if (!w || review.status === 'pending') return;
    // claimed before any await, so two notifications of the same decision answer the session once
    this.waiters.delete(review.id);
    const send = (u: Update) => {
      w.link.tunnel.send('review_update', { ref: w.ref, sessionId: w.sessionId, reviewId: review.id, ...u });
    };
    const decidedBy = review.decidedById
      ? (review.votes.find((v) => v.userId === review.decidedById)?.user.email ?? (await this.userEmail(review.decidedById)))
      : undefined;
    const by = decidedBy ? { decidedBy } : {};
    const note = review.decisionNote ? { message: review.decisionNote } : {};
    switch (review.status) {
      case 'approved': {
        if (review.executedAt) return send({ status: 'invalid', message: 'its approval was already used: an approval runs its statement once' });
        const conn = await this.db.connection.findUnique({ where: { id: review.connectionId }, include: { policy: true } });
        const version = conn?.policy?.version ?? 0;
        if (version !== review.policyVersion)
          return send({
            status: 'invalid',
            message: `the connection's policy changed since the request (version ${review.policyVersion} → ${version}); run the statement again to ask anew`,
          });
        if (!(await consumeApproval(this.db, review.id, w.sessionId)))
          return send({ status: 'invalid', message: 'its approval was already used: an approval runs its statement once' });
        this.log.info('approved statement released', { review: review.id, session: w.sessionId });
        return send({ status: 'approved', ...by });
      }
      case 'rejected':
      case 'expired':
      case 'revoked':
        return send({ status: review.status, ...by, ...note });
      default:
        return send({ status: 'invalid', message: `unexpected review status ${review.status}` });
    }
  }

  private async userEmail(id: string): Promise<string | undefined> {
    const u = await this.db.user.findUnique({ where: { id }, select: { email: true } });
    return u?.email;
  }
}

function clientReason(info: unknown): string | null {
  if (info && typeof info === 'object' && 'reason' in info && typeof info.reason === 'string' && info.reason.trim()) return info.reason.trim().slice(0, 2000);
  return null;
}
