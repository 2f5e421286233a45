/**
 * The shape of a text with its numbers taken out, and whether a verdict can depend on those numbers: every text a
 * shape is tried on here is judged again with other numbers, under several policies, wherever literalFree says its
 * verdict cannot change — and it must not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, type Policy } from '../policy/schema';
import { evaluate, initGuard, literalFree, literalShape } from './index';

beforeAll(async () => {
  await initGuard();
});

const PGBENCH = 'SELECT abalance FROM pgbench_accounts WHERE aid = 48213;';

describe('literalShape', () => {
  it('gives texts that differ only in their numbers one key, and cuts statements as the guard does', () => {
    const a = literalShape(PGBENCH)!;
    const b = literalShape('SELECT abalance FROM pgbench_accounts WHERE aid = 7;')!;
    expect(a.key).toBe(b.key);
    expect(a.statements).toEqual([PGBENCH.slice(0, -1)]);
    expect(literalShape(' select 1 ;; select "x;1" from t where a > 2.5 ; ')!.statements).toEqual(['select 1', 'select "x;1" from t where a > 2.5']);
  });

  it('keeps integers and numbers with a fraction apart, and the rest of the text as it is', () => {
    expect(literalShape('select 1')!.key).not.toBe(literalShape('select 1.0')!.key);
    expect(literalShape('select 1 from t')!.key).not.toBe(literalShape('select 1 from u')!.key);
    expect(literalShape('select 1  from t')!.key).not.toBe(literalShape('select 1 from t')!.key);
    expect(literalShape('select "a1" from t where 1 = 1')!.key).not.toBe(literalShape('select "a2" from t where 1 = 1')!.key);
  });

  it.each([
    ["select 1, 'x'"],
    ["select 1, E'\\''"],
    ["select 1, U&'d\\0061t'"],
    ['select 1, $$drop table t$$'],
    ['select 1, $q$x$q$'],
    ['select $1::int + 1'],
    ['select 1 -- ; drop table t'],
    ['select 1 /* ; drop table t */'],
    ['select 1e5'],
    ['select 0x1f'],
    ['select 1_000'],
    ['select .5'],
    ['select t.1 from t'],
    ['select 1.'],
    ['select 1..2'],
    ['select 1abc'],
    ['select 2147483648'],
    ['select 1234567890'],
    ['select 1 from tëst'],
    ['select 1\u0001'],
    ['select 1\\'],
    ['select x$1 from t'],
    ['select "unterminated 1'],
    ['select "é" from t where 1 = 1'],
    ['select a from t'],
    ['select 1::float(5)'],
    ['select 1::FLOAT (5)'],
    ['select 1::float\n\n\n          (5)'],
  ])('gives no shape to %j', (sql) => {
    expect(literalShape(sql)).toBeNull();
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
          { id: 'no-accounts', match: { tables: ['pgbench_accounts'] }, action: 'review' },
          { id: 'no-sleep', match: { functions: ['pg_sleep'] }, action: 'deny' },
        ],
      },
    }),
    false,
  ],
];

/** texts with numbers, safe and dangerous, in pairs that share a shape where a number turns one into the other */
const TEXTS = [
  PGBENCH,
  'select 1',
  'select * from t where id = 1 limit 10 offset 5',
  'select a, count(*) from t where b > 1.5 and c < 2 group by a having count(*) > 3 order by 1',
  'select * from t join u on u.id = t.id where t.x in (1, 2, 3) for update',
  'select coalesce(a, 0), case when b = 1 then 2 else 3 end from t',
  'select pg_sleep(1)',
  'select pg_sleep(0)',
  'select set_config(a, b, false) from t where 1 = 1',
  'select 1::float(5)',
  'select (select max(x) from u where u.id = 1) from t',
  'select 1 from t; select 2 from u',
  'delete from t where 1 = 2',
  'delete from t where 1 = 1',
  'update t set a = 1 where 1 = 0',
  'update t set a = 1 where 1 = 1',
  'set default_transaction_read_only = 1',
  'set default_transaction_read_only = 0',
  'set transaction_read_only = 0',
  'set statement_timeout = 5',
  'explain (analyze 0) delete from t where id = 1',
  'explain (analyze 1) delete from t where id = 1',
  'explain (analyze 0) select 1',
  'with d as (delete from t where 1 = 2 returning *) select 1',
  'with d as (delete from t where 1 = 1 returning *) select 1',
  'select * into t2 from t where id = 1',
  'select 1; delete from t where 1 = 1',
  'select 1; delete from t where 1 = 2',
  'fetch 5 from c',
  'copy (select 1) to stdout',
  'create table t (a int default 1)',
  'do language plpgsql 1',
  'select lo_import(1)',
];

function swapNumbers(sql: string, n: number): string {
  return sql.replace(/(?<![\w.])\d+(\.\d+)?(?![\w.])/g, (m) => (m.includes('.') ? `${n}.${n}` : String(n)));
}

describe('literalFree', () => {
  it('says so for the plain SELECTs a client repeats with new numbers', () => {
    expect(literalFree(PGBENCH)).toBe(true);
    expect(literalFree('select * from t where id = 1 limit 10 offset 5')).toBe(true);
  });

  it.each([
    ['delete from t where 1 = 2'],
    ['update t set a = 1 where 1 = 0'],
    ['set default_transaction_read_only = 1'],
    ['set statement_timeout = 5'],
    ['explain (analyze 0) select 1'],
    ['with d as (delete from t where 1 = 2 returning *) select 1'],
    ['select * into t2 from t where id = 1'],
    ['select set_config(a, b, false) from t where 1 = 1'],
    ['select 1; delete from t where 1 = 2'],
    ['fetch 5 from c'],
    ['select 1 from'],
  ])('is false for %j', (sql) => {
    expect(literalFree(sql)).toBe(false);
  });

  it.each(policies)('holds under the %s policy: wherever it is true, other numbers get the same verdict', (_name, policy, readOnly) => {
    let checked = 0;
    for (const sql of TEXTS) {
      const shape = literalShape(sql);
      if (!shape || !literalFree(sql)) continue;
      const first = evaluate(sql, policy, { readOnly });
      for (const n of [0, 1, 2, 7, 99, 123456789]) {
        const other = swapNumbers(sql, n);
        expect(literalShape(other)?.key).toBe(shape.key);
        const d = evaluate(other, policy, { readOnly });
        expect([d.action, d.ruleId, d.reason, d.statements.map((s) => [s.action, s.ruleId, s.kind])], other).toEqual([
          first.action,
          first.ruleId,
          first.reason,
          first.statements.map((s) => [s.action, s.ruleId, s.kind]),
        ]);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('is false wherever a number changes the verdict in this list', () => {
    for (const sql of TEXTS) {
      const shape = literalShape(sql);
      if (!shape) continue;
      const verdicts = new Set([0, 1, 2].map((n) => evaluate(swapNumbers(sql, n), defaultPolicy(), { readOnly: true }).action));
      if (verdicts.size > 1) expect(literalFree(sql), sql).toBe(false);
    }
  });
});
