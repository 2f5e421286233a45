/**
 * A session keeps a Postgres verdict by the text's shape with its numbers taken out, where the guard says the numbers
 * cannot change it: these try to get a dangerous text through on the verdict of a harmless one of the same shape (or
 * one that only looks alike), and check that the trail still records each statement as it was sent.
 */
import { initGuard } from '@hoop/pipeline';
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

describe('verdicts by shape', () => {
  it('judges a SELECT with new numbers as the first, and records its own text', () => {
    const hooks = hooksFor(() => connection(), 'k'.repeat(64));
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
    const hooks = hooksFor(() => connection({ readOnly }), 'k'.repeat(64));
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
    const hooks = hooksFor(() => connection(), 'k'.repeat(64));
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
    const hooks = hooksFor(() => connection(), 'k'.repeat(64));
    hooks.judge('select * from t where phone = 1');
    const text = hooks.judge('select * from t where phone = 5551234567.5').statements![0]!.text;
    expect(text).toBe(hooks.maskAudit('select * from t where phone = 5551234567.5'));
  });
});
