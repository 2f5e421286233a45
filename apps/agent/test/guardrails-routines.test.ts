import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, runProcess, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

/**
 * SQL inside routines is judged like top-level SQL: a DROP TABLE wrapped in a function, procedure or DO block is
 * refused through hoop, where Postgres itself would run it. Each case is first run directly against the target, to
 * show the wrapping works there, then through hoop.
 */

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;

beforeAll(async () => {
  target = await createTargetDatabase('routines');
  stack = await startTestStack();
  await stack.addPostgresConnection('wrapped', target.url);
  await stack.startAgent();
  conn = await stack.connect('wrapped');
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const tableExists = async (name: string) => (await target.query<{ r: string | null }>('select to_regclass($1)::text as r', [name])).rows[0]!.r !== null;
const routineExists = async (name: string) =>
  (await target.query<{ n: number }>('select count(*)::int as n from pg_proc where proname = $1', [name])).rows[0]!.n > 0;

/** statements that define a routine dropping `victim`, and the statement that runs it (none for a DO block) */
const wrapped: [label: string, define: string, run: string | null, where: RegExp][] = [
  [
    'PL/pgSQL function',
    'create function wipe() returns void language plpgsql as $$ begin drop table victim; end $$',
    'select wipe()',
    /in the body of function wipe: /,
  ],
  [
    'PL/pgSQL function, inside IF and a constant EXECUTE',
    "create function wipe() returns void language plpgsql as $$ begin if true then execute 'drop table victim'; end if; end $$",
    'select wipe()',
    /in the SQL string that EXECUTE runs in the body of function wipe: /,
  ],
  [
    'PL/pgSQL function, in an exception handler',
    'create function wipe() returns void language plpgsql as $$ begin perform 1/0; exception when others then drop table victim; end $$',
    'select wipe()',
    /in the body of function wipe: /,
  ],
  [
    'SQL function with two statements',
    "create function wipe() returns void language sql as 'select 1; drop table victim'",
    'select wipe()',
    /in the body of function wipe: /,
  ],
  ['SQL procedure', 'create procedure wipe() language sql as $$ drop table victim $$', 'call wipe()', /in the body of procedure wipe: /],
  ['DO block', 'do $$ begin drop table victim; end $$', null, /in the DO block: /],
  [
    'function created by a DO block',
    "do $d$ begin execute $x$create function wipe() returns void language sql as 'drop table victim'$x$; end $d$",
    'select wipe()',
    /in the DO block: in the body of function wipe: /,
  ],
];

describe('routines through the real stack', () => {
  it.each(wrapped)('%s: runs directly, and is refused through hoop with the table left in place', async (_label, define, run, where) => {
    // directly against the target, the wrapped DROP TABLE drops the table
    await target.query('create table victim (id int)');
    await target.query(define);
    if (run) await target.query(run);
    expect(await tableExists('victim')).toBe(false);
    await target.query('drop routine if exists wipe()');

    // through hoop it is refused, nothing is created, and the table stays
    await target.query('create table victim (id int)');
    await target.query('insert into victim values (1), (2)');
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      const err = await client.query(define).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      expect(err?.code).toBe('42501');
      expect(err?.message).toMatch(/^blocked by hoop guardrail "drop": /);
      expect(err?.message).toMatch(where);
      expect(err?.message).toMatch(/DROP TABLE would destroy the object and its data$/);
      if (run) await expect(client.query(run)).rejects.toThrow(/does not exist/);
      expect((await client.query('select count(*)::int as n from victim')).rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
    }
    expect(await tableExists('victim')).toBe(true);
    expect(await routineExists('wipe')).toBe(false);
    await target.query('drop table victim');
  });

  it.skipIf(noPsql)('psql: the refusal names the guardrail and where in the routine it was found; the session goes on', async () => {
    await target.query('create table victim (id int)');
    const input =
      'create function wipe() returns void language plpgsql as $$\nbegin\n  drop table ' +
      'victim;\nend\n$$;\nselect wipe();\nselect count(*) as still_there from victim;\n';
    const r = await runProcess('psql', [conn.url, '-X'], { input });
    expect(r.stderr).toContain('ERROR:  blocked by hoop guardrail "drop": in the body of function wipe: DROP TABLE would destroy the object and its data');
    expect(r.stderr).toContain('HINT:  dropping objects needs a reviewer');
    expect(r.stderr).toMatch(/ERROR: {2}function wipe\(\) does not exist/);
    expect(r.stdout).toMatch(/still_there\s*\n-+\s*\n\s*0\s*\n/);
    expect(await tableExists('victim')).toBe(true);
    await target.query('drop table victim');
  });

  it('a routine whose body builds SQL at run time is held for review; rejected, it is never created', async () => {
    await target.query('create table victim (id int)');
    const reviewer = await stack.addUser({ role: 'reviewer' });
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      const define = "create function wipe(t text) returns void language plpgsql as $$ begin execute format('drop table %I', t); end $$";
      const held = client.query(define).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      const review = await waitFor(
        'the review request',
        async () =>
          (await stack.db.review.findFirst({ where: { status: 'pending', ruleId: 'dynamic-sql', statement: { contains: 'create function wipe' } } })) ?? null,
      );
      expect(review.ruleMessage).toBe(
        "the body of function wipe runs SQL built at run time (EXECUTE format('drop table %I', t)), which hoop cannot check before it runs",
      );
      await stack.vote(review.id, reviewer, 'reject', 'no dynamic SQL');
      const err = await held;
      expect(err?.code).toBe('42501');
      expect(err?.message).toMatch(/^not approved by hoop review: review .* was rejected by .*: no dynamic SQL$/);
      expect((await client.query('select 1 as n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
    expect(await routineExists('wipe')).toBe(false);
    expect(await tableExists('victim')).toBe(true);
    await target.query('drop table victim');
  });

  it('calling a routine that already exists stays allowed', async () => {
    await target.query("create function add_one(x int) returns int language sql as 'select x + 1'");
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    expect((await client.query('select add_one(41) as n')).rows).toEqual([{ n: 42 }]);
    await client.end();
  });
});
