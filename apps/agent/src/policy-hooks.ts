import { defaultPolicy, evaluate, parsePolicy, type Policy, PolicyError } from '@hoop/pipeline';
import type { AgentConnection } from '@hoop/protocol';
import { allowAll, type SessionHooks, type Verdict } from './postgres/hooks';

/** Resolves a connection's policy document; a document that does not validate stops every statement (fail closed). */
export function policyFor(conn: AgentConnection): { policy: Policy } | { error: string } {
  if (conn.policy === null || conn.policy === undefined) return { policy: defaultPolicy() };
  try {
    return { policy: parsePolicy(conn.policy) };
  } catch (err) {
    return { error: err instanceof PolicyError ? err.message : String(err) };
  }
}

/**
 * Builds the guard and masking hooks for a session. `current` returns the connection as last configured, so a policy
 * change pushed by the gateway applies to the next statement of sessions already open.
 */
export function hooksFor(current: () => AgentConnection): SessionHooks {
  let seen: AgentConnection | null = null;
  let resolved: { policy: Policy } | { error: string } = { error: 'not resolved' };
  const latest = () => {
    const conn = current();
    if (conn !== seen) {
      seen = conn;
      resolved = policyFor(conn);
    }
    return { conn, resolved };
  };
  return {
    ...allowAll,
    judge(sql: string): Verdict {
      const { conn, resolved: r } = latest();
      if ('error' in r) {
        return { action: 'deny', ruleId: 'invalid-policy', message: `the policy of connection "${conn.name}" is invalid, so nothing runs`, hint: r.error.split('\n').slice(0, 3).join(' '), sqlstate: '42501' };
      }
      const d = evaluate(sql, r.policy, { readOnly: conn.readOnly });
      return {
        action: d.action,
        ruleId: d.ruleId,
        message: d.reason,
        hint: d.hint,
        sqlstate: d.sqlstate,
        statements: d.statements.map((s) => ({ text: s.text.slice(0, 4000), kind: s.kind, action: s.action, ...(s.ruleId ? { ruleId: s.ruleId } : {}) })),
      };
    },
  };
}
