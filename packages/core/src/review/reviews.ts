import type { Db, Prisma } from '@hoop/db';
import { loadHoopDb } from '../hoop-db';

/**
 * Reviews: statements held for approval and requests for time-boxed access (DESIGN §6). Every surface that decides
 * (the gateway's API for the CLI, Slack, the web inbox) goes through these functions, so the rules live in one place:
 * who may approve, n of m approvals, no self-approval unless the policy allows it, one rejection ends the request, an
 * approval runs one statement once. Every change is announced with `pg_notify('hoop_review', id)` so the gateway
 * holding the statement (and the Slack message) learns at once, whichever process made the change.
 */

export const REVIEW_CHANNEL = 'hoop_review';

export type ReviewKind = 'statement' | 'access';
export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'revoked';
export type VoteVia = 'web' | 'slack' | 'cli';

/** The person acting on a review. */
export interface Reviewer {
  id: string;
  orgId: string;
  email: string;
  role: string;
  /** every role they hold, their own and their groups' (see auth/held-roles.ts); absent: just `role` */
  roles?: readonly string[];
}

export class ReviewError extends Error {
  constructor(
    readonly code: 'not_found' | 'forbidden' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ReviewError';
  }
}

/** Review settings resolved from the connection's policy at the time of the request (a snapshot travels with it). */
export interface ReviewRules {
  policyName: string;
  policyVersion: number;
  approverRoles: string[];
  approverUsers: string[];
  minApprovals: number;
  allowSelfApproval: boolean;
  timeoutMinutes: number;
  slackChannel?: string | null;
}

export interface StatementReviewInput {
  orgId: string;
  requesterId: string;
  connectionId: string;
  sessionId: string;
  mode: string;
  digest: string;
  statement: string;
  ruleId: string | null;
  ruleMessage: string | null;
  reason: string | null;
  rules: ReviewRules;
}

export interface AccessReviewInput {
  orgId: string;
  requesterId: string;
  connectionId: string;
  durationMinutes: number;
  reason: string | null;
  rules: ReviewRules;
}

export const reviewInclude = {
  requester: { select: { id: true, email: true, name: true, isService: true } },
  connection: { select: { id: true, name: true, type: true } },
  votes: { include: { user: { select: { id: true, email: true, name: true } } }, orderBy: { at: 'asc' } },
} satisfies Prisma.ReviewInclude;
export type ReviewWithDetails = Prisma.ReviewGetPayload<{ include: typeof reviewInclude }>;

