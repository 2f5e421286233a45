import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTargetDatabase, runProcess, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import * as w from '@hoop/pgwire';
import { BLOCKED_PREFIX, REVIEW_PREFIX } from '@hoop/protocol';
import { errorMessage, label, WireClient } from './wire-client';

/**
 * A statement hoop refuses inside a transaction aborts it, as an error from Postgres would: the client sees
 * ReadyForQuery 'E', later statements get 25P02, COMMIT answers ROLLBACK, and nothing of the transaction is kept.
 * Scripts are run through hoop and, where it helps, directly against the target with a statement Postgres itself
 * fails in the refused one's place: both must go the same way.
 */

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;

beforeAll(async () => {
  target = await createTargetDatabase('refusedtx');
  await target.query('create table items (id int primary key, note text)');
  stack = await startTestStack();
  await stack.addPostgresConnection('tx', target.url);
  await stack.startAgent();
  conn = await stack.connect('tx');
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

beforeEach(async () => {
  await target.query('delete from items');
});

const ids = async () => (await target.query<{ id: number }>('select id from items order by id')).rows.map((r) => r.id);

type Step = string | [string, unknown[]];

/**
 * Runs `steps` one by one on a new `pg` session (simple protocol, or extended for steps with parameters) and returns
 * what each came back with — its command tag or `ERROR <sqlstate>` — and the transaction status of each ReadyForQuery.
 */
async function run(url: string, steps: Step[]): Promise<{ outcomes: string[]; statuses: string[]; errors: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const statuses: string[] = [];
  (client as unknown as { connection: { on(e: 'readyForQuery', f: (m: { status: string }) => void): void } }).connection.on('readyForQuery', (m) =>
    statuses.push(m.status),
  );
  const outcomes: string[] = [];
  const errors: string[] = [];
  try {
    for (const step of steps) {
      const [text, values] = typeof step === 'string' ? [step, undefined] : step;
      try {
        outcomes.push((await client.query(text, values)).command);
      } catch (err) {
        const e = err as pg.DatabaseError;
        if (!e.code) throw err;
        outcomes.push(`ERROR ${e.code}`);
        errors.push(e.message);
      }
    }
  } finally {
    await client.end();
  }
  return { outcomes, statuses, errors };
}

describe('a statement refused inside a transaction aborts it, as a Postgres error would', () => {
  it('BEGIN; INSERT; refused TRUNCATE; COMMIT keeps nothing: RFQ E, 25P02 after, COMMIT answers ROLLBACK', async () => {
    const steps = (refused: string): Step[] => ['begin', "insert into items values (1, 'kept?')", refused, 'select 1', 'commit'];
    const hoop = await run(conn.url, steps('truncate items'));
    expect(hoop.outcomes).toEqual(['BEGIN', 'INSERT', 'ERROR 42501', 'ERROR 25P02', 'ROLLBACK']);
    expect(hoop.statuses).toEqual(['T', 'T', 'E', 'E', 'I']);
    expect(hoop.errors[0]).toMatch(/^blocked by hoop guardrail "truncate": /);
    expect(hoop.errors[1]).toBe('current transaction is aborted, commands ignored until end of transaction block');
    expect(await ids()).toEqual([]);

    const direct = await run(target.url, steps('select 1/0'));
    expect(direct.outcomes).toEqual(['BEGIN', 'INSERT', 'ERROR 22012', 'ERROR 25P02', 'ROLLBACK']);
    expect(direct.statuses).toEqual(hoop.statuses);
    expect(await ids()).toEqual([]);
  });

  it('outside a transaction a refusal leaves the session idle, as before', async () => {
    const hoop = await run(conn.url, ['truncate items', "insert into items values (1, 'x')", 'select 1']);
    expect(hoop.outcomes).toEqual(['ERROR 42501', 'INSERT', 'SELECT']);
    expect(hoop.statuses).toEqual(['I', 'I', 'I']);
    expect(await ids()).toEqual([1]);
  });

  it('ROLLBACK TO SAVEPOINT recovers, as in Postgres: what came before the savepoint and after the recovery commits', async () => {
    const steps = (refused: string): Step[] => [
      'begin',
      "insert into items values (1, 'before')",
      'savepoint s',
      "insert into items values (2, 'inside')",
      refused,
      'select 1',
      'rollback to savepoint s',
      "insert into items values (3, 'after')",
      'commit',
    ];
    const hoop = await run(conn.url, steps('drop table items'));
    expect(hoop.outcomes).toEqual(['BEGIN', 'INSERT', 'SAVEPOINT', 'INSERT', 'ERROR 42501', 'ERROR 25P02', 'ROLLBACK', 'INSERT', 'COMMIT']);
    expect(hoop.statuses).toEqual(['T', 'T', 'T', 'T', 'E', 'E', 'T', 'T', 'I']);
    expect(await ids()).toEqual([1, 3]);

    await target.query('delete from items');
    const direct = await run(target.url, steps('select 1/0'));
    expect(direct.outcomes.filter((o) => o !== 'ERROR 22012')).toEqual(hoop.outcomes.filter((o) => o !== 'ERROR 42501'));
    expect(direct.statuses).toEqual(hoop.statuses);
    expect(await ids()).toEqual([1, 3]);
  });

  it('a statement hoop cannot parse fails with 42601 like a syntax error in Postgres, in a transaction and out of one', async () => {
    const steps: Step[] = ['selec 1', 'begin', "insert into items values (1, 'x')", 'selec 1', 'select 1', 'commit'];
    const hoop = await run(conn.url, steps);
    const direct = await run(target.url, steps);
    expect(hoop.outcomes).toEqual(['ERROR 42601', 'BEGIN', 'INSERT', 'ERROR 42601', 'ERROR 25P02', 'ROLLBACK']);
    expect(hoop.statuses).toEqual(['I', 'T', 'T', 'E', 'E', 'I']);
    expect(direct.outcomes).toEqual(hoop.outcomes);
    expect(direct.statuses).toEqual(hoop.statuses);
    expect(hoop.errors[0]).toMatch(/^blocked by hoop guardrail "parse-error": the statement could not be parsed/);
    expect(await ids()).toEqual([]);
  });

  it('pg with parameters (extended protocol): a refused statement aborts the transaction, later ones get 25P02', async () => {
    const steps = (refused: Step): Step[] => ['begin', ['insert into items values ($1, $2)', [1, 'a']], refused, ['select $1::int as n', [1]], 'commit'];
    const hoop = await run(conn.url, steps(['update items set note = $1', ['wiped']]));
    expect(hoop.outcomes).toEqual(['BEGIN', 'INSERT', 'ERROR 42501', 'ERROR 25P02', 'ROLLBACK']);
    expect(hoop.statuses).toEqual(['T', 'T', 'E', 'E', 'I']);
    expect(hoop.errors[0]).toMatch(/^blocked by hoop guardrail "update-without-where": /);
    expect(await ids()).toEqual([]);

    const direct = await run(target.url, steps(['select $1::int / 0', [1]]));
    expect(direct.outcomes).toEqual(['BEGIN', 'INSERT', 'ERROR 22012', 'ERROR 25P02', 'ROLLBACK']);
    expect(direct.statuses).toEqual(hoop.statuses);
  });

  it('a refused multi-statement string aborts the transaction it runs in', async () => {
    const hoop = await run(conn.url, ['begin', "insert into items values (1, 'a')", "insert into items values (2, 'b'); truncate items", 'commit']);
    expect(hoop.outcomes).toEqual(['BEGIN', 'INSERT', 'ERROR 42501', 'ROLLBACK']);
    expect(hoop.statuses).toEqual(['T', 'T', 'E', 'I']);
    expect(await ids()).toEqual([]);
  });

  it("records the refusal in the audit trail, and nothing of the statement that aborts the target's transaction", async () => {
    await run(conn.url, ['begin', "insert into items values (1, 'a')", 'truncate items /* audited-refusal */', 'rollback']);
    const events = await waitFor('the refusal in the audit trail', async () => {
      const all = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: { id: 'asc' } });
      return all.some((e) => JSON.stringify(e.data).includes('audited-refusal')) ? all : null;
    });
    expect(events.find((e) => JSON.stringify(e.data).includes('audited-refusal'))?.data).toMatchObject({
      decision: 'deny',
      ruleId: 'truncate',
      executed: false,
    });
    expect(events.filter((e) => JSON.stringify(e.data).includes('aborting the transaction'))).toEqual([]);
  });
});

