import type { Policy } from '../policy/schema';
import { type Decision, decide, PARSE_HINT, SEVERITY, SQLSTATE_POLICY, type StatementDecision, unparsed, type Verdict } from '../sql/decision';
import { type Dialect, judgeStatement, stricter } from '../sql/judge';
import { analyzeSql } from './analyze';
import { explainAnalyze, type StatementInfo } from './classify';
import { BUILTIN_RULES } from './rules';

export { type Decision, SQLSTATE_POLICY, type StatementDecision };

/**
 * Judges a SQL string (one or many statements) against a policy. The most severe statement decides for the whole
 * string: one bad statement stops all of them. What the parser cannot read is denied.
 */
export function evaluate(sql: string, policy: Policy, ctx: { readOnly?: boolean } = {}): Decision {
  const analysis = analyzeSql(sql);
  if (!analysis.ok) return unparsed(sql, analysis.error);
  const readOnly = Boolean(ctx.readOnly || policy.readOnly);
  return decide(analysis.statements.map((s) => judgeWithInner(s, policy, readOnly)));
}

/**
 * A statement's own verdict, made stricter by the statements it carries (a routine's body, a DO block, a rule's
 * actions, a constant EXECUTE string): each of those is judged like a top-level statement, and the message says where
 * it was found. A rule that allows the outer statement does not allow what is inside it.
 */
function judgeWithInner(s: StatementInfo, policy: Policy, readOnly: boolean): StatementDecision {
  let decided = judgeStatement(s, policy, readOnly, POSTGRES);
  for (const inner of s.inner) {
    let found: Verdict | undefined;
    if (inner.refusal !== undefined) found = { action: 'deny', ruleId: 'parse-error', message: inner.refusal, hint: PARSE_HINT };
    for (const c of inner.statements) {
      const d = judgeWithInner(c, policy, readOnly);
      if (SEVERITY[d.action] > SEVERITY[found?.action ?? 'allow']) found = d;
    }
    decided = stricter(decided, found, inner.where);
  }
  return decided;
}

const POSTGRES: Dialect<StatementInfo> = {
  rules: BUILTIN_RULES,
  writesDespiteKind,
  // a plain EXPLAIN only plans: nothing inside it runs
  onlyPlans: (s) => s.type === 'ExplainStmt' && !explainAnalyze(s.node),
};

/** a transaction or SET that turns read-only off, counted as a write in read-only mode */
function writesDespiteKind(s: StatementInfo): boolean {
  if (s.kind !== 'transaction' && s.kind !== 'utility') return false;
  const ro = BUILTIN_RULES.find((r) => r.id === 'read-only-override')!;
  return ro.check(s) !== null;
}
