import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, psql, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import { SQLSTATE_BLOCKED } from '@hoop/protocol';

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
/** a `hoop connect` to pg-prod, to ask the agent what it enforces */
let probes: Awaited<ReturnType<TestStack['connect']>>;
const tokens: Record<string, string> = {};

const POLICY = {
  name: 'prod-reviewed',
  connections: { names: ['pg-prod'] },
  guardrails: {
    rules: [
      { id: 'schema-change', action: 'review', message: 'schema changes on production need a reviewer', match: { kinds: ['ddl'] } },
      { id: 'payouts-write', action: 'review', message: 'writes to payouts need a reviewer', match: { kinds: ['write'], tables: ['payouts'] } },
    ],
  },
  review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
};

/** `hoop …` as one of the seeded users, running in the background until it exits. */
const cliAs = (user: string, args: string[]) => stack.spawnCli(args, { token: tokens[user]! });
const run = (user: string, args: string[]) => cliAs(user, args).done;

async function pendingReview(statementLike: string) {
  return waitFor(
    `a pending review for ${statementLike}`,
    async () => {
      const r = await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: statementLike } }, orderBy: { createdAt: 'desc' } });
      return r ?? null;
    },
    { timeoutMs: 30_000 },
  );
}

/**
 * Waits for exec to print the waiting line of a review. Only then does exec know the review it waits on: the review row
 * exists a moment earlier, before the gateway's answer has travelled back as a NOTICE, and a session lost in between
 * cannot be re-attached (exec never learned the review's id).
 */
async function execWaiting(exec: ReturnType<typeof cliAs>, reviewId: string) {
  await waitFor('the waiting line', async () => (exec.output().includes(`waiting for approval: http://localhost:3999/reviews/${reviewId}`) ? true : null));
}

async function columns(table: string): Promise<string[]> {
  const r = await target.query<{ column_name: string }>('select column_name from information_schema.columns where table_name = $1 order by ordinal_position', [
    table,
  ]);
  return r.rows.map((x) => x.column_name);
}

