import type { Db } from '@hoop/db';
import type { FixtureEvent } from '../session/session-fixtures';

/** Reviews and events as tests need them for the dashboard: created, decided and expiring at given times. */
export interface FixtureReview {
  orgId: string;
  requesterId: string;
  connectionId: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'revoked';
  createdAt: Date;
  /** seconds from request to decision (not for pending) */
  decidedAfter?: number;
  /** a pending request expires at this time (default: 30 minutes after it was raised) */
  expiresAt?: Date;
  ruleId?: string;
}

export async function recordReview(db: Db, r: FixtureReview): Promise<string> {
  const decidedAt = r.decidedAfter === undefined ? null : new Date(r.createdAt.getTime() + r.decidedAfter * 1000);
  const review = await db.review.create({
    data: {
      orgId: r.orgId,
      kind: 'statement',
      status: r.status,
      requesterId: r.requesterId,
      connectionId: r.connectionId,
      policyName: 'prod',
      policyVersion: 1,
      digest: 'd'.repeat(64),
      statement: 'alter table customers add column note text',
      ruleId: r.ruleId ?? 'schema-change',
      mode: 'exec',
      minApprovals: 1,
      approverRoles: ['reviewer'],
      approverUsers: [],
      allowSelfApproval: false,
      expiresAt: r.expiresAt ?? new Date(r.createdAt.getTime() + 30 * 60_000),
      decidedAt,
      createdAt: r.createdAt,
    },
  });
  return review.id;
}

/** A statement a guardrail refused. */
export const deniedStatement = (sql: string, ruleId: string | null): FixtureEvent => ({
  type: 'statement',
  data: { sql, decision: 'deny', ...(ruleId ? { ruleId } : {}), reason: 'refused by a guardrail', statements: null, executed: false },
});

/** A statement that ran and had values masked in its result. */
export const maskedStatement = (sql: string, masked: Record<string, number>): FixtureEvent => ({
  type: 'statement',
  data: { sql, decision: 'allow', statements: null, executed: true, tags: ['SELECT 1'], rows: 1, bytes: 10, durationMs: 1, error: null, masked },
});

/** A shell command a guardrail refused. */
export const deniedCommand = (command: string, ruleId: string): FixtureEvent => ({
  type: 'command',
  data: { command, decision: 'deny', ruleId, reason: 'refused by a guardrail', statements: null, executed: false },
});

export const sessionClose = (masked: Record<string, number>): FixtureEvent => ({
  type: 'session.close',
  data: { reason: 'client disconnected', durationMs: 1000, masked },
});
