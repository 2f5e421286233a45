/**
 * Review holds on a MySQL/MariaDB connection, through hoop connect (mysql2, the mariadb client) and hoop exec → gateway
 * → agent → the real MariaDB: a held statement waits, runs once when a reviewer approves, is refused with an ERR
 * when rejected; a prepared statement is held with the values of each execute, and an approval runs those values once.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackUser, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

const HOST = '127.0.0.1';
const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', HOST, '-P', String(PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });

let stack: TestStack;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let dev: StackUser;
let rita: StackUser;
const db = `hoop_r_${randomBytes(4).toString('hex')}`;

const POLICY = {
  name: 'mysql-reviewed',
  connections: { names: ['orders-mysql'] },
  guardrails: {
    rules: [{ id: 'payouts-write', action: 'review', message: 'writes to payouts need a reviewer', match: { kinds: ['write'], tables: ['payouts'] } }],
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

beforeAll(async () => {
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.payouts (id int PRIMARY KEY, amount int); CREATE TABLE ${db}.notes (n int);
    INSERT INTO ${db}.payouts VALUES (1, 100), (2, 200), (3, 300)`);
  stack = await startTestStack();
  await stack.addConnection('orders-mysql', 'mysql', { host: HOST, port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  dev = await stack.addUser({ role: 'developer', email: 'dev@test.local' });
  rita = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = `${stack.configFile}.mysql-policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  conn = await stack.connect('orders-mysql');
  // the agent's first MySQL session loads the MySQL grammar first: on a busy machine longer than mysql2's connect timeout
  await waitFor(
    'a first session to be served',
    async () =>
      await client().then(
        (c) => c.end().then(() => true),
        () => null,
      ),
    { timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const amount = (id: number) => Number(asRoot(`SELECT amount FROM ${db}.payouts WHERE id = ${id}`).trim());
const client = () => mysql.createConnection({ host: HOST, port: conn.port, user: 'orders-mysql', password: 'any', database: db, multipleStatements: true });

/** The newest pending review whose statement holds `like` and that no earlier step of the test has seen. */
const seen = new Set<string>();
async function pendingReview(like: string) {
  const r = await waitFor(
    `a pending review for ${like}`,
    async () => {
      const found = await stack.db.review.findMany({ where: { status: 'pending', statement: { contains: like } }, orderBy: { createdAt: 'desc' } });
      return found.find((x) => !seen.has(x.id)) ?? null;
    },
    { timeoutMs: 30_000 },
  );
  seen.add(r.id);
  return r;
}