export async function notifyReviewChanged(db: Db | Prisma.TransactionClient, reviewId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify('hoop_review', ${reviewId})`;
}

function snapshot(rules: ReviewRules) {
  return {
    policyName: rules.policyName,
    policyVersion: rules.policyVersion,
    approverRoles: rules.approverRoles,
    approverUsers: rules.approverUsers.map((e) => e.toLowerCase()),
    minApprovals: rules.minApprovals,
    allowSelfApproval: rules.allowSelfApproval,
    expiresAt: new Date(Date.now() + rules.timeoutMinutes * 60_000),
    slackChannel: rules.slackChannel ?? null,
  };
}

export async function createStatementReview(db: Db, input: StatementReviewInput): Promise<ReviewWithDetails> {
  const review = await db.review.create({
    data: {
      orgId: input.orgId,
      kind: 'statement',
      requesterId: input.requesterId,
      connectionId: input.connectionId,
      sessionId: input.sessionId,
      mode: input.mode,
      digest: input.digest,
      statement: input.statement,
      ruleId: input.ruleId,
      ruleMessage: input.ruleMessage,
      reason: input.reason,
      ...snapshot(input.rules),
    },
    include: reviewInclude,
  });
  await notifyReviewChanged(db, review.id);
  return review;
}

export async function createAccessReview(db: Db, input: AccessReviewInput): Promise<ReviewWithDetails> {
  const review = await db.review.create({
    data: {
      orgId: input.orgId,
      kind: 'access',
      requesterId: input.requesterId,
      connectionId: input.connectionId,
      mode: 'connect',
      reason: input.reason,
      durationMinutes: input.durationMinutes,
      ...snapshot(input.rules),
    },
    include: reviewInclude,
  });
  await notifyReviewChanged(db, review.id);
  return review;
}

/** Why this person may not decide this review, or null when they may. */
export function approvalRefusal(
  review: Pick<ReviewWithDetails, 'orgId' | 'requesterId' | 'approverRoles' | 'approverUsers' | 'allowSelfApproval' | 'status'>,
  user: Reviewer,
): string | null {
  if (review.orgId !== user.orgId) return 'this review belongs to another organization';
  if (review.requesterId === user.id && !review.allowSelfApproval) return 'you cannot approve your own request; another approver must decide';
  const byRole = (user.roles ?? [user.role]).some((r) => review.approverRoles.includes(r));
  const byUser = review.approverUsers.includes(user.email.toLowerCase());
  if (!byRole && !byUser) {
    const who = [...review.approverRoles.map((r) => `${r} role`), ...review.approverUsers].join(', ') || 'nobody';
    return `you are not an approver of this request (approvers: ${who})`;
  }
  return null;
}

export interface VoteInput {
  reviewId: string;
  user: Reviewer;
  decision: 'approve' | 'reject';
  comment?: string | null;
  via: VoteVia;
}

export interface VoteOutcome {
  review: ReviewWithDetails;
  /** the vote changed the review's status */
  decided: boolean;
  approvals: number;
}

/**
 * Records one reviewer's decision. The review row is locked for the duration, so two reviewers clicking at once (web
 * and Slack) are counted one after the other; a decision on a review that is no longer pending is refused.
 */
export async function voteOnReview(db: Db, input: VoteInput): Promise<VoteOutcome> {
  const comment = input.comment?.trim().slice(0, 2000) || null;
  const outcome = await db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM reviews WHERE id = ${input.reviewId}::uuid AND org_id = ${input.user.orgId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new ReviewError('not_found', `review ${input.reviewId} does not exist`);
    const review = await tx.review.findUniqueOrThrow({ where: { id: input.reviewId }, include: { votes: true } });
    if (review.status !== 'pending') throw new ReviewError('conflict', `review ${review.id} is already ${review.status}`);
    if (review.expiresAt.getTime() <= Date.now()) {
      await tx.review.update({ where: { id: review.id }, data: { status: 'expired', decidedAt: new Date() } });
      await notifyReviewChanged(tx, review.id);
      throw new ReviewError('conflict', `review ${review.id} expired at ${review.expiresAt.toISOString()}`);
    }
    const refusal = approvalRefusal(review, input.user);
    if (refusal) throw new ReviewError('forbidden', refusal);
    if (review.votes.some((v) => v.userId === input.user.id))
      throw new ReviewError('conflict', 'you already decided on this review; another approver must add theirs');
    await tx.reviewVote.create({ data: { reviewId: review.id, userId: input.user.id, decision: input.decision, comment, via: input.via } });
    const approvals = review.votes.filter((v) => v.decision === 'approve').length + (input.decision === 'approve' ? 1 : 0);
    const now = new Date();
    let data: Prisma.ReviewUpdateInput | null = null;
    if (input.decision === 'reject') {
      data = { status: 'rejected', decidedAt: now, decidedById: input.user.id, decisionNote: comment };
    } else if (approvals >= review.minApprovals) {
      data = {
        status: 'approved',
        decidedAt: now,
        decidedById: input.user.id,
        decisionNote: comment,
        ...(review.kind === 'access' ? { grantExpiresAt: new Date(now.getTime() + (review.durationMinutes ?? 30) * 60_000) } : {}),
      };
    }
    if (data) await tx.review.update({ where: { id: review.id }, data });
    await notifyReviewChanged(tx, review.id);
    return { decided: data !== null, approvals };
  });
  const review = await db.review.findUniqueOrThrow({ where: { id: input.reviewId }, include: reviewInclude });
  return { review, ...outcome };
}

/** An admin withdraws a pending request, an unexecuted approval or a running access grant. */
export async function revokeReview(db: Db, reviewId: string, user: Reviewer, note?: string | null): Promise<ReviewWithDetails> {
  if (user.role !== 'admin') throw new ReviewError('forbidden', 'only admins can revoke a review');
  const now = new Date();
  const done = await db.review.updateMany({
    where: {
      id: reviewId,
      orgId: user.orgId,
      OR: [
        { status: 'pending' },
        { status: 'approved', kind: 'statement', executedAt: null },
        { status: 'approved', kind: 'access', grantExpiresAt: { gt: now } },
      ],
    },
    data: { status: 'revoked', decidedAt: now, decidedById: user.id, decisionNote: note?.trim().slice(0, 2000) || 'revoked by an admin' },
  });
  const review = await db.review.findFirst({ where: { id: reviewId, orgId: user.orgId }, include: reviewInclude });
  if (!review) throw new ReviewError('not_found', `review ${reviewId} does not exist`);
  if (done.count === 0)
    throw new ReviewError('conflict', `review ${reviewId} is ${review.status}${review.executedAt ? ' and already ran' : ''}; there is nothing to revoke`);
  const { recordAdminAction } = await loadHoopDb();
  await recordAdminAction(db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action: 'review.revoke',
    target: `review:${reviewId}`,
    data: { kind: review.kind, connection: review.connection.name, note: review.decisionNote },
  });
  await notifyReviewChanged(db, reviewId);
  return review;
}

/**
 * Marks an approved statement as run by a session. Exactly one caller ever succeeds for a review, so an approval runs
 * its statement once even with several gateways, re-attached clients or replayed messages.
 */
export async function consumeApproval(db: Db, reviewId: string, sessionId: string): Promise<boolean> {
  const r = await db.review.updateMany({
    where: { id: reviewId, kind: 'statement', status: 'approved', executedAt: null },
    data: { executedAt: new Date(), executedSessionId: sessionId },
  });
  if (r.count === 1) await notifyReviewChanged(db, reviewId);
  return r.count === 1;
}

/** Expires pending reviews past their deadline; returns their ids (each is announced). */
export async function expireReviews(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE reviews SET status = 'expired', decided_at = now()
    WHERE status = 'pending' AND expires_at <= now()
    RETURNING id`;
  for (const r of rows) await notifyReviewChanged(db, r.id);
  return rows.map((r) => r.id);
}