/** Whether the agent blocks a statement on this table (a new session each time, through the real stack). */
async function agentBlocks(table: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: probes.url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query(`select * from ${table}`);
    return false;
  } catch (err) {
    return (err as pg.DatabaseError).code === SQLSTATE_BLOCKED;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Applies the policy with one more rule, blocking a probe table nothing else touches, and waits until the agent blocks
 * the probe: `policy apply` only stores the policy, the agent gets it pushed a moment later (and a statement held under
 * the agent's previous version is refused when approved, since the policy changed since the request).
 */
async function applyPolicy(doc: typeof POLICY, probe: string) {
  const file = `${stack.configFile}.review-policy.json`;
  await writeFile(
    file,
    JSON.stringify({ ...doc, guardrails: { rules: [...doc.guardrails.rules, { id: 'probe', action: 'deny', match: { tables: [probe] } }] } }),
  );
  const r = await stack.cli(['policy', 'apply', '-f', file]);
  expect(r.code, r.stderr).toBe(0);
  await waitFor(`the agent to enforce the policy that blocks ${probe}`, async () => ((await agentBlocks(probe)) ? true : null));
}

beforeAll(async () => {
  target = await createTargetDatabase('reviews');
  await target.query('create table orders (id int primary key); create table payouts (id int, amount int)');
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-prod', target.url);
  for (const [name, role] of [
    ['dev', 'developer'],
    ['rita', 'reviewer'],
    ['rob', 'reviewer'],
    ['dora', 'developer'],
  ] as const) {
    tokens[name] = (await stack.addUser({ email: `${name}@test.local`, role })).token;
  }
  tokens.admin = stack.adminToken;
  await stack.startAgent();
  probes = await stack.connect('pg-prod');
  await applyPolicy(POLICY, 'probe_one_approval');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

describe('statements held for review', () => {
  it('waits with the review link, runs exactly once after a reviewer approves in the CLI', async () => {
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'ALTER TABLE orders ADD COLUMN note text', '--reason', 'ticket 481: add note']);
    const review = await pendingReview('ADD COLUMN note');
    await execWaiting(exec, review.id);
    expect(await columns('orders')).toEqual(['id']);
    expect(review).toMatchObject({ kind: 'statement', reason: 'ticket 481: add note', ruleId: 'schema-change', policyName: 'prod-reviewed', mode: 'exec' });
    expect(review.digest).toMatch(/^[0-9a-f]{64}$/);

    const inbox = await run('rita', ['reviews']);
    expect(inbox.stdout).toContain(review.id);
    expect(inbox.stdout).toContain('dev@test.local');
    const shown = await run('rita', ['reviews', 'get', review.id]);
    expect(shown.stdout).toContain('statement: ALTER TABLE orders ADD COLUMN note text');
    expect(shown.stdout).toContain('reason: ticket 481: add note');
    expect(shown.stdout).toContain('rule: schema-change — schema changes on production need a reviewer');

    const approve = await run('rita', ['reviews', 'approve', review.id, '--comment', 'looks fine']);
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toBe(`review ${review.id} approved\n`);
    const r = await exec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('ALTER\n');
    expect(r.stderr).toContain(`approved: review ${review.id}`);
    expect(await columns('orders')).toEqual(['id', 'note']);
    const row = await stack.db.review.findUniqueOrThrow({ where: { id: review.id } });
    expect(row.status).toBe('approved');
    expect(row.executedAt).not.toBeNull();

    // the audit trail tells the whole story
    const events = await stack.db.auditEvent.findMany({ where: { sessionId: row.executedSessionId! }, orderBy: { seq: 'asc' } });
    const types = events.map((e) => `${e.type}${e.type === 'statement' ? `:${(e.data as { decision: string }).decision}` : ''}`);
    expect(types).toEqual(expect.arrayContaining(['statement:review', 'review.requested', 'review.decided', 'statement:approved']));
  });

  it('an approval cannot be replayed: not a second time, not for another statement', async () => {
    const done = await stack.db.review.findFirstOrThrow({ where: { statement: { contains: 'ADD COLUMN note' } } });
    const again = await run('dev', ['exec', 'pg-prod', '--review', done.id, '-i', 'ALTER TABLE orders ADD COLUMN note text']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/not approved by hoop review: review .* cannot run this statement: its approval was already used/);
    const other = await run('dev', ['exec', 'pg-prod', '--review', done.id, '-i', 'ALTER TABLE orders ADD COLUMN evil text']);
    expect(other.code).toBe(4);
    expect(other.stderr).toMatch(/requested for a different statement/);
    const stranger = await run('dora', ['exec', 'pg-prod', '--review', done.id, '-i', 'ALTER TABLE orders ADD COLUMN note text']);
    expect(stranger.code).toBe(4);
    expect(stranger.stderr).toMatch(/requested by someone else/);
    expect(await columns('orders')).toEqual(['id', 'note']);
  });

  it("rejection ends the wait with exit code 4 and the reviewer's reason", async () => {
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'DROP TABLE payouts']);
    const review = await pendingReview('DROP TABLE payouts');
    // the policy's own rule for DDL asks for review (it comes before the built-in drop rule)
    expect(review.ruleId).toBe('schema-change');
    const rejected = await run('rob', ['reviews', 'reject', review.id, '--comment', 'not during the freeze']);
    expect(rejected.code, rejected.stderr).toBe(0);
    const r = await exec.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`not approved by hoop review: review ${review.id} was rejected by rob@test.local: not during the freeze`);
    expect((await target.query("select to_regclass('payouts') as t")).rows[0]!.t).toBe('payouts');
  });

  it('expiry ends the wait with exit code 4', async () => {
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'INSERT INTO payouts VALUES (7, 700)']);
    const review = await pendingReview('INSERT INTO payouts');
    // the deadline passes
    await stack.db.review.update({ where: { id: review.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const r = await exec.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`review ${review.id} expired before reviewers decided`);
    expect((await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe('expired');
    expect((await target.query('select count(*)::int as n from payouts')).rows[0]!.n).toBe(0);
    const late = await run('rita', ['reviews', 'approve', review.id]);
    expect(late.code).toBe(3);
    expect(late.stderr).toMatch(/already expired/);
  });

  it('requesters cannot approve their own request, and only approvers can decide', async () => {
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'CREATE INDEX ON payouts (id)']);
    const review = await pendingReview('CREATE INDEX');
    const self = await run('dev', ['reviews', 'approve', review.id]);
    expect(self.code).toBe(3);
    expect(self.stderr).toContain('you cannot approve your own request');
    const notApprover = await run('dora', ['reviews', 'approve', review.id]);
    expect(notApprover.code).toBe(3);
    expect(notApprover.stderr).toContain('you are not an approver of this request');
    expect((await stack.db.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe('pending');
    const revoke = await run('admin', ['reviews', 'revoke', review.id, '--comment', 'wrong ticket']);
    expect(revoke.code, revoke.stderr).toBe(0);
    const r = await exec.done;
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('was revoked by admin@test.local: wrong ticket');
  });

  it.skipIf(noPsql)('psql gets a NOTICE with the link and its statement simply takes longer; the session stays usable', async () => {
    const c = await stack.connect('pg-prod');
    const session = psql(c.url, ['-c', 'select 1 as before', '-c', 'INSERT INTO payouts VALUES (1, 100)', '-c', 'select count(*) as n from payouts'], {
      timeoutMs: 60_000,
    });
    const review = await pendingReview('INSERT INTO payouts VALUES (1, 100)');
    expect(review.mode).toBe('connect');
    const approve = await run('rita', ['reviews', 'approve', review.id]);
    expect(approve.code, approve.stderr).toBe(0);
    const r = await session;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`NOTICE:  waiting for approval: http://localhost:3999/reviews/${review.id}`);
    expect(r.stdout).toContain('INSERT 0 1');
    expect(r.stdout).toMatch(/n\s*\n-+\n\s*1\n/);
  });

  it('holds a statement sent with the extended protocol, then runs it with its parameters', async () => {
    const c = await stack.connect('pg-prod');
    const client = new pg.Client({ connectionString: c.url });
    await client.connect();
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      const q = client.query('INSERT INTO payouts VALUES ($1, $2) RETURNING amount', [2, 200]);
      const review = await pendingReview('INSERT INTO payouts VALUES ($1, $2)');
      expect((await run('rob', ['reviews', 'approve', review.id])).code).toBe(0);
      const res = await q;
      expect(res.rows).toEqual([{ amount: 200 }]);
      expect(notices[0]).toMatch(/^waiting for approval: /);
      expect((await client.query('select count(*)::int as n from payouts')).rows[0]!.n).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('needs n of m approvals when the policy says so', async () => {
    await applyPolicy({ ...POLICY, review: { ...POLICY.review, minApprovals: 2 } }, 'probe_two_approvals');
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'ALTER TABLE payouts ADD COLUMN paid_at timestamptz']);
    const review = await pendingReview('paid_at');
    expect(review.minApprovals).toBe(2);
    const first = await run('rita', ['reviews', 'approve', review.id]);
    expect(first.stdout).toContain('1 of 2 needed');
    const twice = await run('rita', ['reviews', 'approve', review.id]);
    expect(twice.code).toBe(3);
    expect(twice.stderr).toContain('you already decided');
    expect(await columns('payouts')).not.toContain('paid_at');
    expect((await run('rob', ['reviews', 'approve', review.id])).code).toBe(0);
    const r = await exec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(await columns('payouts')).toContain('paid_at');
  });

  it('survives a gateway restart while pending: exec re-attaches and the approved statement runs once', async () => {
    const exec = cliAs('dev', ['exec', 'pg-prod', '-i', 'INSERT INTO payouts (id, amount) VALUES (99, 9900)']);
    const review = await pendingReview('VALUES (99, 9900)');
    // the gateway dies once exec knows the review it waits on (before that, there is nothing it could re-attach to)
    await execWaiting(exec, review.id);
    await stack.crashGateway();
    await waitFor(
      'exec to re-attach through the new gateway',
      async () => {
        const r = await stack.db.review.findUniqueOrThrow({ where: { id: review.id } });
        return r.sessionId !== review.sessionId ? true : null;
      },
      { timeoutMs: 60_000 },
    );
    const ok = await run('rita', ['reviews', 'approve', review.id]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await run('rob', ['reviews', 'approve', review.id])).code).toBe(0);
    const r = await exec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/re-attaching to review/);
    expect((await target.query('select count(*)::int as n from payouts where id = 99')).rows[0]!.n).toBe(1);
  });
});
