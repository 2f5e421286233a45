import type { Policy } from '../policy/schema';
import { type Decision, decide, PARSE_HINT, SEVERITY, type StatementDecision, unparsed, type Verdict } from '../sql/decision';
import { type Dialect, judgeStatement, stricter } from '../sql/judge';
import { describeMysql, type MysqlStatement, nameOf } from './classify';
import { type ParsedStatement, parseMysql, parsePrefix } from './parse';
import { type Reading, readings } from './render';
import { changesStatementTime, hintsStatementTime, MYSQL_RULES, overridesReadOnly, statementTimeRefusal } from './rules';

/** PREPARE … FROM 'PREPARE … FROM …' this deep at most */
const MAX_DEPTH = 4;

/** What a session adds to the policy: a read-only connection; the statement time hoop bounds its statements to (ms). */
export interface MysqlContext {
  readOnly?: boolean;
  /** the session's statement time is bounded (SET SESSION max_statement_time / max_execution_time): it cannot be changed */
  statementTimeMs?: number;
}

interface Judging {
  readOnly: boolean;
  statementTimeMs: number | null;
}

/**
 * Judges a MySQL or MariaDB text (one or many statements) against a policy, with the same verdicts and rule ids as
 * `evaluate` for Postgres: the most severe statement decides for the whole text, and what the parser cannot read is
 * denied. Every reading of the text a server could make is judged (see render.ts: versioned comments run or skipped,
 * sql_mode's backslashes and double quotes): the usual reading must parse; another reading is judged as far as MySQL
 * would run it (the statements before the first that does not parse).
 */
export function evaluateMysql(sql: string, policy: Policy, ctx: MysqlContext = {}): Decision {
  const judging: Judging = { readOnly: Boolean(ctx.readOnly || policy.readOnly), statementTimeMs: ctx.statementTimeMs ?? null };
  const r = judgeText(sql, policy, judging, 0);
  return 'refusal' in r ? unparsed(sql, r.refusal) : decide(r.statements);
}

function describeReading(reading: Reading): string {
  const parts: string[] = [];
  if (!reading.mode.backslash) parts.push('NO_BACKSLASH_ESCAPES');
  if (reading.mode.ansiQuotes) parts.push('ANSI_QUOTES');
  const v = reading.mode.server.version;
  if (v < 0) parts.push('a server that skips every versioned comment');
  else if (v < Number.MAX_SAFE_INTEGER) parts.push(`a ${reading.mode.server.mariadb ? 'MariaDB' : 'MySQL'} server older than version ${v + 1}`);
  else if (!reading.mode.server.mariadb) parts.push('a MySQL server');
  return parts.join(', ');
}