describe('pipelined requests (several messages in one write)', () => {
  const insert = (id: number) => [w.parse('', `insert into items values (${id}, 'x')`), w.bind('', ''), w.execute(''), w.sync()];

  it('an extended round inside a transaction block: the refused Parse aborts it, the rest of the round is skipped', async () => {
    const c = await WireClient.connect(conn, 'tx');
    try {
      c.send(w.query('begin'));
      expect(await c.rounds()).toEqual(['CommandComplete BEGIN', 'ReadyForQuery T']);
      c.send(
        w.parse('', "insert into items values (1, 'x')"),
        w.bind('', ''),
        w.execute(''),
        w.parse('', 'truncate items'),
        w.bind('', ''),
        w.execute(''),
        w.sync(),
      );
      const round = await c.until('ReadyForQuery');
      expect(round.map(label)).toEqual(['ParseComplete', 'BindComplete', 'CommandComplete INSERT 0 1', 'ErrorResponse 42501', 'ReadyForQuery E']);
      expect(errorMessage(round)).toMatch(new RegExp(`^${BLOCKED_PREFIX} guardrail "truncate"`));
      c.send(w.query('select 1'), w.query('commit'));
      expect(await c.rounds(2)).toEqual(['ErrorResponse 25P02', 'ReadyForQuery E', 'CommandComplete ROLLBACK', 'ReadyForQuery I']);
    } finally {
      await c.close();
    }
    expect(await ids()).toEqual([]);
  });

  it('an extended round outside a transaction block: its implicit transaction is rolled back, as a server error would', async () => {
    const c = await WireClient.connect(conn, 'tx');
    try {
      c.send(...insert(1).slice(0, 3), w.parse('s1', 'truncate items'), w.bind('', 's1'), w.execute(''), w.sync());
      expect(await c.rounds()).toEqual(['ParseComplete', 'BindComplete', 'CommandComplete INSERT 0 1', 'ErrorResponse 42501', 'ReadyForQuery I']);
      // the name was not taken: the target has no statement s1, as after a Parse that failed there
      c.send(w.parse('s1', 'select 1'), w.sync());
      expect(await c.rounds()).toEqual(['ParseComplete', 'ReadyForQuery I']);
    } finally {
      await c.close();
    }
    expect(await ids()).toEqual([]);
  });

  it('simple queries sent together: the refusal arrives while earlier ones are still with the target, and still aborts', async () => {
    const c = await WireClient.connect(conn, 'tx');
    try {
      c.send(w.query('begin'), w.query("insert into items values (1, 'x')"), w.query('truncate items'), w.query('select 1'), w.query('commit'));
      expect(await c.rounds(5)).toEqual([
        'CommandComplete BEGIN',
        'ReadyForQuery T',
        'CommandComplete INSERT 0 1',
        'ReadyForQuery T',
        'ErrorResponse 42501',
        'ReadyForQuery E',
        'ErrorResponse 25P02',
        'ReadyForQuery E',
        'CommandComplete ROLLBACK',
        'ReadyForQuery I',
      ]);
      // sent together outside a transaction, a refusal still leaves the session idle
      c.send(...insert(2), w.query('truncate items'), w.query('select 1'));
      expect(await c.rounds(3)).toEqual([
        'ParseComplete',
        'BindComplete',
        'CommandComplete INSERT 0 1',
        'ReadyForQuery I',
        'ErrorResponse 42501',
        'ReadyForQuery I',
        'RowDescription',
        'DataRow',
        'CommandComplete SELECT 1',
        'ReadyForQuery I',
      ]);
    } finally {
      await c.close();
    }
    expect(await ids()).toEqual([2]);
  });

  it('an earlier error of the round is the one reported (Postgres reports only the first), and the transaction is aborted', async () => {
    const c = await WireClient.connect(conn, 'tx');
    try {
      c.send(
        w.query('begin'),
        w.parse('', 'select 1/0'),
        w.bind('', ''),
        w.execute(''),
        w.parse('', 'truncate items'),
        w.bind('', ''),
        w.execute(''),
        w.sync(),
      );
      // 1/0 fails when Bind plans it; the refused Parse after it is never looked at by the target
      expect(await c.rounds(2)).toEqual(['CommandComplete BEGIN', 'ReadyForQuery T', 'ParseComplete', 'ErrorResponse 22012', 'ReadyForQuery E']);
      c.send(w.query('rollback'));
      expect(await c.rounds()).toEqual(['CommandComplete ROLLBACK', 'ReadyForQuery I']);
    } finally {
      await c.close();
    }
  });

  it('a refused Parse followed by Flush is answered before Sync, inside a transaction and out of one', async () => {
    const c = await WireClient.connect(conn, 'tx');
    try {
      c.send(w.parse('', 'truncate items'), w.flush());
      expect((await c.until('ErrorResponse')).map(label)).toEqual(['ErrorResponse 42501']);
      c.send(w.sync());
      expect(await c.rounds()).toEqual(['ReadyForQuery I']);
      c.send(w.query('begin'));
      expect(await c.rounds()).toEqual(['CommandComplete BEGIN', 'ReadyForQuery T']);
      c.send(w.parse('c1', 'truncate items'), w.flush());
      expect((await c.until('ErrorResponse')).map(label)).toEqual(['ErrorResponse 42501']);
      c.send(w.sync());
      expect(await c.rounds()).toEqual(['ReadyForQuery E']);
      c.send(w.query('commit'));
      expect(await c.rounds()).toEqual(['CommandComplete ROLLBACK', 'ReadyForQuery I']);
    } finally {
      await c.close();
    }
  });
});

