import type { Action } from '../policy/schema';

/** the SQLSTATE a refused statement is answered with (insufficient_privilege), in every SQL dialect */
export const SQLSTATE_POLICY = '42501';
export const SEVERITY: Record<Action, number> = { allow: 0, review: 1, deny: 2 };
export const PARSE_HINT = 'check the syntax; hoop only forwards statements it can read';

export interface StatementDecision {
  text: string;
  kind: string;
  command: string;
  action: Action;
  ruleId?: string;
  message?: string;
  hint?: string;
}

export interface Decision {
  action: Action;
  statements: StatementDecision[];
  /** the statement that decided, for deny and review */
  ruleId?: string;
  reason?: string;
  hint?: string;
  sqlstate?: string;
}

/** a verdict without the statement it is on: a rule's finding, or what was found inside a statement */
export type Verdict = Omit<StatementDecision, 'text' | 'kind' | 'command'>;

/** The most severe statement decides for the whole text: one bad statement stops all of them. */
export function decide(statements: StatementDecision[]): Decision {
  let worst: StatementDecision | undefined;
  for (const s of statements) if (!worst || SEVERITY[s.action] > SEVERITY[worst.action]) worst = s;
  if (!worst || worst.action === 'allow') return { action: 'allow', statements };
  return { action: worst.action, statements, ruleId: worst.ruleId, reason: worst.message, hint: worst.hint, sqlstate: SQLSTATE_POLICY };
}

/** What the parser cannot read is denied (fail closed), saying why. */
export function unparsed(sql: string, error: string): Decision {
  const message = `the statement could not be parsed (${error}), so it was not sent`;
  const s: StatementDecision = {
    text: sql.slice(0, 2000),
    kind: 'unknown',
    command: 'UNKNOWN',
    action: 'deny',
    ruleId: 'parse-error',
    message,
    hint: PARSE_HINT,
  };
  return { action: 'deny', statements: [s], ruleId: s.ruleId, reason: s.message, hint: s.hint, sqlstate: SQLSTATE_POLICY };
}
