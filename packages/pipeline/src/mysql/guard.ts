import type { Decision, StatementDecision } from '../guard/evaluate';
import type { Policy } from '../policy/schema';
import { evaluateMysql as judgeMysql, type MysqlContext } from './evaluate';
import { loadMysqlParser, mysqlParserReady, parseBudgetMs, withParseBudget } from './parse';

/**
 * Loads the MySQL grammar, as `initGuard` loads the Postgres one: the agent waits for it before it serves a MySQL
 * connection's first session (it is loaded on first use, not at start-up: see parse.ts).
 */
export function initMysqlGuard(): Promise<void> {
  return loadMysqlParser();
}

const HINT = 'split it into smaller statements, or simplify it (nesting, CASE and BEGIN blocks); hoop only forwards statements it can read';

/**
 * Judges a MySQL or MariaDB text (see evaluate.ts) within a time budget for the whole text (every reading of it, and
 * the statements PREPARE prepares): a text whose reading takes longer is refused, whatever its statements are, and the
 * refusal says why. A grammar that could not be loaded refuses everything. `budgetMs`: the text's budget, by default
 * its share by length (parseBudgetMs); tests of the budget give a small one rather than burn seconds of CPU per case.
 */
export function evaluateMysql(sql: string, policy: Policy, ctx: MysqlContext = {}, budgetMs = parseBudgetMs(sql.length)): Decision {
  // loading the grammar on the spot (when no one awaited initMysqlGuard) is not the statement's time
  mysqlParserReady();
  const ms = budgetMs;
  const { value, exceeded } = withParseBudget(ms, () => judgeMysql(sql, policy, ctx));
  if (!exceeded) return value;
  const message = `the statement was not sent: reading it took more than the ${ms} ms the guard gives a statement of its length`;
  const s: StatementDecision = { text: sql.slice(0, 2000), kind: 'unknown', command: 'UNKNOWN', action: 'deny', ruleId: 'parse-error', message, hint: HINT };
  return { action: 'deny', statements: [s], ruleId: 'parse-error', reason: message, hint: HINT, sqlstate: '42501' };
}