function judgeText(sql: string, policy: Policy, ctx: Judging, depth: number): { statements: StatementDecision[] } | { refusal: string } {
  if (sql.includes('\0')) return { refusal: 'the statement contains a NUL character' };
  const nesting = parenthesisDepth(sql);
  if (nesting > MAX_NESTING) return { refusal: `parentheses nest ${nesting} deep, more than the ${MAX_NESTING} the guard reads` };
  const all = readings(sql);
  if (!all) return { refusal: 'it reads too many ways, depending on the server version and sql_mode, to be judged' };
  const [first, ...others] = all;
  if (first!.unterminated) return { refusal: `it has ${first!.unterminated}` };
  const parsed = parseMysql(first!.text);
  if (!parsed.ok) return { refusal: parsed.error.replace(/ expecting \{.*$/s, '').slice(0, 300) };
  const statements = judgeAll(parsed.statements, first!.text, policy, ctx, depth);
  if (ctx.statementTimeMs !== null && hintsStatementTime(sql)) {
    const refusal = statementTimeRefusal('the MAX_EXECUTION_TIME hint', ctx.statementTimeMs);
    statements.push({ text: sql.slice(0, 2000), kind: 'unknown', command: 'HINT', action: 'deny', ...refusal });
  }
  let worst = Math.max(0, ...statements.map((s) => SEVERITY[s.action]));
  for (const other of others) {
    const ran = parsePrefix(other.text, other.inQuote);
    if (ran === null) return { refusal: `read as ${describeReading(other)} would read it, it cannot be split into statements` };
    for (const d of judgeAll(ran, other.text, policy, ctx, depth)) {
      if (SEVERITY[d.action] <= worst) continue;
      worst = SEVERITY[d.action];
      statements.push({ ...d, message: `read as ${describeReading(other)} would read it: ${d.message}` });
    }
  }
  return { statements };
}

function judgeAll(parsed: ParsedStatement[], text: string, policy: Policy, ctx: Judging, depth: number): StatementDecision[] {
  return parsed.map((p) => judgeWithInner(describeMysql(p.text, p.node, text), policy, ctx, depth));
}

/** A statement's verdict, made stricter by the statements in its body and the text a PREPARE prepares. */
function judgeWithInner(s: MysqlStatement, policy: Policy, ctx: Judging, depth: number): StatementDecision {
  let decided = judgeStatement(s, policy, ctx.readOnly, MYSQL);
  // a bound the session's statements run under is hoop's, not the policy's rules': no rule or setting turns it off
  const unbound = ctx.statementTimeMs !== null && decided.action !== 'deny' ? changesStatementTime(s) : null;
  if (unbound) decided = { text: s.text, kind: s.kind, command: s.command, action: 'deny', ...statementTimeRefusal(unbound, ctx.statementTimeMs!) };
  // a stricter statement found inside gives the verdict its own text, kind and command; a refusal keeps the outer's
  const tighten = (found: Verdict | StatementDecision, where: string) => {
    const next = stricter(decided, found, where);
    decided = next === decided || !('text' in found) ? next : { ...next, text: found.text, kind: found.kind, command: found.command };
  };
  for (const inner of s.inner) tighten(judgeWithInner(inner, policy, ctx, depth), s.where ?? 'the statement');
  for (const prepare of s.nodes.get('PrepareStatement') ?? []) {
    const literal = prepare.getChild(3)?.getText();
    if (!literal || nameOf(prepare) !== 'PrepareStatement' || !/^(_[a-z0-9]+)?'/i.test(literal)) continue;
    const where = 'the statement PREPARE prepares';
    if (depth >= MAX_DEPTH) {
      tighten({ action: 'deny', ruleId: 'parse-error', message: `PREPARE is nested more than ${MAX_DEPTH} deep`, hint: PARSE_HINT }, where);
      continue;
    }
    const r = judgeText(unquote(literal), policy, ctx, depth + 1);
    if ('refusal' in r) {
      tighten({ action: 'deny', ruleId: 'parse-error', message: `it could not be parsed (${r.refusal})`, hint: PARSE_HINT }, where);
      continue;
    }
    for (const d of r.statements) tighten(d, where);
  }
  return decided;
}

function unquote(literal: string): string {
  let out = '';
  for (const m of literal.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)) out += m[1]!.replace(/''/g, "'").replace(/\\(.)/gs, '$1');
  return out;
}

const MYSQL: Dialect<MysqlStatement> = {
  rules: MYSQL_RULES,
  writesDespiteKind: overridesReadOnly,
  // a plain EXPLAIN / DESCRIBE only plans: nothing inside it runs
  onlyPlans: (s) => (s.command === 'EXPLAIN' || s.command === 'DESCRIBE' || s.command === 'DESC') && s.kind === 'utility',
};

/**
 * The parser's time grows steeply with nesting (seconds at a few hundred levels, on the agent's event loop), so text
 * nested deeper than any written query is refused before it is parsed. Counted over the whole text, quotes included:
 * a string of a hundred open parentheses is refused too, which errs on the safe side.
 */
const MAX_NESTING = 100;

function parenthesisDepth(sql: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 40 /* ( */) max = Math.max(max, ++depth);
    else if (c === 41 /* ) */ && depth > 0) depth--;
  }
  return max;
}
