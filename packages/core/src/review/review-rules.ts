import { type Policy, resolvePolicy } from '@hoop/pipeline/policy';
import type { ReviewRules } from './reviews';

/**
 * The review rules of a connection's policy (its own, or the default when it has none), as a review request takes
 * them with it; null when the policy does not validate (no review can be asked for under it).
 */
export function reviewRules(policy: { name: string; version: number; document: unknown } | null): (ReviewRules & { settings: Policy['review'] }) | null {
  const resolved = resolvePolicy(policy ? policy.document : null);
  if ('error' in resolved) return null;
  const r = resolved.policy.review;
  return {
    policyName: policy?.name ?? 'default',
    policyVersion: policy?.version ?? 0,
    approverRoles: r.approvers.roles,
    approverUsers: r.approvers.users,
    minApprovals: r.minApprovals,
    allowSelfApproval: r.allowSelfApproval,
    timeoutMinutes: r.timeoutMinutes,
    slackChannel: r.slackChannel ?? null,
    settings: r,
  };
}
