/**
 * Review holds in a MySQL session through the agent against the real MariaDB, with the review requests answered by
 * the test: what a client pipelines behind a held statement waits in order, the queue is bounded, a session that ends
 * abandons its review, and an execute is held with its values (other values or other types are another approval).
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { type ServerMessage, TYPE } from '@hoop/mysqlwire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewUpdate } from '../session/hooks';
import { MemoryBudget } from '../session/memory-budget';
import { type ReviewSubject, reviewDigest } from '../session/review-subject';
import type { MysqlHooks } from './relay';
import { asRoot, mysqlClient, serveTestSessions, testHooks } from './test-mariadb';
import { MysqlThreads } from './threads';

interface Request {
  sql: string;
  subject: ReviewSubject;
  decide(u: ReviewUpdate): void;
  cancelled: boolean;
}

let db: string;
let server: net.Server;
let audits: { type: string; data: Record<string, unknown> }[];
let requests: Request[];
/** what all sessions of the test's agent may hold of client input (the tests' default: more than any test holds) */
let budget: MemoryBudget;
const clients: net.Socket[] = [];

function hooks(): MysqlHooks {
  return testHooks(
    (sql) =>
      /\bpayouts\b/i.test(sql) && !/^select/i.test(sql) ? { action: 'review', ruleId: 'payouts-write', message: 'needs a reviewer' } : { action: 'allow' },
    ({ sql, subject }, onUpdate) => {
      const r: Request = { sql, subject: subject ?? { sql }, decide: onUpdate, cancelled: false };
      requests.push(r);
      onUpdate({ status: 'pending', reviewId: `r${requests.length}`, url: `http://hoop.test/reviews/r${requests.length}` });
      return () => {
        r.cancelled = true;
      };
    },
  );
}

