/**
 * The shape of a MySQL text with its numbers taken out, and whether a verdict can depend on those numbers: every text
 * a shape is tried on here is judged again with other numbers, under several policies, wherever literalFreeMysql says
 * its verdict cannot change — and it must not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, type Policy } from '../policy/schema';
import { evaluateMysql, initMysqlGuard } from './guard';
import { literalFreeMysql, literalShapeMysql } from './shape';

beforeAll(async () => {
  await initMysqlGuard();
});

const SYSBENCH = 'SELECT c FROM sbtest1 WHERE id=48213';

describe('literalShapeMysql', () => {
  it('gives texts that differ only in their numbers one key, and cuts statements at `;`', () => {
    expect(literalShapeMysql(SYSBENCH)!.key).toBe(literalShapeMysql('SELECT c FROM sbtest1 WHERE id=7')!.key);
    expect(literalShapeMysql(SYSBENCH)!.statements).toEqual([SYSBENCH]);
    expect(literalShapeMysql(' select 1 ;; select `x;1` from t where a > 2.5 ; ')!.statements).toEqual(['select 1', 'select `x;1` from t where a > 2.5']);
  });

  it('keeps integers and numbers with a fraction apart, and the rest of the text as it is', () => {
    expect(literalShapeMysql('select 1')!.key).not.toBe(literalShapeMysql('select 1.0')!.key);
    expect(literalShapeMysql('select 1 from t')!.key).not.toBe(literalShapeMysql('select 1 from u')!.key);
    expect(literalShapeMysql('select `a1` from t where 1 = 1')!.key).not.toBe(literalShapeMysql('select `a2` from t where 1 = 1')!.key);
  });

  it.each([
    ["select 1, 'x'"],
    ['select 1, "x"'],
    ["select 1, 'a\\'; delete from t; -- '"],
    ['select 1 # ; drop table t'],
    ['select 1 -- ; drop table t'],
    ['select 1 --1'],
    ['select 1 /* ; drop table t */'],
    ['select 1 /*!50000 ; drop table t */'],
    ['select 1 /*M!100100 ; drop table t */'],
    ['select 1 */'],
    ['select @a := 1'],
    ['set @@session.transaction_read_only = 0'],
    ['select @@version, 1'],
    ['select c from t where id = ? and k = 1'],
    ['select 0x1f'],
    ['select 0b01'],
    ["select x'1f', 1"],
    ["select b'01', 1"],
    ['select 1e5'],
    ['select 1.e5'],
    ['select .5'],
    ['select t.1 from t'],
    ['select 1.'],
    ['select 1abc'],
    ['select 1234567890'],
    ['select 1 from tëst'],
    ['select 1\u0001'],
    ['select 1\\'],
    ['select $a, 1'],
    ['select {fn now()}, 1'],
    ['select `a``b` from t where 1 = 1'],
    ['select `unterminated 1'],
    ['select `é` from t where 1 = 1'],
    ['select a from t'],
  ])('gives no shape to %j', (sql) => {
    expect(literalShapeMysql(sql)).toBeNull();
  });
});

const policies: [string, Policy, boolean][] = [
  ['default', defaultPolicy(), false],
  ['read-only', defaultPolicy(), true],
  [
    'custom rules',
    parsePolicy({
      name: 'custom',
      guardrails: {
        rules: [
          { id: 'no-sbtest2', match: { tables: ['sbtest2'] }, action: 'review' },
          { id: 'no-sum', match: { functions: ['sum'] }, action: 'deny' },
          { id: 'no-sleep', match: { functions: ['sleep'] }, action: 'deny' },
        ],
      },
    }),
    false,
  ],
];