/** A reviewer's decision through the gateway's JSON API, as `hoop reviews approve|reject` sends it. */
async function decide(reviewId: string, decision: 'approve' | 'reject', comment?: string) {
  const res = await fetch(`${stack.gatewayUrl}/api/reviews/${reviewId}/${decision}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rita.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(comment ? { comment } : {}),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** the statement events of the trail that mention `like`, oldest first, as `decision` (and `executed`) */
async function trail(like: string) {
  const events = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: [{ sessionId: 'asc' }, { seq: 'asc' }] });
  return events
    .filter((e) => JSON.stringify(e.data).includes(like))
    .map((e) => e.data as { decision: string; executed: boolean; reviewId?: string; parameters?: string[]; ruleId?: string });
}

describe('review holds on a MySQL connection', () => {
  it('mysql2 waits on a held statement; approved, it runs once and the session goes on; the same again asks anew', async () => {
    const c = await client();
    try {
      const held = c.query('UPDATE payouts SET amount = 150 WHERE id = 1');
      const review = await pendingReview('SET amount = 150');
      expect(review).toMatchObject({ kind: 'statement', ruleId: 'payouts-write', mode: 'connect' });
      expect(amount(1)).toBe(100);
      await decide(review.id, 'approve');
      const [ok] = (await held) as [{ affectedRows: number }, unknown];
      expect(ok.affectedRows).toBe(1);
      expect(amount(1)).toBe(150);
      const [[row]] = (await c.query('SELECT amount FROM payouts WHERE id = 1')) as [{ amount: number }[], unknown];
      expect(row).toEqual({ amount: 150 });
      // the approval was spent: the same statement again is a new review, and rejected it does not run
      const again = c.query('UPDATE payouts SET amount = 150 WHERE id = 1').then(
        () => null,
        (e: { errno: number; message: string }) => e,
      );
      const second = await pendingReview('SET amount = 150');
      expect(second.id).not.toBe(review.id);
      await decide(second.id, 'reject', 'once is enough');
      const err = await again;
      expect(err?.errno).toBe(1227);
      expect(err?.message).toBe(
        `not approved by hoop review: review ${second.id} was rejected by rita@test.local: once is enough ` +
          '(held by guardrail "payouts-write"; the statement did not run)',
      );
    } finally {
      await c.end();
    }
    const events = await trail('SET amount = 150');
    expect(events.map((e) => `${e.decision}:${e.executed}`)).toEqual(['review:false', 'approved:true', 'review:false']);
  });

  it('the mariadb client simply waits: approved, its rows come back; rejected, it prints the ERR', async () => {
    const run = (sql: string) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile('mariadb', ['-h', HOST, '-P', String(conn.port), '-u', 'orders-mysql', '-N', '-B', db, '-e', sql], { encoding: 'utf8' }, (e, out, err) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
        );
      });
    const approved = run('UPDATE payouts SET amount = 250 WHERE id = 2; SELECT amount FROM payouts WHERE id = 2');
    await decide((await pendingReview('SET amount = 250')).id, 'approve');
    expect(await approved).toEqual({ code: 0, out: '250\n', err: '' });
    const rejected = run('DELETE FROM payouts WHERE id = 3');
    const review = await pendingReview('DELETE FROM payouts WHERE id = 3');
    await decide(review.id, 'reject');
    const r = await rejected;
    expect(r.code).toBe(1);
    expect(r.err).toContain(`ERROR 1227 (42000) at line 1: not approved by hoop review: review ${review.id} was rejected by rita@test.local`);
    expect(amount(3)).toBe(300);
  });

  it('a multi-statement text is held whole: the allowed statement in front of a held one waits and is refused with it', async () => {
    const c = await client();
    try {
      const held = c.query('INSERT INTO notes VALUES (1); UPDATE payouts SET amount = 0 WHERE id = 2').then(
        () => null,
        (e: { errno: number }) => e,
      );
      const review = await pendingReview('INSERT INTO notes VALUES (1)');
      expect(review.statement).toContain('UPDATE payouts SET amount = 0 WHERE id = 2');
      await decide(review.id, 'reject');
      expect((await held)?.errno).toBe(1227);
    } finally {
      await c.end();
    }
    expect(asRoot(`SELECT COUNT(*) FROM ${db}.notes`).trim()).toBe('0');
    expect(amount(2)).toBe(250);
  });

  it('a prepared statement is held with the values of each execute: an approval runs those values once, not others', async () => {
    const c = await client();
    const sql = 'UPDATE payouts SET amount = ? WHERE id = ?';
    try {
      const first = c.execute(sql, [500, 1]);
      const review = await pendingReview('SET amount = ? WHERE id = ?');
      expect(review.statement).toContain('-- with the values:');
      expect(review.statement).toMatch(/\$1 = '500' \(\w+\)/);
      await decide(review.id, 'approve');
      expect(((await first) as [{ affectedRows: number }, unknown])[0].affectedRows).toBe(1);
      expect(amount(1)).toBe(500);

      // the same prepared statement with other values: another review, and the reviewers see those values
      const other = c.execute(sql, [9999, 1]).catch((e: { errno: number }) => e);
      const second = await pendingReview('SET amount = ? WHERE id = ?');
      expect(second.statement).toMatch(/\$1 = '9999'/);
      expect(second.digest).not.toBe(review.digest);
      await decide(second.id, 'reject');
      expect(await other).toMatchObject({ errno: 1227 });
      expect(amount(1)).toBe(500);

      // prepared afresh (a new statement id) with the approved values: still a new review
      c.unprepare(sql);
      const again = c.execute(sql, [500, 1]).catch((e: { errno: number }) => e);
      const third = await pendingReview('SET amount = ? WHERE id = ?');
      expect(third.digest).toBe(review.digest);
      await decide(third.id, 'reject');
      expect(await again).toMatchObject({ errno: 1227 });
    } finally {
      await c.end();
    }
    const events = await trail('SET amount = ? WHERE id = ?');
    expect(events.map((e) => `${e.decision}:${e.executed}`)).toEqual(['review:false', 'approved:true', 'review:false', 'review:false']);
    expect(events[0]!.parameters).toEqual([expect.stringMatching(/^\$1 = '500'/), expect.stringMatching(/^\$2 = '1'/)]);
  });

  it('a SQL PREPARE that needs approval is refused, not held: an approval would let every later EXECUTE run unreviewed', async () => {
    const c = await client();
    try {
      await expect(c.query("PREPARE s FROM 'UPDATE payouts SET amount = 1 WHERE id = 3'")).rejects.toMatchObject({
        errno: 1227,
        message: expect.stringContaining('a SQL PREPARE is not held for review'),
      });
      await expect(c.query("SET @q = 'UPDATE payouts SET amount = 1 WHERE id = 3'; PREPARE s FROM @q")).rejects.toMatchObject({ errno: 1227 });
      // (MariaDB's compound statement: the PREPARE inside it prepares for the session too)
      await expect(c.query("BEGIN NOT ATOMIC PREPARE s FROM 'UPDATE payouts SET amount = 1 WHERE id = 3'; END")).rejects.toMatchObject({ errno: 1227 });
      // nothing was prepared: EXECUTE has nothing to run
      await expect(c.query('EXECUTE s')).rejects.toMatchObject({ errno: 1243 });
    } finally {
      await c.end();
    }
    expect(amount(3)).toBe(300);
    expect(await stack.db.review.count({ where: { statement: { contains: 'PREPARE s' } } })).toBe(0);
  });

  it("a held statement stops waiting when the client cancels it as the mysql client's Ctrl-C does (KILL QUERY <thread id>)", async () => {
    const [c, other] = await Promise.all([client(), client()]);
    try {
      const held = c.query('UPDATE payouts SET amount = 888 WHERE id = 2').catch((e: { errno: number }) => e);
      const review = await pendingReview('SET amount = 888');
      await other.query(`KILL QUERY ${c.threadId}`);
      expect(await held).toMatchObject({ errno: 1317 });
      const [[row]] = (await c.query('SELECT amount FROM payouts WHERE id = 2')) as [{ amount: number }[], unknown];
      expect(row!.amount).not.toBe(888);
      await decide(review.id, 'approve');
      expect(amount(2)).not.toBe(888);
    } finally {
      await Promise.all([c.end(), other.end()]);
    }
  });

  it('a session closed while its statement is held ends the hold: approved later, the statement never runs', async () => {
    const c = await client();
    void c.query('INSERT INTO payouts VALUES (77, 777)').catch(() => null);
    const review = await pendingReview('VALUES (77, 777)');
    c.destroy();
    await waitFor('the held session to close', async () =>
      (await stack.db.session.findUnique({ where: { id: review.sessionId! } }))?.status === 'closed' ? true : null,
    );
    // its connection to the target is gone with it: nothing can run the statement any more
    await decide(review.id, 'approve');
    const events = await stack.db.auditEvent.findMany({ where: { sessionId: review.sessionId! }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.type)).toContain('session.close');
    expect(events.map((e) => e.type)).not.toContain('review.decided');
    expect(asRoot(`SELECT COUNT(*) FROM ${db}.payouts WHERE id = 77`).trim()).toBe('0');
  });

  it('hoop exec prints the review link and waits; approved it runs once, rejected it exits 4', async () => {
    const exec = stack.spawnCli(['exec', 'orders-mysql', '-i', 'UPDATE payouts SET amount = 600 WHERE id = 1'], { token: dev.token });
    const review = await pendingReview('SET amount = 600');
    expect(review.mode).toBe('exec');
    await waitFor('the waiting line', async () => (exec.output().includes(`waiting for approval: http://localhost:3999/reviews/${review.id}`) ? true : null));
    expect(amount(1)).not.toBe(600);
    await decide(review.id, 'approve');
    const r = await exec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`approved: review ${review.id}`);
    expect(r.stdout).toBe('Query OK, 1 row affected\n');
    expect(amount(1)).toBe(600);

    const no = stack.spawnCli(['exec', 'orders-mysql', '-i', 'UPDATE payouts SET amount = 0 WHERE id = 1'], { token: dev.token });
    const nope = await pendingReview('SET amount = 0 WHERE id = 1');
    await decide(nope.id, 'reject', 'no');
    const n = await no.done;
    expect(n.code).toBe(4);
    expect(n.stderr).toContain(`ERROR 1227 (42000): not approved by hoop review: review ${nope.id} was rejected by rita@test.local: no`);
    expect(amount(1)).toBe(600);
  });

  it('hoop exec --review re-attaches to a pending review after the first exec was stopped, and runs it once approved', async () => {
    const first = stack.spawnCli(['exec', 'orders-mysql', '-i', 'UPDATE payouts SET amount = 650 WHERE id = 1'], { token: dev.token });
    const review = await pendingReview('SET amount = 650');
    await waitFor('the waiting line', async () => (first.output().includes(`/reviews/${review.id}`) ? true : null));
    first.kill('SIGKILL');
    await first.done;
    const other = await stack.spawnCli(['exec', 'orders-mysql', '--review', review.id, '-i', 'UPDATE payouts SET amount = 9 WHERE id = 1'], {
      token: dev.token,
    }).done;
    expect(other.code).toBe(4);
    expect(other.stderr).toMatch(/requested for a different statement/);
    // (the refused try above forgot the statement kept for the review: it is given again)
    const again = stack.spawnCli(['exec', 'orders-mysql', '--review', review.id, '-i', 'UPDATE payouts SET amount = 650 WHERE id = 1'], { token: dev.token });
    await waitFor('the re-attached waiting line', async () => (again.output().includes(`/reviews/${review.id}`) ? true : null));
    await decide(review.id, 'approve');
    const r = await again.done;
    expect(r.code, r.stderr).toBe(0);
    expect(amount(1)).toBe(650);
  });
});
