/**
 * A session whose statements hoop bounds in time (an agent session's statement timeout) cannot change the bound: every
 * way to set max_statement_time (MariaDB) or max_execution_time (MySQL) is refused, whatever the policy's rules say,
 * and sessions without a bound are judged as before.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULE_IDS, defaultPolicy, type Policy } from '../policy/schema';
import { evaluateMysql } from './index';

const bound = { statementTimeMs: 30_000 };

const attempts: [how: string, sql: string][] = [
  ['plain', 'SET max_statement_time=0'],
  ['MySQL name', 'set max_execution_time = 0'],
  ['upper case', 'SET MAX_STATEMENT_TIME = 0'],
  ['session scope', 'SET SESSION max_statement_time = 0'],
  ['local scope', 'SET LOCAL max_statement_time = 0'],
  ['@@ without scope', 'SET @@max_statement_time = 0'],
  ['@@session.', 'SET @@session.max_statement_time = 0'],
  ['@@SESSION. in capitals', 'SET @@SESSION.MAX_EXECUTION_TIME = 0'],
  ['@@local.', 'SET @@local.max_statement_time = 0'],
  ['@@global. (sessions opened later)', 'SET @@global.max_statement_time = 0'],
  ['backticks', 'SET SESSION `max_statement_time` = 0'],
  ['backticks after @@session.', 'SET @@session.`max_statement_time` = 0'],
  [':= assignment', 'SET max_statement_time := 0'],
  ['to DEFAULT (the server has none)', 'SET max_statement_time = DEFAULT'],
  ['to a variable', 'SET max_statement_time = @unbounded'],
  ['higher, not zero', 'SET max_statement_time = 100000'],
  ['second assignment of a SET', "SET sql_mode = '', max_statement_time = 0"],
  ['second statement', 'SELECT 1; SET max_statement_time = 0'],
  ['after a comment', '/* x */ SET max_statement_time = 0'],
  ['versioned comment', '/*!SET max_statement_time=0*/'],
  ['versioned comment with a version', '/*!50700 SET max_execution_time = 0 */'],
  ['MariaDB versioned comment', '/*M!100100 SET max_statement_time = 0 */'],
  ['statement hidden after a versioned semicolon', 'SELECT 1 /*!50000 ; SET max_statement_time = 0 */'],
  ["MariaDB's SET STATEMENT … FOR", 'SET STATEMENT max_statement_time=0 FOR SELECT sleep(100)'],
  ['SET STATEMENT in lower case with spacing', 'set   statement\tmax_statement_time = 0\nfor select sleep(100)'],
  ["MySQL's optimizer hint", 'SELECT /*+ MAX_EXECUTION_TIME(0) */ sleep(100)'],
  ['hint in lower case, in a subquery', 'select * from (select /*+ max_execution_time(100000) */ sleep(100)) s'],
  ['PREPARE from a literal', "PREPARE s FROM 'SET max_statement_time = 0'"],
  ['PREPARE inside PREPARE', "PREPARE s FROM 'PREPARE u FROM ''SET max_statement_time = 0'''"],
  ['PREPARE from a variable (held for review elsewhere)', "SET @s = 'SET max_statement_time = 0'; PREPARE p FROM @s; EXECUTE p"],
  ["MariaDB's EXECUTE IMMEDIATE", "EXECUTE IMMEDIATE 'SET max_statement_time = 0'"],
  ['routine body', 'CREATE PROCEDURE p() BEGIN SET max_statement_time = 0; SELECT sleep(100); END'],
  ['backslash escapes under NO_BACKSLASH_ESCAPES', "select 'a\\'; SET max_statement_time = 0; -- '"],
];

describe('a bounded statement time', () => {
  it.each(attempts)('refuses changing it: %s', (_how, sql) => {
    const d = evaluateMysql(sql, defaultPolicy(), bound);
    expect(d.action, sql).toBe('deny');
    // SET GLOBAL is refused by its own rule first
    expect(['statement-timeout', 'parse-error', 'set-global'], `${sql}: ${d.ruleId} ${d.reason}`).toContain(d.ruleId);
  });

  it('says which bound and why, in the statement-timeout rule', () => {
    const d = evaluateMysql('SET SESSION max_statement_time = 0', defaultPolicy(), bound);
    expect(d.ruleId).toBe('statement-timeout');
    expect(d.reason).toMatch(/SET max_statement_time would change how long this session's statements may run: hoop bounds them to 30000 ms/);
  });

  it('holds when the policy turns every rule off and allows SET by a rule of its own', () => {
    const p = defaultPolicy();
    const open: Policy = {
      ...p,
      guardrails: {
        ...p.guardrails,
        builtins: Object.fromEntries(BUILTIN_RULE_IDS.map((k) => [k, { enabled: false }])),
        rules: [{ id: 'sets-ok', action: 'allow', match: { commands: ['SET'] } }],
      },
    } as Policy;
    expect(evaluateMysql('SET max_statement_time = 0', open, bound).action).toBe('deny');
    expect(evaluateMysql('SET max_statement_time = 0', open).action).toBe('allow');
  });

  it('lets everything else through: reading the bound, other settings, strings and names that only mention it', () => {
    for (const sql of [
      'SELECT @@max_statement_time, @@session.max_execution_time',
      'SET @a = @@max_statement_time',
      "SET @x = 'max_statement_time'",
      'SET sql_mode = DEFAULT, lock_wait_timeout = 5',
      "SELECT 'max_statement_time = 0' AS s",
      'SELECT max_statement_time FROM limits',
      "SHOW VARIABLES LIKE 'max_statement_time'",
    ])
      expect(evaluateMysql(sql, defaultPolicy(), bound).action, sql).toBe('allow');
  });

  it('is not a rule of sessions without a bound', () => {
    expect(evaluateMysql('SET max_statement_time = 0', defaultPolicy()).action).toBe('allow');
    expect(evaluateMysql('PREPARE p FROM @s', defaultPolicy()).ruleId).toBe('dynamic-sql');
    expect(evaluateMysql('SELECT /*+ MAX_EXECUTION_TIME(0) */ 1', defaultPolicy()).action).toBe('allow');
  });
});