beforeEach(async () => {
  db = `hoop_h_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.payouts (id int PRIMARY KEY, amount int); INSERT INTO ${db}.payouts VALUES (1, 100)`);
  const sink: typeof audits = [];
  audits = sink;
  requests = [];
  budget = new MemoryBudget(512 * 1024 * 1024);
  const threads = new MysqlThreads();
  server = await serveTestSessions(db, () => ({
    budget,
    hooks: hooks(),
    threads: { registry: threads, connectionId: 'c' },
    audit: (type, data) => sink.push({ type, data }),
  }));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const connect = () => mysqlClient(server, clients);
const amount = () => asRoot(`SELECT amount FROM ${db}.payouts WHERE id = 1`).trim();
const held = (n: number) => expect.poll(() => requests.length).toBe(n);

describe('review holds in a MySQL session', () => {
  it('what the client pipelines behind a held statement waits, then runs in order after the approved statement', async () => {
    const c = await connect();
    c.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 200 WHERE id = 1' });
    c.send({ type: 'Query', sql: 'SELECT amount FROM payouts WHERE id = 1' });
    c.send({ type: 'Ping' });
    await held(1);
    // the statement behind the held one has not run: its answer would come before any decision
    const early = await Promise.race([c.ch.next().then(() => 'answered'), new Promise((r) => setImmediate(() => r('waiting')))]);
    expect(early).toBe('waiting');
    expect(amount()).toBe('100');
    requests[0]!.decide({ status: 'approved', reviewId: 'r1' });
    expect((await c.answer('query'))[0]).toMatchObject({ type: 'OK', ok: { affectedRows: 1n } });
    const select = await c.answer('query');
    expect(select.filter((m) => m.type === 'Row')).toHaveLength(1);
    expect((await c.answer('ok'))[0]!.type).toBe('OK');
    expect(amount()).toBe('200');
    const trail = audits.filter((a) => a.type !== 'mysql.login').map((a) => (a.type === 'statement' ? `statement:${a.data.decision}` : a.type));
    expect(trail).toEqual(['statement:review', 'review.requested', 'review.decided', 'statement:approved', 'statement:allow']);
  });

  it('rejected: the client gets an ERR naming the review and the rule, and what waited runs', async () => {
    const c = await connect();
    c.send({ type: 'Query', sql: 'DELETE FROM payouts WHERE id = 1' });
    c.send({ type: 'Ping' });
    await held(1);
    requests[0]!.decide({ status: 'rejected', reviewId: 'r1', decidedBy: 'rita@test.local', message: 'no' });
    expect((await c.answer('query'))[0]).toMatchObject({
      type: 'Error',
      err: {
        code: 1227,
        message: 'not approved by hoop review: review r1 was rejected by rita@test.local: no (held by guardrail "payouts-write"; the statement did not run)',
      },
    });
    expect((await c.answer('ok'))[0]!.type).toBe('OK');
    expect(amount()).toBe('100');
  });

  it('input queued behind a held statement is bounded: past 16 MiB the client hears why and the session ends', async () => {
    const c = await connect();
    c.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 300 WHERE id = 1' });
    await held(1);
    const closed = new Promise((r) => c.sock.once('close', r));
    const filler = `SELECT '${'x'.repeat(512 * 1024)}'`;
    for (let i = 0; i < 34; i++) c.send({ type: 'Query', sql: filler });
    const err = (await c.answer('query'))[0];
    expect(err).toMatchObject({ type: 'Error', err: { code: 1153, message: 'too much input queued behind a statement waiting for approval' } });
    await closed;
    expect(requests[0]!.cancelled).toBe(true);
    expect(amount()).toBe('100');
  });

  it('a client that quits or goes away while held abandons its review, and the statement never runs', async () => {
    const quits = await connect();
    quits.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 400 WHERE id = 1' });
    await held(1);
    const closed = new Promise((r) => quits.sock.once('close', r));
    quits.send({ type: 'Quit' });
    await closed;
    expect(requests[0]!.cancelled).toBe(true);
    const gone = await connect();
    gone.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 500 WHERE id = 1' });
    await held(2);
    gone.sock.destroy();
    await expect.poll(() => requests[1]!.cancelled).toBe(true);
    requests[1]!.decide({ status: 'approved', reviewId: 'r2' });
    expect(amount()).toBe('100');
  });

  it('an execute is held with its values: other values, or the same value bound as another type, are another approval', async () => {
    const c = await connect();
    c.send({ type: 'StmtPrepare', sql: 'UPDATE payouts SET amount = ? WHERE id = 1' });
    const prep = await c.answer('prepare');
    const statementId = (prep[0] as Extract<ServerMessage, { type: 'PrepareOk' }>).prepare.statementId;
    const execute = (type: number, value: number | string, longData?: ReadonlySet<number>) =>
      c.send({ type: 'StmtExecute', statementId, flags: 0, iterations: 1, params: [{ type, unsigned: false, value }], newParamsBound: true }, longData);
    execute(TYPE.LONG, 600);
    await held(1);
    expect(requests[0]!.subject.params?.typeNames).toEqual(['int']);
    expect(requests[0]!.subject.params?.values.map(String)).toEqual(['600']);
    requests[0]!.decide({ status: 'approved', reviewId: 'r1' });
    expect((await c.answer('execute'))[0]).toMatchObject({ type: 'OK', ok: { affectedRows: 1n } });
    expect(amount()).toBe('600');
    // run again with the approved values: asked again (an approval runs once)
    execute(TYPE.LONG, 600);
    await held(2);
    expect(reviewDigest(requests[1]!.subject)).toBe(reviewDigest(requests[0]!.subject));
    requests[1]!.decide({ status: 'rejected', reviewId: 'r2' });
    expect((await c.answer('execute'))[0]!.type).toBe('Error');
    execute(TYPE.LONG, 601);
    await held(3);
    requests[2]!.decide({ status: 'rejected', reviewId: 'r3' });
    await c.answer('execute');
    execute(TYPE.VAR_STRING, '600');
    await held(4);
    requests[3]!.decide({ status: 'rejected', reviewId: 'r4' });
    await c.answer('execute');
    const digests = requests.map((r) => reviewDigest(r.subject));
    expect(new Set(digests).size).toBe(3);
    expect(digests[0]).not.toBe(reviewDigest({ sql: 'UPDATE payouts SET amount = ? WHERE id = 1' }));
    expect(amount()).toBe('600');
    // values sent apart (COM_STMT_SEND_LONG_DATA) are refused for a statement that needs approval: reviewers could not see them
    c.send({ type: 'StmtSendLongData', statementId, paramId: 0, data: Buffer.from('700') });
    execute(TYPE.VAR_STRING, '', new Set([0]));
    expect((await c.answer('execute'))[0]).toMatchObject({ type: 'Error', err: { message: expect.stringContaining('COM_STMT_SEND_LONG_DATA') } });
    expect(requests).toHaveLength(4);
  });

  it("the mysql client's Ctrl-C (KILL QUERY on a second connection) stops the wait: the statement is interrupted, never runs", async () => {
    const c = await connect();
    c.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 800 WHERE id = 1' });
    c.send({ type: 'Ping' });
    await held(1);
    const other = await connect();
    other.send({ type: 'Query', sql: `KILL QUERY ${c.threadId}` });
    expect((await other.answer('query'))[0]!.type).toBe('OK');
    expect((await c.answer('query'))[0]).toMatchObject({
      type: 'Error',
      err: { code: 1317, message: expect.stringContaining('waited for approval and did not run') },
    });
    expect((await c.answer('ok'))[0]!.type).toBe('OK');
    expect(requests[0]!.cancelled).toBe(true);
    requests[0]!.decide({ status: 'approved', reviewId: 'r1' });
    expect(amount()).toBe('100');
    expect(audits.map((a) => a.type)).toContain('review.abandoned');
  });

  it("what is queued behind a held statement counts in the agent's input budget: past it the client hears why", async () => {
    const c = await connect();
    c.send({ type: 'Query', sql: 'UPDATE payouts SET amount = 900 WHERE id = 1' });
    await held(1);
    // another session holds most of the budget already
    const other = budget.share();
    expect(other.hold(budget.limit - 2 * 1024 * 1024)).toBe(true);
    const closed = new Promise((r) => c.sock.once('close', r));
    const filler = `SELECT '${'x'.repeat(512 * 1024)}'`;
    for (let i = 0; i < 6; i++) c.send({ type: 'Query', sql: filler });
    const err = (await c.answer('query'))[0];
    expect(err).toMatchObject({ type: 'Error', err: { code: 1041, message: expect.stringContaining('sent while a statement waits for approval') } });
    await closed;
    expect(requests[0]!.cancelled).toBe(true);
    other.release();
    expect(budget.inUse).toBe(0);
    expect(amount()).toBe('100');
  });

  it("MariaDB's statement id 0xFFFFFFFF (the statement prepared last) is held as that statement", async () => {
    const c = await connect();
    const last = (params: { type: number; unsigned: boolean; value: number }[]) =>
      c.send({ type: 'StmtExecute', statementId: 0xffffffff, flags: 0, iterations: 1, params, newParamsBound: true });
    // the server runs it: an allowed statement prepared last, executed by that id
    c.send({ type: 'StmtPrepare', sql: 'SELECT ? + 1 AS n' });
    await c.answer('prepare');
    last([{ type: TYPE.LONG, unsigned: false, value: 41 }]);
    expect((await c.answer('execute')).filter((m) => m.type === 'Row')).toHaveLength(1);
    c.send({ type: 'StmtPrepare', sql: 'UPDATE payouts SET amount = ? WHERE id = 1' });
    await c.answer('prepare');
    last([{ type: TYPE.LONG, unsigned: false, value: 1000 }]);
    await held(1);
    expect(requests[0]!.sql).toBe('UPDATE payouts SET amount = ? WHERE id = 1');
    requests[0]!.decide({ status: 'rejected', reviewId: 'r1' });
    expect((await c.answer('execute'))[0]!.type).toBe('Error');
    expect(amount()).toBe('100');
  });
});