describe('psql', () => {
  it.skipIf(noPsql)('a script run with ON_ERROR_STOP off: the statements after the refusal fail, COMMIT rolls back', async () => {
    const script = (refused: string) =>
      [
        'begin;',
        "insert into items values (1, 'a');",
        `${refused};`,
        "insert into items values (2, 'b');",
        'commit;',
        'select count(*) as n from items;',
        '',
      ].join('\n');
    const hoop = await runProcess('psql', [conn.url, '-X', '-At', '-v', 'ON_ERROR_STOP=0'], {
      input: script('truncate items'),
      env: { PGCONNECT_TIMEOUT: '10' },
    });
    expect(hoop.code).toBe(0);
    expect(hoop.stdout.split('\n')).toEqual(['BEGIN', 'INSERT 0 1', 'ROLLBACK', '0', '']);
    // the refusal with its hint, then exactly Postgres' words for the statements after it
    const refusal = /^ERROR: {2}blocked by hoop guardrail "truncate": [^\n]*\nHINT: [^\n]*\n/;
    expect(hoop.stderr).toMatch(refusal);
    expect(hoop.stderr.replace(refusal, '')).toBe('ERROR:  current transaction is aborted, commands ignored until end of transaction block\n');
    expect(await ids()).toEqual([]);

    const direct = await runProcess('psql', [target.url, '-X', '-At', '-v', 'ON_ERROR_STOP=0'], { input: script('select 1/0') });
    expect(direct.stdout).toBe(hoop.stdout);
  });
});

