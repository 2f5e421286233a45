/**
 * The MySQL guard's time budget and its lazy grammar: a text whose parse is far from linear is refused when its budget
 * runs out (the parse stops there, it does not run for minutes on the agent's event loop); ordinary texts, and long
 * ones within their share, are judged as before; importing the pipeline does not load the grammar.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../policy/schema';
import { evaluateMysql, initMysqlGuard } from './index';
import { BUDGET_MAX_MS, parseBudgetMs, parseMysql, withParseBudget } from './parse';

const policy = defaultPolicy();
const rep = (s: string, n: number) => Array.from({ length: n }, () => s).join('');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** each took from seconds to minutes to parse before the budget (nesting without a parenthesis, LL on a long text) */
const pathological: [string, string][] = [
  ['200 nested CASE', `select ${rep('case when a = 1 then ', 200)} 1 ${rep(' else 2 end', 200)} from t`],
  ['2,000 NOT', `select ${rep('not ', 2000)} a from t`],
  ['2,000 unary minus', `select ${rep('- ', 2000)} 1`],
  ['1,000 nested BEGIN blocks', `create procedure p() ${rep('begin ', 1000)} select 1; ${rep('end; ', 999)} end`],
  ['3,000 columns with a syntax error at the end', `select ${Array.from({ length: 3000 }, (_, i) => `c${i}`).join(', ')} from t where x = 1 )`],
];

/**
 * The budget the pathological texts get here: a fifth of the smallest the guard gives (BUDGET_BASE_MS), so each case
 * burns a fifth of a second of CPU, not a second; how it stops is the same (the case below has the text's own budget).
 */
const TEST_BUDGET_MS = 200;

describe('the MySQL guard within its time budget', () => {
  // loading the grammar is not a statement's time
  beforeAll(() => initMysqlGuard());

  it.each(pathological)('refuses %s when its budget runs out, and stops there', (_, sql) => {
    const budget = TEST_BUDGET_MS;
    const cpu0 = cpuMs();
    const d = evaluateMysql(sql, policy, {}, budget);
    const cpu = cpuMs() - cpu0;
    expect(d).toMatchObject({ action: 'deny', ruleId: 'parse-error' });
    expect(d.reason).toBe(`the statement was not sent: reading it took more than the ${budget} ms the guard gives a statement of its length`);
    // the parse reads the clock every 1,024 steps: it ends within a fraction of its budget past it (not minutes)
    expect(cpu).toBeLessThan(budget * 2);
  });

  it('a dangerous statement behind a pathological one is refused too (the whole text is), within the budget of its length', () => {
    const sql = `drop table t; ${pathological[0]![1]}`;
    const cpu0 = cpuMs();
    const d = evaluateMysql(sql, policy);
    const cpu = cpuMs() - cpu0;
    expect(d).toMatchObject({ action: 'deny', ruleId: 'parse-error' });
    expect(d.reason).toBe(
      `the statement was not sent: reading it took more than the ${parseBudgetMs(sql.length)} ms the guard gives a statement of its length`,
    );
    expect(cpu).toBeLessThan(parseBudgetMs(sql.length) * 2);
  });

  it('judges the same shapes at sizes people write, and long texts within their share', () => {
    expect(evaluateMysql(`select ${rep('case when a = 1 then ', 3)} 1 ${rep(' else 2 end', 3)} from t`, policy).action).toBe('allow');
    expect(evaluateMysql(`select ${rep('not ', 5)} a from t`, policy).action).toBe('allow');
    expect(evaluateMysql(`create procedure p() ${rep('begin ', 5)} select 1; ${rep('end; ', 4)} end`, policy).action).toBe('allow');
    const ids = `select * from t where id in (${Array.from({ length: 2000 }, (_, i) => i).join(', ')})`;
    expect(evaluateMysql(ids, policy).action).toBe('allow');
    expect(evaluateMysql(`${ids}; delete from t`, policy).ruleId).toBe('delete-without-where');
  });

  it('gives a text time in proportion to its length, up to a ceiling', () => {
    expect(parseBudgetMs(10)).toBe(1000);
    expect(parseBudgetMs(100 * 1024)).toBe(2000);
    expect(parseBudgetMs(16 * 1024 * 1024)).toBe(BUDGET_MAX_MS);
  });

  it('the parses of one text share its budget: one past it fails every parse after it', () => {
    const slow = pathological[1]![1];
    const { value, exceeded } = withParseBudget(50, () => [parseMysql(slow), parseMysql('select 1')]);
    expect(exceeded).toBe(true);
    expect(value.map((r) => r.ok)).toEqual([false, false]);
    expect(withParseBudget(50, () => parseMysql('select 1'))).toMatchObject({ exceeded: false, value: { ok: true } });
  });
});

describe('the MySQL grammar is loaded when first needed', () => {
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(
      'export async function resolve(s, c, next) { const r = await next(s, c); ' +
      'if (r.url.includes("dt-sql-parser")) console.log("loaded " + r.url.split("/").pop()); return r; }'));
    const p = await import(${JSON.stringify(path.join(import.meta.dirname, '../index.ts'))});
    console.log('imported');
    await p.initMysqlGuard();
    console.log(p.evaluateMysql('drop table t', p.defaultPolicy()).ruleId);
  `;

  it('importing the pipeline does not load it; initMysqlGuard does, and the guard judges with it', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: import.meta.dirname });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('imported');
    expect(lines).toContain('loaded MySqlParser.js');
    expect(lines).toContain('loaded MySqlLexer.js');
    expect(lines.at(-1)).toBe('drop');
  });
});
