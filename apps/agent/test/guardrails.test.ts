import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, runProcess, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;

async function snapshot() {
  const counts = await target.query<{ n: number }>('select count(*)::int as n from customers');
  const cols = await target.query<{ c: string }>(
    "select string_agg(table_name || '.' || column_name, ',' order by table_name, " +
      "column_name) as c from information_schema.columns where table_schema = 'public'",
  );
  const grants = await target.query<{ n: number }>(
    "select count(*)::int as n from information_schema.role_table_grants where grantee = 'PUBLIC' and table_schema = 'public'",
  );
  return { rows: counts.rows[0]!.n, columns: cols.rows[0]!.c, grants: grants.rows[0]!.n };
}

beforeAll(async () => {
  target = await createTargetDatabase('guard');
  await target.query('create table customers (id int primary key, email text not null, note text)');
  await target.query("insert into customers select g, 'user' || g || '@example.com', 'n' from generate_series(1, 50) g");
  await target.query('create table scratch (id int)');
  await target.query('create sequence seq');
  stack = await startTestStack();
  await stack.addPostgresConnection('guarded', target.url);
  await stack.addPostgresConnection('reader', target.url, { readOnly: true });
  await stack.startAgent();
  conn = await stack.connect('guarded');
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const destructive = [
  'DELETE FROM customers',
  'delete from customers where 1=1',
  'UPDATE customers SET email = null',
  "update customers set note = 'x' where true",
  'DROP TABLE customers',
  'drop table if exists customers cascade',
  'TRUNCATE customers',
  'alter table customers drop column note',
  'grant select on customers to public',
  "copy customers to program 'cat > /tmp/x'",
  "select pg_read_file('/etc/hostname')",
  'with gone as (delete from customers returning *) select count(*) from gone',
  'explain analyze delete from customers where id > 0',
  'prepare wipe as delete from customers',
  'select 1; delete from customers; select 2',
  'set default_transaction_read_only = off',
  'delete from customers where',
];

describe('guardrails through the real stack', () => {
  it('psql: a blocked DELETE touches nothing, prints the rule and a hint, and the session goes on', async () => {
    const before = await snapshot();
    const r = await runProcess('psql', [conn.url, '-X'], { input: 'DELETE FROM customers;\nselect count(*) as left_rows from customers;\n' });
    expect(r.stderr).toContain('ERROR:  blocked by hoop guardrail "delete-without-where": DELETE without a WHERE clause would touch every row');
    expect(r.stderr).toContain('HINT:  add a WHERE clause, or request approval with --reason');
    expect(r.stdout).toMatch(/left_rows\s*\n-+\s*\n\s*50\s*\n/);
    expect(await snapshot()).toEqual(before);
  });

  it.each(destructive)('pg (extended protocol): %s is refused and changes nothing', async (sql) => {
    const before = await snapshot();
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      const err = await client.query(sql).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      expect(err).not.toBeNull();
      // what the parser cannot read fails as a syntax error, as Postgres would fail it
      expect(err!.code).toBe(sql === 'delete from customers where' ? '42601' : '42501');
      expect(err!.message).toMatch(/^blocked by hoop guardrail "[a-z-]+": /);
      // the same session is still usable, also with parameters
      expect((await client.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('holds dynamic SQL for review (the dynamic-sql rule); rejected, it changes nothing and the session goes on', async () => {
    const before = await snapshot();
    const reviewer = await stack.addUser({ role: 'reviewer' });
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      const held = client.query("do $$ begin execute 'delete from ' || 'customers'; end $$").then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      const review = await waitFor(
        'the review request',
        async () => (await stack.db.review.findFirst({ where: { status: 'pending', ruleId: 'dynamic-sql' } })) ?? null,
      );
      await stack.vote(review.id, reviewer, 'reject', 'no dynamic SQL');
      const err = await held;
      expect(err?.code).toBe('42501');
      expect(err?.message).toMatch(/^not approved by hoop review: review .* was rejected by .*: no dynamic SQL$/);
      expect((await client.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('runs harmless statements, including ones that merely mention dangerous words', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    expect((await client.query("select 'DROP TABLE customers' as s")).rows[0].s).toBe('DROP TABLE customers');
    expect((await client.query('update customers set note = $1 where id = $2', ['checked', 3])).rowCount).toBe(1);
    expect((await client.query('delete from scratch where id = 1')).rowCount).toBe(0);
    expect((await client.query('explain delete from customers')).rows.length).toBeGreaterThan(0);
    await client.query('begin');
    await client.query('insert into scratch values (1)');
    await client.query('commit');
    expect((await client.query('select count(*)::int as n from scratch')).rows[0].n).toBe(1);
    await client.end();
  });

  it('keeps protocol order when a refused statement is pipelined between others', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    const results = await Promise.all([
      client.query('select 1 as a'),
      client.query('delete from customers').catch((e: Error) => e),
      client.query('select 2 as b'),
      client.query({ text: 'select $1::text as c', values: ['x'] }),
      client.query('truncate customers').catch((e: Error) => e),
      client.query('select 3 as d'),
    ]);
    expect((results[0] as pg.QueryResult).rows).toEqual([{ a: 1 }]);
    expect((results[1] as Error).message).toMatch(/delete-without-where/);
    expect((results[2] as pg.QueryResult).rows).toEqual([{ b: 2 }]);
    expect((results[3] as pg.QueryResult).rows).toEqual([{ c: 'x' }]);
    expect((results[4] as Error).message).toMatch(/truncate/);
    expect((results[5] as pg.QueryResult).rows).toEqual([{ d: 3 }]);
    await client.end();
  });

  it('hoop exec exits 3 for a blocked statement and records the decision', async () => {
    const r = await stack.cli(['exec', 'guarded', '-i', 'TRUNCATE customers']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ERROR:  blocked by hoop guardrail "truncate": TRUNCATE would remove every row');
    const blocked = await waitFor('the refusal in the audit trail', async () => {
      const events = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: { id: 'desc' }, take: 20 });
      return events.find((e) => (e.data as { sql?: string }).sql === 'TRUNCATE customers') ?? null;
    });
    expect(blocked.data).toMatchObject({ decision: 'deny', ruleId: 'truncate', executed: false });
  });

  it('read-only connection: writes are refused by the guard, and a write the classifier cannot see is refused by the engine', async () => {
    const guarded = await stack.cli(['exec', 'reader', '-i', 'insert into scratch values (2)']);
    expect(guarded.code).toBe(3);
    expect(guarded.stderr).toMatch(/"read-only"/);
    // nextval() writes, but reads like a SELECT: the session itself is read-only, so Postgres stops it
    const slipped = await stack.cli(['exec', 'reader', '-i', "select nextval('seq')"]);
    expect(slipped.code).toBe(1);
    expect(slipped.stderr).toMatch(/read-only transaction/);
    const reads = await stack.cli(['exec', 'reader', '-i', 'select count(*) from customers', '-o', 'json']);
    expect(JSON.parse(reads.stdout).rows).toEqual([['50']]);
  });

  it('applies a policy change to the next statement without reconnecting', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    await expect(client.query('truncate scratch')).rejects.toThrow(/truncate/);
    const policy = await stack.db.policy.create({
      data: {
        orgId: stack.orgId,
        name: 'scratch-ok',
        document: {
          name: 'scratch-ok',
          guardrails: { rules: [{ id: 'scratch-truncate', action: 'allow', match: { commands: ['TRUNCATE'], tables: ['scratch'] } }] },
        },
      },
    });
    await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name: 'guarded' } }, data: { policyId: policy.id } });
    await stack.notifyConfigChanged();
    await waitFor(
      'the new policy to apply',
      async () =>
        client.query('truncate scratch').then(
          () => true,
          () => null,
        ),
      { timeoutMs: 10_000 },
    );
    await expect(client.query('truncate customers')).rejects.toThrow(/truncate/);
    await client.end();
  });
});