describe('a statement held for review inside a transaction', () => {
  async function decide(marker: string, decision: 'approve' | 'reject') {
    const reviewer = await stack.addUser({ role: 'reviewer' });
    const review = await waitFor(
      `the review of ${marker}`,
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: marker } } })) ?? null,
    );
    await stack.vote(review.id, reviewer, decision, `${decision} in a transaction`);
  }

  /** SQL built at run time: held for review by the default policy's dynamic-sql rule. */
  const held = (marker: string) => `do $$ begin execute format('select %L', '${marker}'); end $$`;

  it('rejected: the transaction is aborted, later statements get 25P02, COMMIT rolls back', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    const statuses: string[] = [];
    (client as unknown as { connection: { on(e: 'readyForQuery', f: (m: { status: string }) => void): void } }).connection.on('readyForQuery', (m) =>
      statuses.push(m.status),
    );
    try {
      await client.query('begin');
      await client.query("insert into items values (1, 'a')");
      const refused = client.query(held('tx-reject-simple')).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      await decide('tx-reject-simple', 'reject');
      const err = await refused;
      expect(err?.code).toBe('42501');
      expect(err?.message).toMatch(new RegExp(`^${REVIEW_PREFIX}: review .* was rejected`));
      await expect(client.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      expect((await client.query('commit')).command).toBe('ROLLBACK');
      expect(statuses).toEqual(['T', 'T', 'E', 'E', 'I']);
    } finally {
      await client.end();
    }
    expect(await ids()).toEqual([]);
  });

  it('rejected, over the extended protocol: the same', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('insert into items values ($1, $2)', [1, 'a']);
      const refused = client.query({ text: held('tx-reject-extended'), queryMode: 'extended' } as pg.QueryConfig).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      await decide('tx-reject-extended', 'reject');
      expect((await refused)?.code).toBe('42501');
      await expect(client.query('select $1::int', [1])).rejects.toMatchObject({ code: '25P02' });
      expect((await client.query('commit')).command).toBe('ROLLBACK');
    } finally {
      await client.end();
    }
    expect(await ids()).toEqual([]);
  });

  it('approved: it runs inside the transaction, which commits', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query("insert into items values (1, 'a')");
      const ran = client.query(held('tx-approve'));
      await decide('tx-approve', 'approve');
      expect((await ran).command).toBe('DO');
      expect((await client.query('commit')).command).toBe('COMMIT');
    } finally {
      await client.end();
    }
    expect(await ids()).toEqual([1]);
  });
});
