/**
 * A session keeps a Postgres verdict by the text's shape with its numbers taken out, where the guard says the numbers
 * cannot change it: these try to get a dangerous text through on the verdict of a harmless one of the same shape (or
 * one that only looks alike), and check that the trail still records each statement as it was sent.
 */
import { initGuard, initMysqlGuard } from '@hoop/pipeline';
import type { AgentConnection } from '@hoop/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { hooksFor } from './policy-hooks';

beforeAll(async () => {
  await initGuard();
});

const connection = (over: Partial<AgentConnection> = {}): AgentConnection => ({
  id: 'c',
  name: 'pg',
  type: 'postgres',
  config: {},
  secretRef: null,
  readOnly: false,
  policy: null,
  ...over,
});

/** a session's hooks over one connection (a new connection object would be a configuration change: caches cleared) */
const hooksOf = (conn: AgentConnection) => hooksFor(() => conn, 'k'.repeat(64));

describe('verdicts by shape', () => {
  it('judges a SELECT with new numbers as the first, and records its own text', () => {
    const hooks = hooksOf(connection());
    const a = hooks.judge('SELECT abalance FROM pgbench_accounts WHERE aid = 1;');
    const b = hooks.judge('SELECT abalance FROM pgbench_accounts WHERE aid = 2;');
    expect(a.action).toBe('allow');
    expect(b.action).toBe('allow');
    expect(b.statements).toEqual([{ text: 'SELECT abalance FROM pgbench_accounts WHERE aid = 2', kind: 'read', action: 'allow' }]);
    expect(hooks.judge('select 1; select 2 from t').statements!.map((s) => s.text)).toEqual(['select 1', 'select 2 from t']);
    expect(hooks.judge('select 3; select 4 from t').statements!.map((s) => s.text)).toEqual(['select 3', 'select 4 from t']);
  });

  it.each([
    ['delete from t where 1 = 2', 'delete from t where 1 = 1', 'delete-without-where', false],
    ['update t set a = 1 where 0 = 1', 'update t set a = 1 where 1 = 1', 'update-without-where', false],
    ['with d as (delete from t where 1 = 2 returning 1) select 1', 'with d as (delete from t where 1 = 1 returning 1) select 1', 'delete-without-where', false],
    ['select 1; delete from t where 1 = 2', 'select 1; delete from t where 1 = 1', 'delete-without-where', false],
    ['set default_transaction_read_only = 1', 'set default_transaction_read_only = 0', 'read-only', true],
    ['set transaction_read_only = 1', 'set transaction_read_only = 0', 'read-only', true],
    ['set statement_timeout = 1', 'set default_transaction_read_only = 0', 'read-only-override', false],
    ["select set_config('transaction_read_only', 'on', false), 1", "select set_config('transaction_read_only', 'off', false), 1", 'read-only-override', true],
    ['select 1::float(5) from t where id = 1', 'select 1::float(0) from t where id = 1', 'parse-error', false],
  ])('does not let %j vouch for %j', (harmless, dangerous, ruleId, readOnly) => {
    const hooks = hooksOf(connection({ readOnly }));
    expect(hooks.judge(harmless).action).toBe('allow');
    expect(hooks.judge(dangerous)).toMatchObject({ action: 'deny', ruleId });
  });

  it.each([
    ["select 1, 'x'", "select 1, 'x'; drop table t"],
    ["select 1, E'\\''", "select 1, E'\\''; drop table t; --'"],
    ['select 1, $$x$$', 'select 1, $$x$$; drop table t'],
    ['select 1 -- x', 'select 1 -- x\n; drop table t'],
    ['select 1 /* x */', 'select 1 /* x */; drop table t'],
    ['select 1', 'select 1; drop table t'],
    ['select 1 from t', 'select 1 from t; truncate t'],
  ])('judges a text that only looks like %j on its own: %j', (harmless, dangerous) => {
    const hooks = hooksOf(connection());
    expect(hooks.judge(harmless).action).toBe('allow');
    expect(hooks.judge(dangerous).action).toBe('deny');
  });

  it('forgets the shapes when the policy changes', () => {
    let conn = connection();
    const hooks = hooksFor(() => conn, 'k'.repeat(64));
    expect(hooks.judge('select * from accounts where id = 1').action).toBe('allow');
    conn = connection({
      policy: { name: 'p', guardrails: { rules: [{ id: 'no-accounts', action: 'deny', match: { tables: ['accounts'] } }] } } as never,
    });
    expect(hooks.judge('select * from accounts where id = 2')).toMatchObject({ action: 'deny', ruleId: 'no-accounts' });
  });

  it('masks the text it records for a statement judged by shape', () => {
    const hooks = hooksOf(connection());
    hooks.judge('select * from t where phone = 1');
    const text = hooks.judge('select * from t where phone = 5551234567.5').statements![0]!.text;
    expect(text).toBe(hooks.maskAudit('select * from t where phone = 5551234567.5'));
  });
});

