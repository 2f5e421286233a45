/**
 * A session whose statements are judged in the agent's guard thread keeps their order: what a client pipelines behind
 * a statement being judged waits for its verdict, then runs in order (a refused one answered in its place); a session
 * that ends while its statement is being judged leaves the agent serving others. Real MariaDB, raw protocol client.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { AgentConnection } from '@hoop/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hooksFor } from '../session/policy-hooks';
import { MysqlGuardThread } from './guard-thread';
import { asRoot, mysqlClient, serveTestSessions, testConnection } from './test-mariadb';

let db: string;
let server: net.Server;
const clients: net.Socket[] = [];
const conn: AgentConnection = testConnection();
const mysqlGuard = new MysqlGuardThread();
beforeAll(() => mysqlGuard.start());
afterAll(() => mysqlGuard.close());

beforeEach(async () => {
  db = `hoop_o_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id int PRIMARY KEY, n int); INSERT INTO ${db}.t VALUES (1, 0)`);
  server = await serveTestSessions(db, () => ({ hooks: hooksFor(() => conn, 'test-key', 'mysql', {}, { mysqlGuard }), audit: () => {} }));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const rowsOf = (got: { m: { type: string } }[]) => got.filter((g) => g.m.type === 'Row').map((g) => g.m);

describe('statements judged in the guard thread', () => {
  it('run in the order the client pipelined them, a refused one answered in its place', async () => {
    const c = await mysqlClient(server, clients);
    // each text is new to the session: every one is judged in the thread
    c.send({ type: 'Query', sql: 'UPDATE t SET n = n + 1 WHERE id = 1' });
    c.send({ type: 'Query', sql: 'DELETE FROM t' });
    c.send({ type: 'Query', sql: 'UPDATE t SET n = n * 10 WHERE id = 1' });
    c.send({ type: 'Query', sql: 'SELECT n FROM t WHERE id = 1' });
    c.send({ type: 'Ping' });
    expect((await c.answer('query'))[0]).toMatchObject({ type: 'OK', ok: { affectedRows: 1n } });
    expect((await c.answer('query'))[0]).toMatchObject({ type: 'Error', err: { code: 1227 } });
    expect((await c.answer('query'))[0]).toMatchObject({ type: 'OK', ok: { affectedRows: 1n } });
    // one row, n = 10: the first UPDATE ran before the second, the DELETE never
    const rows = (await c.answerWithPayloads('query')).filter((g) => g.m.type === 'Row');
    expect(rows.map((g) => g.payload.toString('latin1'))).toEqual(['\u000210']);
    expect((await c.answer('ok'))[0]!.type).toBe('OK');
  });

  it('a session that ends while its statement is judged leaves the agent serving the next', async () => {
    const c = await mysqlClient(server, clients);
    c.send({ type: 'Query', sql: `SELECT n, ${'n + '.repeat(500)}1 FROM t` });
    c.sock.destroy();
    const d = await mysqlClient(server, clients);
    expect(rowsOf(await d.run({ type: 'Query', sql: 'SELECT n FROM t WHERE id = 1' }, 'query'))).toHaveLength(1);
  });
});
