import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type StackUser, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import * as w from '@hoop/pgwire';
import { REVIEW_PREFIX } from '@hoop/protocol';
import { errorMessage, label, WireClient } from './wire-client';

/**
 * An approval runs exactly what was approved, once. A statement held for review is held with the values bound to it;
 * reviewers see them (masked like the audit trail), the review's digest covers them, and every later run — the same
 * prepared statement bound with other values, the same portal executed again, `EXECUTE name(…)` of a statement
 * prepared in SQL — is judged again and held again. Statements the policy allows keep running Parse-once/Bind-many.
 */

const POLICY = {
  name: 'accounts-reviewed',
  connections: { names: ['accounts'] },
  guardrails: {
    rules: [
      { id: 'accounts-write', action: 'review', message: 'writes to accounts need a reviewer', match: { kinds: ['write'], tables: ['accounts'] } },
      { id: 'probe', action: 'deny', match: { tables: ['probe_each_run'] } },
    ],
  },
  review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
};

const UPDATE = 'UPDATE accounts SET email = $1 WHERE id = $2';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let reviewer: StackUser;
const seen = new Set<string>();

beforeAll(async () => {
  target = await createTargetDatabase('eachrun');
  await target.query('create table accounts (id int primary key, email text); create table notes (id int primary key, body text)');
  stack = await startTestStack();
  await stack.addPostgresConnection('accounts', target.url);
  await stack.startAgent();
  const file = `${stack.configFile}.each-run-policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await waitFor('the agent to enforce the policy', async () =>
    (await stack.cli(['exec', 'accounts', '-i', 'select * from probe_each_run'])).code === 3 ? true : null,
  );
  reviewer = await stack.addUser({ email: 'rita@test.local', role: 'reviewer' });
  conn = await stack.connect('accounts');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

async function reset() {
  await target.query("delete from accounts; insert into accounts values (1, 'one@old.test'), (2, 'two@old.test'), (3, 'three@old.test')");
}

const emails = async () => (await target.query<{ email: string }>('select email from accounts order by id')).rows.map((r) => r.email);

/** The next review to be requested (one not returned before), once it is pending. */
async function nextReview() {
  const review = await waitFor(
    'a new pending review',
    async () => {
      const r = await stack.db.review.findFirst({ where: { status: 'pending', id: { notIn: [...seen] } }, orderBy: { createdAt: 'asc' } });
      return r ?? null;
    },
    { timeoutMs: 30_000 },
  );
  seen.add(review.id);
  return review;
}

/** No review other than those seen so far was requested. */
async function noNewReview() {
  expect(await stack.db.review.count({ where: { id: { notIn: [...seen] } } })).toBe(0);
}

async function decide(reviewId: string, decision: 'approve' | 'reject') {
  await stack.vote(reviewId, reviewer, decision);
}

describe('a prepared statement approved with some values', () => {
  it('runs once with them; bound again with other values it is held again, and does not run unless approved', async () => {
    await reset();
    const c = await WireClient.connect(conn, 'accounts');
    try {
      c.send(w.parse('upd', UPDATE), w.bind('', 'upd', ['ann@example.com', '1']), w.execute(''), w.sync());
      const first = await nextReview();
      expect(await emails()).toEqual(['one@old.test', 'two@old.test', 'three@old.test']);
      await decide(first.id, 'approve');
      expect(await c.rounds()).toEqual(['ParseComplete', 'BindComplete', 'CommandComplete UPDATE 1', 'ReadyForQuery I']);
      expect(await emails()).toEqual(['ann@example.com', 'two@old.test', 'three@old.test']);

      // the same statement, parsed once, bound with other values: not covered by the approval
      c.send(w.bind('', 'upd', ['eve@example.com', '2']), w.execute(''), w.sync());
      const second = await nextReview();
      expect(await emails()).toEqual(['ann@example.com', 'two@old.test', 'three@old.test']);
      expect(second.digest).not.toBe(first.digest);
      expect(second.statement).toContain("$2 = '2'");
      await decide(second.id, 'reject');
      const refused = await c.until('ReadyForQuery');
      expect(refused.map(label).filter((l) => !l.startsWith('Notice'))).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);
      expect(errorMessage(refused)).toMatch(new RegExp(`^${REVIEW_PREFIX}: review ${second.id} was rejected`));

      // and with the approved values again: a new review too (the first approval is spent)
      c.send(w.bind('', 'upd', ['ann@example.com', '1']), w.execute(''), w.sync());
      const third = await nextReview();
      expect(third.digest).toBe(first.digest);
      await decide(third.id, 'reject');
      expect(await c.rounds()).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);
      expect(await emails()).toEqual(['ann@example.com', 'two@old.test', 'three@old.test']);
    } finally {
      await c.close();
    }
  });

  it('a portal run under an approval is held again when executed again', async () => {
    await reset();
    const c = await WireClient.connect(conn, 'accounts');
    try {
      // inside a transaction block a portal outlives its round
      c.send(w.query('begin'));
      expect(await c.rounds()).toEqual(['CommandComplete BEGIN', 'ReadyForQuery T']);
      c.send(w.parse('upd2', UPDATE), w.bind('p', 'upd2', ['bob@example.com', '2']), w.execute('p'), w.sync());
      await decide((await nextReview()).id, 'approve');
      expect(await c.rounds()).toEqual(['ParseComplete', 'BindComplete', 'CommandComplete UPDATE 1', 'ReadyForQuery T']);

      c.send(w.execute('p'), w.sync());
      const again = await nextReview();
      expect(again.statement).toContain("$1 = '[EMAIL]'");
      await decide(again.id, 'reject');
      expect(await c.rounds()).toEqual(['ErrorResponse 42501', 'ReadyForQuery E']);
      c.send(w.query('rollback'));
      expect(await c.rounds()).toEqual(['CommandComplete ROLLBACK', 'ReadyForQuery I']);
    } finally {
      await c.close();
    }
    expect(await emails()).toEqual(['one@old.test', 'two@old.test', 'three@old.test']);
  });

  it('node pg: a named statement run twice with other values is held twice', async () => {
    await reset();
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      // pg parses a named statement once per connection, then sends only Bind/Execute
      const run = (email: string, id: number) => client.query({ name: 'set-email', text: UPDATE, values: [email, id] });
      const first = run('carol@example.com', 1);
      await decide((await nextReview()).id, 'approve');
      expect((await first).rowCount).toBe(1);
      const second = run('mallory@example.com', 3).then(
        () => null,
        (e: pg.DatabaseError) => e,
      );
      const held = await nextReview();
      expect(held.statement).toContain("$2 = '3'");
      await decide(held.id, 'reject');
      expect((await second)?.code).toBe('42501');
      expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await client.end();
    }
    expect(await emails()).toEqual(['carol@example.com', 'two@old.test', 'three@old.test']);
  });
});

describe('SQL PREPARE / EXECUTE', () => {
  it('EXECUTE is judged by the prepared statement, held with its arguments each time; an unknown name is refused', async () => {
    await reset();
    const c = await WireClient.connect(conn, 'accounts');
    try {
      // preparing runs nothing: no review yet
      c.send(w.query('PREPARE upd3 (text, int) AS UPDATE accounts SET email = $1 WHERE id = $2'));
      expect(await c.rounds()).toEqual(['CommandComplete PREPARE', 'ReadyForQuery I']);
      await noNewReview();

      c.send(w.query("EXECUTE upd3('dave@example.com', 3)"));
      const first = await nextReview();
      expect(first.statement).toBe(
        "EXECUTE upd3('[EMAIL]', 3)\n-- prepared statement 'upd3', which EXECUTE runs, " +
          'as prepared:\n--   PREPARE upd3 (text, int) AS UPDATE accounts SET email = $1 WHERE id = $2',
      );
      await decide(first.id, 'approve');
      expect(await c.rounds()).toEqual(['CommandComplete UPDATE 1', 'ReadyForQuery I']);

      c.send(w.query("EXECUTE upd3('zed@example.com', 2)"));
      const second = await nextReview();
      await decide(second.id, 'reject');
      expect(await c.rounds()).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);

      // the statement made by PREPARE, bound over the extended protocol: held with the values bound to it
      c.send(w.bind('', 'upd3', ['zed@example.com', '1']), w.execute(''), w.sync());
      const bound = await nextReview();
      expect(bound.statement).toContain("$2 = '1'");
      await decide(bound.id, 'reject');
      expect(await c.rounds()).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);

      c.send(w.query('EXECUTE nosuch(1)'));
      const unknown = await c.until('ReadyForQuery');
      expect(unknown.map(label)).toEqual(['ErrorResponse 26000', 'ReadyForQuery I']);
      expect(errorMessage(unknown)).toMatch(/EXECUTE runs prepared statement "nosuch", which this session has not prepared through hoop/);

      // removed, then prepared again as something else under the same name: EXECUTE follows it
      c.send(w.query('DEALLOCATE upd3'));
      expect(await c.rounds()).toEqual(['CommandComplete DEALLOCATE', 'ReadyForQuery I']);
      c.send(w.query("EXECUTE upd3('x@example.com', 1)"));
      expect(await c.rounds()).toEqual(['ErrorResponse 26000', 'ReadyForQuery I']);
      c.send(w.query('PREPARE upd3 (text, int) AS SELECT $1 AS a, $2 AS b'), w.query("EXECUTE upd3('x', 1)"));
      expect(await c.rounds(2)).toEqual([
        'CommandComplete PREPARE',
        'ReadyForQuery I',
        'RowDescription',
        'DataRow',
        'CommandComplete SELECT 1',
        'ReadyForQuery I',
      ]);
      await noNewReview();
    } finally {
      await c.close();
    }
    expect(await emails()).toEqual(['one@old.test', 'two@old.test', 'dave@example.com']);
  });

  it('a name the session holds cannot be prepared again, whichever way: the target can never run another text under it', async () => {
    const c = await WireClient.connect(conn, 'accounts');
    try {
      c.send(w.parse('held', UPDATE), w.sync());
      expect(await c.rounds()).toEqual(['ParseComplete', 'ReadyForQuery I']);
      c.send(w.query('PREPARE held AS SELECT 1'));
      expect(await c.rounds()).toEqual(['ErrorResponse 42P05', 'ReadyForQuery I']);
      c.send(w.parse('held', 'select 1'), w.sync());
      expect(await c.rounds()).toEqual(['ErrorResponse 42P05', 'ReadyForQuery I']);
      // closed and prepared again in the same round: fine
      c.send(w.close('S', 'held'), w.parse('held', 'select 2 as two'), w.bind('', 'held'), w.execute(''), w.sync());
      expect(await c.rounds()).toEqual(['CloseComplete', 'ParseComplete', 'BindComplete', 'DataRow', 'CommandComplete SELECT 1', 'ReadyForQuery I']);
      await noNewReview();
    } finally {
      await c.close();
    }
  });
});

describe('statements the policy allows', () => {
  it('Parse once, Bind many in one write (JDBC batches): every Bind judged, no review, no extra round trip', async () => {
    await target.query('delete from notes');
    const c = await WireClient.connect(conn, 'accounts');
    try {
      const n = 500;
      const binds = Array.from({ length: n }, (_, i) => [w.bind('', 'ins', [String(i), `note ${i}`]), w.execute('')]).flat();
      const started = performance.now();
      c.send(w.parse('ins', 'insert into notes (id, body) values ($1, $2)'), ...binds, w.sync());
      const round = await c.rounds();
      const ms = performance.now() - started;
      expect(round).toEqual(['ParseComplete', ...Array.from({ length: n }, () => ['BindComplete', 'CommandComplete INSERT 0 1']).flat(), 'ReadyForQuery I']);
      expect((await target.query<{ n: number }>('select count(*)::int as n from notes')).rows[0]!.n).toBe(n);
      await noNewReview();
      console.log(`${n} pipelined Bind/Execute of one allowed statement through hoop: ${ms.toFixed(0)} ms`);
    } finally {
      await c.close();
    }
  });

  it('node pg with parameters, unnamed and named statements', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    try {
      for (let i = 0; i < 20; i++) {
        const unnamed = await client.query('select $1::int + 1 as n, $2::text as t', [i, `t${i}`]);
        const named = await client.query({ name: 'plus-two', text: 'select $1::int + 2 as n', values: [i] });
        expect([unnamed.rows[0], named.rows[0]]).toEqual([{ n: i + 1, t: `t${i}` }, { n: i + 2 }]);
      }
      await noNewReview();
    } finally {
      await client.end();
    }
  });
});

describe('what reviewers are shown', () => {
  it('hoop reviews get shows the values, masked; the audit trail records them the same way', async () => {
    await reset();
    const c = await WireClient.connect(conn, 'accounts');
    try {
      c.send(w.parse('', UPDATE), w.bind('', '', ['shown@example.com', '2']), w.execute(''), w.sync());
      const review = await nextReview();
      // the email is masked as the audit trail masks it; the id is shown as it is
      expect(review.statement).toBe(`${UPDATE}\n-- with the values:\n--   $1 = '[EMAIL]'\n--   $2 = '2'`);
      const shown = await stack.cli(['reviews', 'get', review.id]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(`statement: ${UPDATE}\n    -- with the values:\n    --   $1 = '[EMAIL]'\n    --   $2 = '2'\n`);
      expect(shown.stdout).not.toContain('shown@example.com');
      await decide(review.id, 'reject');
      expect(await c.rounds()).toEqual(['ParseComplete', 'ErrorResponse 42501', 'ReadyForQuery I']);
      const held = await waitFor('the held statement in the audit trail', async () => {
        const events = await stack.db.auditEvent.findMany({ where: { type: 'statement' } });
        return events.find((e) => (e.data as { held?: boolean; parameters?: string[] }).held && JSON.stringify(e.data).includes("$2 = '2'")) ?? null;
      });
      expect(held.data).toMatchObject({ decision: 'review', sql: UPDATE, parameters: ["$1 = '[EMAIL]'", "$2 = '2'"] });
      expect(JSON.stringify(held.data)).not.toContain('shown@example.com');
    } finally {
      await c.close();
    }
  });
});
