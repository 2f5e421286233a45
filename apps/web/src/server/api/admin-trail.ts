import type { Db } from '@hoop/db';
import { loadHoopDb } from '@hoop/core/hoop-db';

/**
 * What the admin trail keeps of a change made in the web app: the procedure as the action, the thing it touched as
 * the target, and the input without anything secret (tokens, passwords, keys, stored secrets are named, not kept).
 */

/**
 * decided elsewhere: reviewers' votes are review_votes, revocations are recorded by revokeReview itself, a retention
 * change by setAuditRetention (with the value it replaced)
 */
const NOT_ADMIN = new Set(['review.approve', 'review.reject', 'review.revoke', 'audit.setRetention']);
const SECRET_KEY = /secret|token|password|passphrase|key$|^key|private/i;

function sanitize(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return value.length > 500 ? `${value.slice(0, 500)}…` : value;
  if (typeof value !== 'object') return value;
  if (depth > 3) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitize(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' && typeof v !== 'boolean' ? '(set)' : sanitize(v, depth + 1);
  }
  return out;
}

function targetOf(path: string, input: unknown): string {
  const kind = path.split('.')[0] ?? path;
  if (input && typeof input === 'object') {
    const i = input as Record<string, unknown>;
    for (const k of ['name', 'email', 'id', 'connectionId', 'agentId', 'policyId', 'userId', 'groupId', 'tokenId', 'webhookId', 'code']) {
      if (typeof i[k] === 'string' && i[k]) return `${kind}:${i[k] as string}`;
    }
  }
  return kind;
}

export async function recordWebChange(db: Db, user: { id: string; orgId: string; email: string }, path: string, input: unknown): Promise<void> {
  if (NOT_ADMIN.has(path)) return;
  const { recordAdminAction } = await loadHoopDb();
  await recordAdminAction(db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action: path,
    target: targetOf(path, input),
    data: { input: sanitize(input) as Record<string, unknown>, via: 'web' },
  });
}