/** The access grant in force for a user on a connection, if any. */
export async function activeGrant(db: Db, userId: string, connectionId: string) {
  return db.review.findFirst({
    where: { kind: 'access', status: 'approved', requesterId: userId, connectionId, grantExpiresAt: { gt: new Date() } },
    orderBy: { grantExpiresAt: 'desc' },
  });
}

export interface ReviewFilters {
  status?: ReviewStatus | 'decided' | 'all';
  kind?: ReviewKind;
  connection?: string;
  requester?: string;
  /** reviews held in this session (the latest one to hold each: a re-attach moves it) */
  session?: string;
  /** only reviews this user could decide now */
  actionableBy?: Reviewer;
  limit?: number;
  before?: Date;
}

export async function listReviews(db: Db, orgId: string, f: ReviewFilters = {}): Promise<ReviewWithDetails[]> {
  const where: Prisma.ReviewWhereInput = { orgId };
  if (f.status === 'decided') where.status = { not: 'pending' };
  else if (f.status && f.status !== 'all') where.status = f.status;
  if (f.kind) where.kind = f.kind;
  if (f.connection) where.connection = { name: f.connection };
  if (f.requester) where.requester = { email: { equals: f.requester, mode: 'insensitive' } };
  if (f.session) where.sessionId = f.session;
  if (f.before) where.createdAt = { lt: f.before };
  const rows = await db.review.findMany({ where, include: reviewInclude, orderBy: { createdAt: 'desc' }, take: Math.min(Math.max(f.limit ?? 50, 1), 500) });
  if (!f.actionableBy) return rows;
  const who = f.actionableBy;
  return rows.filter((r) => r.status === 'pending' && !approvalRefusal(r, who) && !r.votes.some((v) => v.userId === who.id));
}

export async function getReview(db: Db, orgId: string, id: string): Promise<ReviewWithDetails> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ReviewError('not_found', `review ${id} does not exist`);
  const review = await db.review.findFirst({ where: { id, orgId }, include: reviewInclude });
  if (!review) throw new ReviewError('not_found', `review ${id} does not exist`);
  return review;
}

/** A review as the API, the CLI and Slack show it. */
export function reviewView(r: ReviewWithDetails, webUrl?: string) {
  return {
    id: r.id,
    kind: r.kind as ReviewKind,
    status: r.status as ReviewStatus,
    connection: r.connection.name,
    requester: { email: r.requester.email, name: r.requester.name, serviceAccount: r.requester.isService },
    mode: r.mode,
    statement: r.statement,
    digest: r.digest,
    ruleId: r.ruleId,
    ruleMessage: r.ruleMessage,
    reason: r.reason,
    policy: { name: r.policyName, version: r.policyVersion },
    approvers: { roles: r.approverRoles, users: r.approverUsers },
    minApprovals: r.minApprovals,
    approvals: r.votes.filter((v) => v.decision === 'approve').length,
    votes: r.votes.map((v) => ({ user: v.user.email, name: v.user.name, decision: v.decision, comment: v.comment, via: v.via, at: v.at.toISOString() })),
    durationMinutes: r.durationMinutes,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decisionNote: r.decisionNote,
    executedAt: r.executedAt?.toISOString() ?? null,
    grantExpiresAt: r.grantExpiresAt?.toISOString() ?? null,
    ...(webUrl ? { url: reviewUrl(webUrl, r.id) } : {}),
  };
}
export type ReviewView = ReturnType<typeof reviewView>;

export function reviewUrl(webUrl: string, id: string): string {
  return `${webUrl.replace(/\/$/, '')}/reviews/${id}`;
}
