import type { Db } from '@hoop/db';
import { z } from 'zod';
import type { ReviewWithDetails } from './reviews';

/** The shapes the review pages get. Everything here is already safe to show: statements are stored masked. */

export const ReviewStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'revoked']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;
export const ReviewKind = z.enum(['statement', 'access']);

const Person = z.object({ name: z.string(), email: z.string(), isService: z.boolean().optional() });

export const ReviewListItem = z.object({
  id: z.string(),
  kind: ReviewKind,
  status: ReviewStatus,
  connection: z.object({ name: z.string(), type: z.string() }),
  requester: Person,
  /** connect | exec | mcp */
  mode: z.string(),
  statement: z.string().nullable(),
  ruleId: z.string().nullable(),
  ruleMessage: z.string().nullable(),
  reason: z.string().nullable(),
  approvals: z.number().int(),
  minApprovals: z.number().int(),
  /** access requests: minutes of access asked for */
  durationMinutes: z.number().int().nullable(),
  createdAt: z.date(),
  expiresAt: z.date(),
  decidedAt: z.date().nullable(),
  decidedBy: Person.nullable(),
  decisionNote: z.string().nullable(),
  executedAt: z.date().nullable(),
  /** the signed-in user could approve or reject it now */
  awaitsViewer: z.boolean(),
});
export type ReviewListItem = z.infer<typeof ReviewListItem>;

export const ReviewVote = z.object({
  user: Person,
  decision: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  via: z.string(),
  at: z.date(),
});

export const ReviewDetail = ReviewListItem.extend({
  digest: z.string().nullable(),
  policy: z.object({ name: z.string(), version: z.number().int() }),
  approvers: z.object({ roles: z.array(z.string()), users: z.array(z.string()) }),
  allowSelfApproval: z.boolean(),
  votes: z.array(ReviewVote),
  grantExpiresAt: z.date().nullable(),
  viewer: z.object({
    canDecide: z.boolean(),
    /** why the signed-in user cannot decide, in a sentence (null when they can, or when nothing is left to decide) */
    refusal: z.string().nullable(),
    vote: z.enum(['approve', 'reject']).nullable(),
    canRevoke: z.boolean(),
  }),
});
export type ReviewDetail = z.infer<typeof ReviewDetail>;

const decision = (d: string): 'approve' | 'reject' => (d === 'approve' ? 'approve' : 'reject');

/** Names of the people who closed these reviews (an admin who revoked one cast no vote, so they are looked up). */
export async function decidersOf(db: Db, orgId: string, reviews: ReviewWithDetails[]): Promise<Map<string, { name: string; email: string }>> {
  const ids = [...new Set(reviews.map((r) => r.decidedById).filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: ids }, orgId }, select: { id: true, name: true, email: true } });
  return new Map(users.map((u) => [u.id, { name: u.name, email: u.email }]));
}

export function listItem(r: ReviewWithDetails, deciders: Map<string, { name: string; email: string }>, awaitsViewer: boolean): ReviewListItem {
  return {
    id: r.id,
    kind: ReviewKind.catch('statement').parse(r.kind),
    status: ReviewStatus.catch('pending').parse(r.status),
    connection: { name: r.connection.name, type: r.connection.type },
    requester: { name: r.requester.name, email: r.requester.email, isService: r.requester.isService },
    mode: r.mode,
    statement: r.statement,
    ruleId: r.ruleId,
    ruleMessage: r.ruleMessage,
    reason: r.reason,
    approvals: r.votes.filter((v) => v.decision === 'approve').length,
    minApprovals: r.minApprovals,
    durationMinutes: r.durationMinutes,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    decidedAt: r.decidedAt,
    decidedBy: r.decidedById ? (deciders.get(r.decidedById) ?? null) : null,
    decisionNote: r.decisionNote,
    executedAt: r.executedAt,
    awaitsViewer,
  };
}

export function votesOf(r: ReviewWithDetails): z.infer<typeof ReviewVote>[] {
  return r.votes.map((v) => ({ user: { name: v.user.name, email: v.user.email }, decision: decision(v.decision), comment: v.comment, via: v.via, at: v.at }));
}
