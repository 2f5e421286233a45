import type { ResolvedPolicy } from '@hoop/pipeline';
import type { AgentConnection } from '@hoop/protocol';
import type { SessionHooks } from '../session/hooks';
import { hooksFor, type PolicyHooks, policyFor } from '../session/policy-hooks';

/**
 * A conversation's policy, as the session that carries it has it: the session's hooks (the shell guardrails through
 * `judge`, the session's maskers, reviews) and the connection's policy document as it applies now, for its `claude`
 * section. A policy the gateway pushes applies from the next request or answer on; one that does not validate is an
 * error, and whatever reads it fails closed (every tool call is refused, masking keeps its defaults).
 */
export interface ConversationPolicy {
  readonly hooks: PolicyHooks;
  resolved(): ResolvedPolicy;
}

export function conversationPolicy(current: () => AgentConnection, hooks: PolicyHooks): ConversationPolicy {
  let seen: AgentConnection | null = null;
  let resolved: ResolvedPolicy = { error: 'not resolved' };
  return {
    hooks,
    resolved() {
      const conn = current();
      if (conn !== seen) {
        seen = conn;
        resolved = policyFor(conn);
      }
      return resolved;
    },
  };
}

/** The policy of a fixed connection with this policy document and no reviews (for tests of a conversation alone). */
export function fixedConversationPolicy(document: unknown, extra: Partial<SessionHooks> = {}): ConversationPolicy {
  const conn: AgentConnection = { id: 'c1', name: 'claude-api', type: 'anthropic', config: {}, secretRef: null, readOnly: false, policy: document };
  const current = () => conn;
  return conversationPolicy(current, { ...hooksFor(current, 'test-hash-key'), ...extra });
}
