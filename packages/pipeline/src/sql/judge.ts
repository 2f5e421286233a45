import type { Action, BuiltinRuleId, CustomRule, Policy, StatementKind } from '../policy/schema';
import { SEVERITY, type StatementDecision, type Verdict } from './decision';

/** what both SQL guards know of a statement, whatever the grammar that read it */
export interface SqlStatement {
  text: string;
  kind: StatementKind;
  command: string;
  tables: string[];
  functions: string[];
}

/** a built-in guardrail of one dialect: its policy id, its default action, and what it finds in a statement */
export interface BuiltinRule<S> {
  id: BuiltinRuleId;
  action: Action;
  check: (s: S) => { message: string; hint: string } | null;
}

/** the parts of the judgement that depend on the grammar */
export interface Dialect<S extends SqlStatement> {
  rules: readonly BuiltinRule<S>[];
  /** a statement of a read kind that still writes, or turns read-only off (a transaction or SET) */
  writesDespiteKind: (s: S) => boolean;
  /** a plain EXPLAIN that only plans: nothing inside it runs, so no built-in rule looks at it */
  onlyPlans: (s: S) => boolean;
}

const READ_ONLY_OK = new Set(['read', 'transaction', 'utility']);

/**
 * A statement's own verdict: a read-only connection refuses anything but reads; else the policy's custom rules in
 * order (the first that matches decides), else the most severe of the built-in rules the policy leaves on.
 */
export function judgeStatement<S extends SqlStatement>(s: S, policy: Policy, readOnly: boolean, dialect: Dialect<S>): StatementDecision {
  const base = { text: s.text, kind: s.kind, command: s.command };
  if (readOnly && (!READ_ONLY_OK.has(s.kind) || dialect.writesDespiteKind(s))) {
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
  if (dialect.onlyPlans(s)) return decided;
  for (const rule of dialect.rules) {
    const setting = policy.guardrails.builtins[rule.id];
    if (setting?.enabled === false) continue;
    const action = setting?.action ?? rule.action;
    if (action === 'allow' || SEVERITY[action] <= SEVERITY[decided.action]) continue;
    const finding = rule.check(s);
    if (finding) decided = { ...base, action, ruleId: rule.id, message: finding.message, hint: finding.hint };
  }
  return decided;
}

/**
 * `decided` made stricter by `found`, a verdict on a statement that `decided`'s statement carries (a routine's body,
 * a DO block, the text a PREPARE or EXECUTE runs): the message says where it was found.
 */
export function stricter(decided: StatementDecision, found: Verdict | undefined, where: string): StatementDecision {
  if (!found || SEVERITY[found.action] <= SEVERITY[decided.action]) return decided;
  return {
    text: decided.text,
    kind: decided.kind,
    command: decided.command,
    action: found.action,
    ruleId: found.ruleId,
    message: `in ${where}: ${found.message}`,
    ...(found.hint ? { hint: found.hint } : {}),
  };
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

/** a custom rule's match: kinds, commands, tables and functions (for MySQL a database takes the place of a schema) */
function matches(rule: CustomRule, s: SqlStatement): boolean {
  const m = rule.match;
  if (m.kinds?.length && !m.kinds.includes(s.kind)) return false;
  if (m.commands?.length && !m.commands.some((c) => c.toUpperCase() === s.command || s.command.startsWith(`${c.toUpperCase()} `))) return false;
  if (m.tables?.length && !s.tables.some((t) => m.tables!.some((p) => glob(p, t)))) return false;
  if (m.functions?.length && !s.functions.some((f) => m.functions!.some((p) => glob(p, f)))) return false;
  return true;
}
