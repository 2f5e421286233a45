/**
 * The inner rows of a long INSERT … VALUES of literals are not parsed: the text keeps its offsets, and every verdict is
 * the one the whole text gets (what is not a literal row is parsed as it is).
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../policy/schema';
import { evaluateMysql, initMysqlGuard } from './index';
import { blankLiteralRows, literalRowCuts } from './literal-rows';

const policy = defaultPolicy();
const blank = (s: string) => s.replace(/[^\n]/g, ' ');
const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i)).join(', ');

describe('blankLiteralRows', () => {
  it('blanks the rows between the first and the last of a run, keeping every offset and newline', () => {
    const text = "insert into t (a, b) values (1, 'x'), (2, 'y''s'),\n(3, null), (-4.5e3, _binary 'z') on duplicate key update b = 1";
    const out = blankLiteralRows(text);
    expect(out.length).toBe(text.length);
    expect(out).toBe(`insert into t (a, b) values (1, 'x')${blank(", (2, 'y''s'),\n(3, null)")}, (-4.5e3, _binary 'z') on duplicate key update b = 1`);
  });

  it('leaves two rows, rows with anything but literals, and VALUES outside INSERT and REPLACE as they are', () => {
    for (const text of [
      "insert into t values (1, 'a'), (2, 'b')",
      "insert into t values (1), (load_file('/etc/passwd')), (3), (4)",
      'insert into t values (1), (a), (3), (4)',
      'insert into t values (1), (1 + 1), (3), (4)',
      'insert into t values (1), (1abc), (3), (4)',
      "insert into t values (1), ('a' 'b'), (3), (4)",
      "insert into t values (1), (x'414'), (3), (4)",
      'insert into t values (1), ((select 1)), (3), (4)',
      'select * from t where (a) in (values (1), (2), (3))',
      "select 'insert into t values (1), (2), (3)'",
      'create procedure p() begin insert into t values (1), (2), (3); end',
    ])
      expect(blankLiteralRows(text)).toBe(text);
  });

  it('stops a run at the first row that is not literal, and reads strings whole', () => {
    const text = "replace into t values ('), (drop'), (2), ('3'), (now()), (5), (6), (7)";
    expect(blankLiteralRows(text)).toBe(`replace into t values ('), (drop')${blank(', (2)')}, ('3'), (now()), (5), (6), (7)`);
  });

  it('takes each statement of a text on its own', () => {
    const text = 'select 1; insert into t values (1), (2), (3); update t set a = 1 where id in (1, 2, 3)';
    expect(blankLiteralRows(text)).toBe('select 1; insert into t values (1)     , (3); update t set a = 1 where id in (1, 2, 3)');
  });
});

describe('the guard on long INSERTs', () => {
  it('judges a dump-sized INSERT of literals, with its text whole, and what follows it', async () => {
    await initMysqlGuard();
    const insert = `insert into t (a, b, c) values ${rows(5_000, (i) => `(${i}, 'name ${i}', 'u${i}@example.com')`)}`;
    // the parser reads the first and the last row
    const [[from, to]] = literalRowCuts(insert) as [[number, number]];
    expect(insert.slice(0, from)).toBe("insert into t (a, b, c) values (0, 'name 0', 'u0@example.com')");
    expect(insert.slice(to)).toBe(", (4999, 'name 4999', 'u4999@example.com')");
    const d = evaluateMysql(insert, policy);
    expect(d.action).toBe('allow');
    expect(d.statements.map((s) => s.text)).toEqual([insert]);
    expect(evaluateMysql(`${insert}; drop table t`, policy).ruleId).toBe('drop');
  });

  it('still sees a function in a row among literal ones, and a syntax error after them', () => {
    const d = evaluateMysql(`insert into t values ${rows(10, (i) => `(${i})`)}, (load_file('/etc/shadow')), (1)`, policy);
    expect(d.action).toBe('deny');
    expect(evaluateMysql(`insert into t values ${rows(10, (i) => `(${i})`)} (1)`, policy).ruleId).toBe('parse-error');
  });
});