describe('MySQL verdicts by shape', () => {
  beforeAll(async () => {
    await initMysqlGuard();
  });
  const mysql = (over: Partial<AgentConnection> = {}) => connection({ type: 'mysql', name: 'my', ...over });

  it('judges a sysbench SELECT with new numbers as the first, and records its own text', () => {
    const hooks = hooksOf(mysql());
    expect(hooks.judge('SELECT c FROM sbtest1 WHERE id=1').action).toBe('allow');
    const b = hooks.judge('SELECT c FROM sbtest1 WHERE id=2');
    expect(b.statements).toEqual([{ text: 'SELECT c FROM sbtest1 WHERE id=2', kind: 'read', action: 'allow' }]);
    expect(hooks.judge('select 1; select 2 from t;').statements!.map((s) => s.text)).toEqual(['select 1', 'select 2 from t']);
    expect(hooks.judge('select 3; select 4 from t;').statements!.map((s) => s.text)).toEqual(['select 3', 'select 4 from t']);
  });

  it('takes the later texts of a literal-free shape from the shape, not the parser', () => {
    const hooks = hooksOf(mysql());
    const cpu = (f: () => void) => {
      const start = process.cpuUsage();
      f();
      const used = process.cpuUsage(start);
      return used.user + used.system;
    };
    hooks.judge('SELECT c FROM sbtest1 WHERE id=1');
    hooks.judge('SELECT c0 FROM sbtest1 WHERE id=1');
    const parsed = cpu(() => {
      for (let i = 1; i <= 200; i++) hooks.judge(`SELECT c${i} FROM sbtest1 WHERE id=1`);
    });
    const shaped = cpu(() => {
      for (let id = 2; id <= 201; id++) hooks.judge(`SELECT c FROM sbtest1 WHERE id=${id}`);
    });
    // a parse costs some hundred microseconds, a shape a few: a tenth leaves room for a loaded machine
    expect(shaped).toBeLessThan(parsed / 10);
  });

  it.each([
    ['delete from t where 1 = 2', 'delete from t where 1 = 1', 'delete-without-where', false],
    ['update t set a = 1 where 0 = 1', 'update t set a = 1 where 1 = 1', 'update-without-where', false],
    ['select 1; delete from t where 1 = 2', 'select 1; delete from t where 1 = 1', 'delete-without-where', false],
    ['set session transaction_read_only = 1', 'set session transaction_read_only = 0', 'read-only-override', false],
    ['set tx_read_only = 1', 'set tx_read_only = 0', 'read-only', true],
    ['set autocommit = 1', 'set autocommit = 0; delete from t where 1 = 1', 'delete-without-where', false],
    ['set max_execution_time = 1', 'set global max_execution_time = 1', 'set-global', false],
    ['select c from t where id = 1', "select c from t where id = 1 into outfile '/tmp/x'", 'copy-program', false],
    ['select c from t where id = 1', 'select c from t where id = 1 into outfile `x`', 'copy-program', false],
    ['select sleep(0)', "select load_file('/etc/passwd'), 1", 'file-and-shell-functions', false],
  ])('does not let %j vouch for %j', (harmless, dangerous, ruleId, readOnly) => {
    const hooks = hooksOf(mysql({ readOnly }));
    expect(hooks.judge(harmless).action).toBe('allow');
    expect(hooks.judge(dangerous)).toMatchObject({ action: 'deny', ruleId });
  });

  it('refuses on a read-only connection a SET TRANSACTION READ WRITE that follows READ ONLY', () => {
    const hooks = hooksOf(mysql({ readOnly: true }));
    expect(hooks.judge('set session transaction read only; select 1').action).toBe('allow');
    expect(hooks.judge('set session transaction read write; select 1')).toMatchObject({ action: 'deny' });
    expect(hooks.judge('select 1 from t where id = 1').action).toBe('allow');
    expect(hooks.judge('delete from t where id = 1')).toMatchObject({ action: 'deny', ruleId: 'read-only' });
  });

  it.each([
    ["select 1, 'x'", "select 1, 'x'; drop table t"],
    ['select 1, "x"', 'select 1, "x"; drop table t'],
    ["select 1, 'a\\''", "select 1, 'a\\''; drop table t; -- '"],
    ['select 1 # x', 'select 1 # x\n; drop table t'],
    ['select 1 -- x', 'select 1 -- x\n; drop table t'],
    ['select 1 /* x */', 'select 1 /* x */; drop table t'],
    ['select 1 /*!50000 */', 'select 1 /*!50000 ; drop table t */'],
    ['select 1 /*M!100100 */', 'select 1 /*M!100100 ; drop table t */'],
    ['select 1', 'select 1; drop table t'],
    ['select 1 from t', 'select 1 from t; truncate t'],
    ['select c from t where id = 1', 'select c from t where id = 1; delete from t where 1 = 1'],
  ])('judges a text that only looks like %j on its own: %j', (harmless, dangerous) => {
    const hooks = hooksOf(mysql());
    expect(hooks.judge(harmless).action).toBe('allow');
    expect(hooks.judge(dangerous).action).toBe('deny');
  });

  it('forgets the shapes when the policy changes', () => {
    let conn = mysql();
    const hooks = hooksFor(() => conn, 'k'.repeat(64));
    expect(hooks.judge('select * from accounts where id = 1').action).toBe('allow');
    conn = mysql({
      policy: { name: 'p', guardrails: { rules: [{ id: 'no-accounts', action: 'deny', match: { tables: ['accounts'] } }] } } as never,
    });
    expect(hooks.judge('select * from accounts where id = 2')).toMatchObject({ action: 'deny', ruleId: 'no-accounts' });
    conn = mysql({ readOnly: true });
    expect(hooks.judge('select * from accounts where id = 3').action).toBe('allow');
    expect(hooks.judge('delete from accounts where id = 4')).toMatchObject({ action: 'deny', ruleId: 'read-only' });
  });
});
