import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluateMysql } from './index';

type Case = [sql: string, action: 'allow' | 'deny' | 'review', ruleId?: string];

const cases: Case[] = [
  ['select 1', 'allow'],
  ['SELECT `id`, `e``x` FROM `db`.`customers` WHERE id = 1', 'allow'],
  ['select c.id, sum(o.amount) from customers c join orders o on o.customer_id = c.id where o.created_at > now() - interval 1 day group by c.id', 'allow'],
  ["SELECT 'DROP TABLE customers'", 'allow'],
  ['select \'O\\\'Brien\', "it\\"s"', 'allow'],
  ['select 1 # DROP TABLE t\n', 'allow'],
  ['select 1 -- DROP TABLE t\n', 'allow'],
  ['/* DROP TABLE t */ select 1', 'allow'],
  ['with c as (select id from t) select * from c', 'allow'],
  ['select id, row_number() over (partition by g order by id) from t', 'allow'],
  ["select json_extract(doc, '$.a'), doc->>'$.b' from t", 'allow'],
  ["select _utf8mb4'abc', N'x', x'4142', 0x4142, b'0101'", 'allow'],
  ['select * from t for update', 'allow'],
  ['insert into t (a) values (1) on duplicate key update a = values(a)', 'allow'],
  ['replace into t (a) values (1)', 'allow'],
  ["update orders set status = 'shipped' where id = 7", 'allow'],
  ['update t set a = 1 where 1 = 2', 'allow'],
  ['delete from sessions where expires_at < now()', 'allow'],
  ['delete t1 from t1 join t2 on t1.id = t2.id where t2.gone = 1', 'allow'],
  ['update t1 join t2 on t1.id = t2.id set t1.a = t2.a where t2.b = 2', 'allow'],
  ['begin; update a set b = b - 1 where id = 1; commit', 'allow'],
  ['start transaction read only', 'allow'],
  ['set transaction read only', 'allow'],
  ['set names utf8mb4', 'allow'],
  ['set autocommit = 0', 'allow'],
  ['set @a = 1', 'allow'],
  ['set session sql_mode = "ANSI_QUOTES"', 'allow'],
  ['show tables', 'allow'],
  ['describe t', 'allow'],
  ['explain delete from t', 'allow'],
  ['use db', 'allow'],
  ['create table t (id int auto_increment primary key, v varchar(10)) engine=innodb', 'allow'],
  ['alter table t add column c int', 'allow'],
  ['create index i on t (a)', 'allow'],
  ['rename table a to b', 'allow'],
  ["prepare s from 'select * from t where id = ? limit ?'", 'allow'],
  ['select * from t where id = ? and name like ?', 'allow'],
  ['delete from t where id = ?', 'allow'],
  ['execute s using @a', 'allow'],
  ['deallocate prepare s', 'allow'],
  ['call p(1)', 'allow'],
  ['do sleep(1)', 'allow'],
  ['lock tables t write; unlock tables', 'allow'],
  ['create procedure p() begin select 1; update t set a = 1 where id = 2; end', 'allow'],
  // the built-in rules
  ['drop table t', 'deny', 'drop'],
  ['DROP DATABASE d', 'deny', 'drop'],
  ['drop procedure p', 'deny', 'drop'],
  ['truncate table t', 'deny', 'truncate'],
  ['truncate t', 'deny', 'truncate'],
  ['delete from t', 'deny', 'delete-without-where'],
  ['delete from t where 1=1', 'deny', 'delete-without-where'],
  ["delete from t where 'a'='a'", 'deny', 'delete-without-where'],
  ['delete from t where 1', 'deny', 'delete-without-where'],
  ['delete from t where not 0', 'deny', 'delete-without-where'],
  ['delete from t where !0', 'deny', 'delete-without-where'],
  ['delete from t where 1 in (1, 2)', 'deny', 'delete-without-where'],
  ['delete from t where id = id', 'deny', 'delete-without-where'],
  ['delete from t where (1=1) is true', 'deny', 'delete-without-where'],
  ['delete from t where id = 5 or 2 > 1', 'deny', 'delete-without-where'],
  ['delete from t limit 10', 'deny', 'delete-without-where'],
  ['delete t1, t2 from t1 join t2 on t1.id = t2.id', 'deny', 'delete-without-where'],
  ['update t set x = 1', 'deny', 'update-without-where'],
  ['update t set x=1 where true', 'deny', 'update-without-where'],
  ['update t1 join t2 on t1.id = t2.id set t1.a = t2.a', 'deny', 'update-without-where'],
  ['alter table t drop column c', 'deny', 'alter-drop-column'],
  ['alter table t drop c', 'deny', 'alter-drop-column'],
  ['alter table t drop foreign key fk', 'deny', 'alter-drop-column'],
  ["grant select on db.* to 'u'@'%'", 'deny', 'grant-revoke'],
  ['revoke all on *.* from u', 'deny', 'grant-revoke'],
  ["load data infile '/etc/passwd' into table t", 'deny', 'copy-program'],
  ["select * from t into outfile '/tmp/x'", 'deny', 'copy-program'],
  ["select * into dumpfile '/tmp/x' from t", 'deny', 'copy-program'],
  ["load data local infile 'x.csv' into table t fields terminated by ','", 'deny', 'load-data-local'],
  ["select load_file('/etc/passwd')", 'deny', 'file-and-shell-functions'],
  ["select sys_exec('id')", 'deny', 'file-and-shell-functions'],
  ['set global max_connections = 10', 'deny', 'set-global'],
  ['set @@global.max_connections = 10', 'deny', 'set-global'],
  ['set persist max_connections = 10', 'deny', 'set-global'],
  ["install plugin x soname 'x.so'", 'deny', 'server-plugins'],
  ["create function f returns string soname 'udf.so'", 'deny', 'server-plugins'],
  ['prepare s from @sql', 'review', 'dynamic-sql'],
  ["prepare s from 'delete from t'", 'deny', 'delete-without-where'],
  ['start transaction read write', 'deny', 'read-only-override'],
  ['set session transaction read write', 'deny', 'read-only-override'],
  ['set tx_read_only = 0', 'deny', 'read-only-override'],
  ['set session transaction_read_only = off', 'deny', 'parse-error'],
  ['set @@session.transaction_read_only = 0', 'deny', 'read-only-override'],
  ['set transaction_read_only = @v', 'deny', 'read-only-override'],
  ['create procedure p() begin delete from t; select 1; end', 'deny', 'delete-without-where'],
  ['create trigger tr before insert on t for each row begin delete from u; end', 'deny', 'delete-without-where'],
  ['create event e on schedule every 1 hour do truncate t', 'deny', 'truncate'],
  ['create procedure p() begin if 1 then drop table t; end if; end', 'deny', 'drop'],
  ['select 1; drop table t', 'deny', 'drop'],
  // what the parser cannot read is refused
  ['selec 1', 'deny', 'parse-error'],
  ["select 'abc", 'deny', 'parse-error'],
  ["install soname 'x.so'", 'deny', 'parse-error'],
  ['select 1\0', 'deny', 'parse-error'],
];

