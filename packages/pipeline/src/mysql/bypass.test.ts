import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../policy/schema';
import { evaluateMysql } from './index';

/** Each rule, tried around: wrapped, encoded, split, escaped, cased. Every one of these must still be stopped. */
const attempts: [how: string, sql: string, ruleId: string][] = [
  ['versioned comment', '/*!50000 DROP TABLE t */', 'drop'],
  ['versioned comment without version', '/*! DROP TABLE t */', 'drop'],
  ['MariaDB versioned comment', '/*M!100100 DROP TABLE t */', 'drop'],
  ['second statement in a versioned comment', 'select 1 /*!50000 ; drop table t */', 'drop'],
  ['a WHERE only newer servers read', 'delete from t /*!99999 where id = 1 */', 'delete-without-where'],
  ['a WHERE only MariaDB reads', 'delete from t /*M!100000 where id = 1 */', 'delete-without-where'],
  ['versioned comment inside a versioned comment', '/*!50000 select 1; /*!50100 truncate t */', 'parse-error'],
  ['routine body', 'create procedure p() begin select 1; drop table t; end', 'drop'],
  ['trigger body', 'create trigger tr after insert on t for each row update u set a = 1', 'update-without-where'],
  ['event body', 'create event e on schedule every 1 day do delete from t where true', 'delete-without-where'],
  ['PREPARE from a literal', "prepare s from 'drop table t'", 'drop'],
  ['PREPARE from a double-quoted literal', 'prepare s from "truncate t"', 'truncate'],
  ['PREPARE inside PREPARE', "prepare s from 'prepare u from ''drop table t'''", 'drop'],
  // the grammar does not take an introducer here: refused unread
  ['PREPARE with a charset introducer', "prepare s from _utf8mb4'drop table t'", 'parse-error'],
  ['multi-statement string', 'select 1; select 2; delete from t', 'delete-without-where'],
  ['CTE wrapping DML', 'with c as (select 1) delete from t where 1=1', 'delete-without-where'],
  ['backslash escapes under NO_BACKSLASH_ESCAPES', "select 'a\\'; drop table t; -- '", 'drop'],
  ['a quote left open under NO_BACKSLASH_ESCAPES', "select 'a\\'; drop table t; select '", 'drop'],
  ['a quote left open before the last statement', "select 'a\\'; drop table t; select 1 from u where b = '", 'drop'],
  ['double quotes under ANSI_QUOTES', 'select "a\\"; drop table t; -- "', 'drop'],
  ['introducer', "delete from t where _utf8mb4'a' = 'a'", 'delete-without-where'],
  ['hex literal', "delete from t where x'61' = 'a'", 'delete-without-where'],
  ['0x literal', "delete from t where 0x61 = 'a'", 'delete-without-where'],
  ['case-insensitive collation', "delete from t where 'a' = 'A '", 'delete-without-where'],
  ['double-quoted string', 'delete from t where "a" = \'a\'', 'delete-without-where'],
  ['split by a comment', 'dr/**/op table t', 'parse-error'],
  ['split statement with comments', 'drop /* x */ table -- y\n t', 'drop'],
  ['hash comment hides nothing', 'drop table t # ; select 1', 'drop'],
  ['backtick names', 'DROP TABLE `t`', 'drop'],
  ['backticked keyword-like table', 'truncate `select`', 'truncate'],
  ['case and whitespace', 'DeLeTe\n\tFROM\r\n t   WHERE  1  =  1', 'delete-without-where'],
  ['global via @@', 'set @@GLOBAL.general_log = 1', 'set-global'],
  ['persist_only', 'set persist_only max_connections = 1', 'set-global'],
  ['read only off as text', "set transaction_read_only = 'OFF'", 'read-only-override'],
  ['read only to default', 'set @@tx_read_only = default', 'read-only-override'],
  ['file function in a subquery', "select * from t where a = (select load_file('/etc/shadow'))", 'file-and-shell-functions'],
  ['file function by db-qualified call', "select mysql.sys_exec('id')", 'file-and-shell-functions'],
  ['outfile inside a union', "select 1 union select * from t into outfile '/tmp/x'", 'copy-program'],
  ['dynamic SQL in a routine', 'create procedure p() begin prepare s from @q; execute s; end', 'dynamic-sql'],
  ['unterminated comment', 'select 1 /* drop table t', 'parse-error'],
  ['unterminated versioned comment', 'select 1 /*!50000 drop table t', 'parse-error'],
];

describe('MySQL guard: ways around each rule', () => {
  const policy = defaultPolicy();
  it.each(attempts)('%s: %s', (_how, sql, ruleId) => {
    const d = evaluateMysql(sql, policy);
    expect(d.action).not.toBe('allow');
    expect(d.ruleId).toBe(ruleId);
  });

  it('a versioned comment no server runs, or comments and strings that only look like SQL, are left alone', () => {
    for (const sql of ["select 'drop table t'", 'select 1 /* drop table t */', "select 'a\\\\', 'b'", 'select `drop table t` from x']) {
      expect(evaluateMysql(sql, policy).action).toBe('allow');
    }
  });

  it('refuses text nested deeper than it reads before parsing it (the parser would hold the agent for seconds), and reads ordinary nesting', () => {
    const deep = evaluateMysql(`select ${'('.repeat(5000)}1${')'.repeat(5000)}`, policy);
    expect(deep).toMatchObject({ action: 'deny', ruleId: 'parse-error' });
    expect(deep.reason).toMatch(/parentheses nest 5000 deep, more than the 100 the guard reads/);
    expect(evaluateMysql(`select ${'('.repeat(12)}1${')'.repeat(12)} from t`, policy).action).toBe('allow');
  });
});