/** texts with numbers, safe and dangerous, in pairs that share a shape where a number turns one into the other */
export const MYSQL_TEXTS = [
  SYSBENCH,
  'SELECT c FROM sbtest2 WHERE id BETWEEN 1 AND 100',
  'SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN 1 AND 100',
  'SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c',
  'select 1',
  'select a, count(*) from t where b > 1.5 and c < 2 group by a having count(*) > 3 order by 1 limit 10 offset 5',
  'select * from t join u on u.id = t.id where t.x in (1, 2, 3) and y is not null or not z',
  'select `a`.b from `t` as a where -a.x = 1 limit 2, 3',
  'select k + 1 from t where (id = 1 or id = 2)',
  'select c from t where id = 1 for update',
  'select sleep(1)',
  'select benchmark(1, 1)',
  'select 1 from t; select 2 from u',
  'select 1; delete from t where 1 = 1',
  'select 1; delete from t where 1 = 2',
  'delete from t where 1 = 2',
  'delete from t where 1 = 1',
  'update t set a = 1 where 1 = 0',
  'update t set a = 1 where 1 = 1',
  'set session transaction_read_only = 1',
  'set session transaction_read_only = 0',
  'set tx_read_only = 0',
  'set autocommit = 0',
  'set autocommit = 1',
  'set session transaction read only',
  'set max_execution_time = 5',
  'set global max_connections = 5',
  'handler t read first limit 1',
  'select 1 procedure analyse(1)',
  'select c from t where id = 1 into dumpfile',
  'do sleep(1)',
  'insert into t values (1, 2)',
  'explain select 1',
];

function swapNumbers(sql: string, n: number): string {
  return sql.replace(/(?<![\w.`])\d+(\.\d+)?(?![\w.`])/g, (m) => (m.includes('.') ? `${n}.${n}` : String(n)));
}

describe('literalFreeMysql', () => {
  it('says so for the plain SELECTs sysbench and ORMs repeat with new numbers', () => {
    expect(literalFreeMysql(SYSBENCH)).toBe(true);
    expect(literalFreeMysql('SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 100 ORDER BY c')).toBe(true);
    expect(literalFreeMysql('select * from t where id = 1 limit 10 offset 5')).toBe(true);
  });

  it.each([
    ['delete from t where 1 = 2'],
    ['update t set a = 1 where 1 = 0'],
    ['set session transaction_read_only = 1'],
    ['set autocommit = 0'],
    ['select 1; delete from t where 1 = 2'],
    ['select c from t where id = 1 for update'],
    ["select c from t where id = 1 into outfile '/tmp/x'"],
    ['select sleep(1)'],
    ['select benchmark(1, 1)'],
    ['select 1 procedure analyse(1)'],
    ['handler t read first limit 1'],
    ["prepare s from 'select 1'"],
    ['explain select 1'],
    ['(select 1)'],
    ['select 1 union select 2'],
    ['select (select 1 from u) from t'],
    ['select 1 from'],
  ])('is false for %j', (sql) => {
    expect(literalFreeMysql(sql)).toBe(false);
  });

  it.each(policies)('holds under the %s policy: wherever it is true, other numbers get the same verdict', (_name, policy, readOnly) => {
    let checked = 0;
    for (const sql of MYSQL_TEXTS) {
      const shape = literalShapeMysql(sql);
      if (!shape || !literalFreeMysql(sql)) continue;
      const first = evaluateMysql(sql, policy, { readOnly });
      for (const n of [0, 1, 2, 7, 99, 123456789]) {
        const other = swapNumbers(sql, n);
        expect(literalShapeMysql(other)?.key).toBe(shape.key);
        expect(literalFreeMysql(other), other).toBe(true);
        const d = evaluateMysql(other, policy, { readOnly });
        expect([d.action, d.ruleId, d.reason, d.statements.map((s) => [s.action, s.ruleId, s.kind, s.command])], other).toEqual([
          first.action,
          first.ruleId,
          first.reason,
          first.statements.map((s) => [s.action, s.ruleId, s.kind, s.command]),
        ]);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(7);
  });

  it('is false wherever a number changes the verdict in this list', () => {
    let turned = 0;
    for (const sql of MYSQL_TEXTS) {
      if (!literalShapeMysql(sql)) continue;
      for (const [policy, readOnly] of [
        [defaultPolicy(), true],
        [defaultPolicy(), false],
      ] as const) {
        const verdicts = new Set([0, 1, 2].map((n) => evaluateMysql(swapNumbers(sql, n), policy, { readOnly }).action));
        if (verdicts.size > 1) {
          turned++;
          expect(literalFreeMysql(sql), sql).toBe(false);
        }
      }
    }
    expect(turned).toBeGreaterThan(3);
  });
});