describe('MySQL guard: statements and their verdicts under the default policy', () => {
  const policy = defaultPolicy();
  it.each(cases)('%s → %s %s', (sql, action, ruleId) => {
    const d = evaluateMysql(sql, policy);
    expect({ action: d.action, ruleId: d.ruleId }).toEqual({ action, ruleId });
    if (action !== 'allow') expect(d.reason).toBeTruthy();
  });
});

describe('MySQL guard: read-only connections', () => {
  const policy = parsePolicy({ name: 'ro', readOnly: true });
  it.each([
    ['select * from t', 'allow'],
    ['start transaction read only', 'allow'],
    ['show tables', 'allow'],
    ['insert into t values (1)', 'deny'],
    ['update t set a = 1 where id = 1', 'deny'],
    ['lock tables t write', 'deny'],
    ['set session transaction read write', 'deny'],
    ['set tx_read_only = 0', 'deny'],
    ['start transaction read write', 'deny'],
    ["prepare s from 'insert into t values (1)'", 'deny'],
    ['create procedure p() begin select 1; end', 'deny'],
    ["select * from t into outfile '/tmp/x'", 'deny'],
  ])('%s → %s', (sql, action) => {
    const d = evaluateMysql(sql, policy);
    expect(d.action).toBe(action);
    if (action === 'deny') expect(['read-only', 'read-only-override']).toContain(d.ruleId);
  });
});

describe('MySQL guard: the policy governs it as it governs Postgres', () => {
  it('a built-in turned off or set to review', () => {
    const p = parsePolicy({ name: 'p', guardrails: { builtins: { drop: { action: 'review' }, truncate: { enabled: false } } } });
    expect(evaluateMysql('drop table t', p)).toMatchObject({ action: 'review', ruleId: 'drop' });
    expect(evaluateMysql('truncate t', p).action).toBe('allow');
  });
  it('custom rules by kind, command, table and function', () => {
    const p = parsePolicy({
      name: 'p',
      guardrails: {
        rules: [
          { id: 'no-secrets', action: 'deny', match: { tables: ['secrets', 'vault.*'] } },
          { id: 'ddl-review', action: 'review', match: { kinds: ['ddl'] } },
          { id: 'no-sleep', action: 'deny', match: { functions: ['sleep'] } },
        ],
      },
    });
    expect(evaluateMysql('select * from `secrets`', p).ruleId).toBe('no-secrets');
    expect(evaluateMysql('select * from vault.api_keys', p).ruleId).toBe('no-secrets');
    expect(evaluateMysql('select * from t where id in (select id from SECRETS)', p).ruleId).toBe('no-secrets');
    expect(evaluateMysql('create index i on t (a)', p)).toMatchObject({ action: 'review', ruleId: 'ddl-review' });
    expect(evaluateMysql('select sleep(5)', p).ruleId).toBe('no-sleep');
    expect(evaluateMysql('select * from customers', p).action).toBe('allow');
  });
});
