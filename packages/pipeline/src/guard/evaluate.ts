import type { Action, CustomRule, Policy } from '../policy/schema';
import { analyzeSql } from './analyze';
import { explainAnalyze, type StatementInfo } from './classify';
import { BUILTIN_RULES } from './rules';

export const SQLSTATE_POLICY = '42501';

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

const SEVERITY: Record<Action, number> = { allow: 0, review: 1, deny: 2 };
const READ_ONLY_OK = new Set(['read', 'transaction', 'utility']);

/**
 * Judges a SQL string (one or many statements) against a policy. The most severe statement decides for the whole
 * string: one bad statement stops all of them. What the parser cannot read is denied.
 */
export function evaluate(sql: string, policy: Policy, ctx: { readOnly?: boolean } = {}): Decision {
  const analysis = analyzeSql(sql);
  if (!analysis.ok) {
    const message = `the statement could not be parsed (${analysis.error}), so it was not sent`;
    return deny([
      {
        text: sql.slice(0, 2000),
        kind: 'unknown',
        command: 'UNKNOWN',
        action: 'deny',
        ruleId: 'parse-error',
        message,
        hint: 'check the syntax; hoop only forwards statements it can read',
      },
    ]);
  }
  const readOnly = Boolean(ctx.readOnly || policy.readOnly);
  const statements = analysis.statements.map((s) => judgeWithInner(s, policy, readOnly));
  let worst: StatementDecision | undefined;
  for (const s of statements) if (!worst || SEVERITY[s.action] > SEVERITY[worst.action]) worst = s;
  if (!worst || worst.action === 'allow') return { action: 'allow', statements };
  return { action: worst.action, statements, ruleId: worst.ruleId, reason: worst.message, hint: worst.hint, sqlstate: SQLSTATE_POLICY };
}

function deny(statements: StatementDecision[]): Decision {
  const s = statements[0]!;
  return { action: 'deny', statements, ruleId: s.ruleId, reason: s.message, hint: s.hint, sqlstate: SQLSTATE_POLICY };
}

/**
 * A statement's own verdict, made stricter by the statements it carries (a routine's body, a DO block, a rule's
 * actions, a constant EXECUTE string): each of those is judged like a top-level statement, and the message says where
 * it was found. A rule that allows the outer statement does not allow what is inside it.
 */
function judgeWithInner(s: StatementInfo, policy: Policy, readOnly: boolean): StatementDecision {
  let decided = judge(s, policy, readOnly);
  for (const inner of s.inner) {
    let found: Omit<StatementDecision, 'text' | 'kind' | 'command'> | undefined;
    if (inner.refusal !== undefined)
      found = { action: 'deny', ruleId: 'parse-error', message: inner.refusal, hint: 'check the syntax; hoop only forwards statements it can read' };
    for (const c of inner.statements) {
      const d = judgeWithInner(c, policy, readOnly);
      if (SEVERITY[d.action] > SEVERITY[found?.action ?? 'allow']) found = d;
    }
    if (found && SEVERITY[found.action] > SEVERITY[decided.action]) {
      decided = {
        text: s.text,
        kind: s.kind,
        command: s.command,
        action: found.action,
        ruleId: found.ruleId,
        message: `in ${inner.where}: ${found.message}`,
        ...(found.hint ? { hint: found.hint } : {}),
      };
    }
  }
  return decided;
}

function judge(s: StatementInfo, policy: Policy, readOnly: boolean): StatementDecision {
  const base = { text: s.text, kind: s.kind, command: s.command };
  if (readOnly && (!READ_ONLY_OK.has(s.kind) || writesDespiteKind(s))) {
    return {
      ...base,
      action: 'deny',
      ruleId: 'read-only',
      message: `${s.command} is not allowed on a read-only connection`,
      hint: 'this connection only allows reads; ask an admin for write access',
    };
  }
  for (const rule of policy.guardrails.rules) {
    if (matches(rule, s)) {
      return { ...base, action: rule.action, ruleId: rule.id, message: rule.message ?? `matched rule "${rule.id}"`, ...(rule.hint ? { hint: rule.hint } : {}) };
    }
  }
  let decided: StatementDecision = { ...base, action: 'allow' };
  // a plain EXPLAIN only plans: nothing inside it runs
  if (s.type === 'ExplainStmt' && !explainAnalyze(s.node)) return decided;
  for (const rule of BUILTIN_RULES) {
    const setting = policy.guardrails.builtins[rule.id];
    if (setting?.enabled === false) continue;
    const action = setting?.action ?? rule.action;
    if (action === 'allow' || SEVERITY[action] <= SEVERITY[decided.action]) continue;
    const finding = rule.check(s);
    if (finding) decided = { ...base, action, ruleId: rule.id, message: finding.message, hint: finding.hint };
  }
  return decided;
}

/** a transaction or SET that turns read-only off, counted as a write in read-only mode */
function writesDespiteKind(s: StatementInfo): boolean {
  if (s.kind !== 'transaction' && s.kind !== 'utility') return false;
  const ro = BUILTIN_RULES.find((r) => r.id === 'read-only-override')!;
  return ro.check(s) !== null;
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  const v = value.toLowerCase();
  return re.test(v) || (!pattern.includes('.') && re.test(v.split('.').at(-1) ?? v));
}

function matches(rule: CustomRule, s: StatementInfo): boolean {
  const m = rule.match;
  if (m.kinds?.length && !m.kinds.includes(s.kind)) return false;
  if (m.commands?.length && !m.commands.some((c) => c.toUpperCase() === s.command || s.command.startsWith(`${c.toUpperCase()} `))) return false;
  if (m.tables?.length && !s.tables.some((t) => m.tables!.some((p) => glob(p, t)))) return false;
  if (m.functions?.length && !s.functions.some((f) => m.functions!.some((p) => glob(p, f)))) return false;
  return true;
}
