import { defaultPolicy, type Policy, parsePolicy, PolicyError } from './schema';

/** A connection's policy as it applies: the policy, or why its document does not validate. */
export type ResolvedPolicy = { policy: Policy } | { error: string };

/**
 * The one rule for turning a connection's policy document into the policy that applies, wherever it is applied (the
 * agent's guard and masking, the gateway's access checks, review rules and agent limits): no document means the
 * default policy; a document that does not validate is an error, and each caller fails closed on it (nothing runs,
 * nobody but admins gets in, no review can be asked for).
 */
export function resolvePolicy(document: unknown): ResolvedPolicy {
  if (document === null || document === undefined) return { policy: defaultPolicy() };
  try {
    return { policy: parsePolicy(document) };
  } catch (err) {
    return { error: err instanceof PolicyError ? err.message : String(err) };
  }
}

/** The agent limits of a policy document (AI agent sessions): the default limits when it has none or does not validate. */
export function policyLimits(document: unknown): Policy['limits'] {
  const r = resolvePolicy(document);
  return 'policy' in r ? r.policy.limits : defaultPolicy().limits;
}
