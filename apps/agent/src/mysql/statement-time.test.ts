/**
 * An agent session's statements are bounded in time on MySQL/MariaDB as on Postgres: the agent sets the bound at
 * login (MariaDB's max_statement_time in seconds, MySQL's max_execution_time in ms, by the server's version), the
 * target ends a statement that runs longer, and the session cannot change the bound in any spelling — refused by the
 * guard before anything reaches the target — nor undo it with COM_RESET_CONNECTION. Against the real MariaDB.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { CLIENT, COM, parseTextRow, type ServerMessage } from '@hoop/mysqlwire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hooksFor } from '../session/policy-hooks';
import { statementTimeSql } from './session';
import { asRoot, CAPS, type Got, mysqlClient, serveTestSessions, testConnection, testHooks } from './test-mariadb';

const BOUND_MS = 1500;
let db: string;
let bounded: net.Server;
let unbounded: net.Server;
const clients: net.Socket[] = [];

/** sessions judged by the real MySQL guard with the connection's default policy, bounded or not */
const serve = (statementTimeMs?: number) => {
  const conn = testConnection();
  return serveTestSessions(db, () => {
    const policy = hooksFor(() => conn, 'test-key', 'mysql', statementTimeMs ? { statementTimeMs } : {});
    return { hooks: testHooks((sql) => policy.judge(sql)), audit: () => {}, ...(statementTimeMs ? { statementTimeoutMs: statementTimeMs } : {}) };
  });
};

beforeEach(async () => {
  db = `hoop_st_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id int); INSERT INTO ${db}.t VALUES (1)`);
  bounded = await serve(BOUND_MS);
  unbounded = await serve();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  bounded.close();
  unbounded.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const value = (got: Got[]) => {
  const row = got.find((g) => g.m.type === 'Row');
  return row ? String(parseTextRow(row.payload, 1)[0]) : null;
};
const error = (got: Got[]) => (got.find((g) => g.m.type === 'Error')?.m as Extract<ServerMessage, { type: 'Error' }> | undefined)?.err;

describe('the statement time of an agent session', () => {
  it('is set at login and ends a statement that runs longer, with the server’s error; the session goes on', async () => {
    const c = await mysqlClient(bounded, clients);
    expect(value(await c.run({ type: 'Query', sql: 'SELECT @@max_statement_time' }, 'query'))).toBe('1.500000');
    const started = performance.now();
    const slow = error(await c.run({ type: 'Query', sql: 'SELECT SLEEP(30)' }, 'query'));
    expect(slow?.code).toBe(1969);
    expect(slow?.message).toMatch(/max_statement_time exceeded/);
    expect(performance.now() - started).toBeLessThan(25_000);
    expect(value(await c.run({ type: 'Query', sql: 'SELECT id FROM t' }, 'query'))).toBe('1');
  });

  it('cannot be changed in any spelling: refused with the rule before the target sees it, and the bound stays', async () => {
    const c = await mysqlClient(bounded, clients, CAPS | CLIENT.MULTI_STATEMENTS);
    const attempts = [
      'SET max_statement_time = 0',
      'set @@session.max_statement_time=0',
      'SET @@SESSION.`MAX_STATEMENT_TIME` := 0',
      'SET LOCAL max_statement_time = DEFAULT',
      "SET sql_mode = '', max_statement_time = 0",
      '/*!SET max_statement_time = 0 */',
      '/*M!100100 SET max_statement_time = 0 */',
      'SELECT 1 /*!50000 ; SET max_statement_time = 0 */',
      'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(3)',
      'SELECT 1; SET max_statement_time = 0',
      'SET max_execution_time = 0',
      'SELECT /*+ MAX_EXECUTION_TIME(0) */ SLEEP(3)',
      "PREPARE s FROM 'SET max_statement_time = 0'",
    ];
    for (const sql of attempts) {
      const err = error(await c.run({ type: 'Query', sql }, 'query'));
      expect(err?.code, sql).toBe(1227);
      expect(err?.message, sql).toMatch(/statement-timeout|could not be parsed/);
    }
    const prepared = error(await c.run({ type: 'StmtPrepare', sql: 'SET max_statement_time = 0' }, 'prepare'));
    expect(prepared?.code).toBe(1227);
    expect(value(await c.run({ type: 'Query', sql: 'SELECT @@max_statement_time' }, 'query'))).toBe('1.500000');
  });

  it('is not undone by COM_RESET_CONNECTION, which is refused; the session goes on', async () => {
    const c = await mysqlClient(bounded, clients);
    c.ch.write(Buffer.from([COM.RESET_CONNECTION]), 0);
    const [reset] = await c.answer('ok');
    expect(reset?.type).toBe('Error');
    expect((reset as Extract<ServerMessage, { type: 'Error' }>).err.message).toMatch(/COM_RESET_CONNECTION is not relayed in a session whose statement time/);
    expect(value(await c.run({ type: 'Query', sql: 'SELECT @@max_statement_time' }, 'query'))).toBe('1.500000');
  });

  it('is not a bound of other sessions, which may set it', async () => {
    const c = await mysqlClient(unbounded, clients);
    expect(value(await c.run({ type: 'Query', sql: 'SELECT @@max_statement_time' }, 'query'))).toBe('0.000000');
    expect(error(await c.run({ type: 'Query', sql: 'SET max_statement_time = 0.2' }, 'query'))).toBeUndefined();
    expect(value(await c.run({ type: 'Query', sql: 'SELECT @@max_statement_time' }, 'query'))).toBe('0.200000');
  });

  it('is set the way the server reads it: MariaDB in seconds, MySQL in ms', () => {
    expect(statementTimeSql('10.11.19-MariaDB-0+deb12u1', 30_000)).toBe('SET SESSION max_statement_time = 30');
    expect(statementTimeSql('5.5.5-10.6.4-MariaDB', 1500)).toBe('SET SESSION max_statement_time = 1.5');
    expect(statementTimeSql('8.0.36', 1500)).toBe('SET SESSION max_execution_time = 1500');
  });
});
