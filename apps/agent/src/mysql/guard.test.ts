/**
 * A MySQL connection's statements are judged by the MySQL guard (evaluateMysql), through the session as the agent
 * builds it (hooksFor with the connection's policy, judging in the agent's guard thread): what MySQL runs and the Postgres grammar would read otherwise
 * (versioned comments, backticks, `WHERE 1=1`) is judged as the server reads it. The mariadb client against the real
 * MariaDB, a database of its own per test.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { createLogger } from '@hoop/log';
import { CLIENT, parseErr } from '@hoop/mysqlwire';
import type { AgentConnection } from '@hoop/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { guardKind, hooksFor } from '../session/policy-hooks';
import { MysqlGuardThread } from './guard-thread';
import { asRoot, HOST, mysqlClient, serveTestSessions, testConnection } from './test-mariadb';

let db: string;
let server: net.Server;
let conn: AgentConnection;
const mysqlGuard = new MysqlGuardThread();
beforeAll(() => mysqlGuard.start());
afterAll(() => mysqlGuard.close());

beforeEach(async () => {
  db = `hoop_g_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id int, email varchar(80)); INSERT INTO ${db}.t VALUES (1, 'ann@example.com'), (2, NULL)`);
  conn = testConnection();
  server = await serveTestSessions(db, () => ({
    // as session/open.ts builds them: the guard is chosen by the connection's type
    hooks: hooksFor(() => conn, 'test-key', guardKind(conn), {}, { mysqlGuard }),
    readOnly: conn.readOnly,
    log: createLogger('mysql-guard-test', 'error'),
    audit: () => {},
  }));
});
afterEach(() => {
  server.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const mariadb = (sql: string) =>
  new Promise<{ out: string; err: string }>((resolve) => {
    const port = (server.address() as net.AddressInfo).port;
    const args = ['-h', HOST, '-P', String(port), '-u', 'anyone', '--ssl=0', '-N', '-B', db, '-e', sql];
    execFile('mariadb', args, { encoding: 'utf8' }, (_e, out, err) => resolve({ out, err }));
  });
const rowsOfT = () => asRoot(`SELECT COUNT(*) FROM ${db}.t`).trim();

describe('the MySQL guard judges a MySQL session', () => {
  it('a mysql connection is judged by the MySQL grammar', () => {
    expect(guardKind(conn)).toBe('mysql');
    expect(guardKind({ ...conn, type: 'postgres' })).toBe('sql');
  });

  it('a DROP inside a versioned comment (which MySQL runs) is denied and the table stays', async () => {
    const r = await mariadb('/*!50000 DROP TABLE t */');
    expect(r.err).toMatch(/ERROR 1227 \(42000\).*"drop": DROP TABLE would destroy the object and its data/);
    expect(rowsOfT()).toBe('2');
  });

  it('DELETE without a WHERE, or with an always-true one in backticks, is denied', async () => {
    expect((await mariadb('delete from t')).err).toMatch(/ERROR 1227 .*delete-without-where/);
    expect((await mariadb('DELETE FROM `t` WHERE 1=1')).err).toMatch(/ERROR 1227 .*delete-without-where/);
    expect((await mariadb('select 1; delete from t')).err).toMatch(/ERROR 1227 .*delete-without-where/);
    expect(rowsOfT()).toBe('2');
  });

  it('a select with backticks runs, its rows masked; a MySQL-only statement the policy allows runs', async () => {
    const r = await mariadb('SELECT `id`, `email` FROM `t` WHERE `id` = 1');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^1\t/);
    expect(r.out).not.toContain('ann@example.com');
    expect((await mariadb('SHOW TABLES')).out.trim()).toBe('t');
    expect((await mariadb('INSERT INTO `t` VALUES (3, NULL)')).err).toBe('');
    expect(rowsOfT()).toBe('3');
  });

  it('SELECT … INTO OUTFILE is denied (MySQL only)', async () => {
    expect((await mariadb("SELECT * FROM t INTO OUTFILE '/tmp/hoop-outfile'")).err).toMatch(/ERROR 1227 .*INTO OUTFILE/);
  });

  it('a read-only connection refuses writes and lets reads through', async () => {
    conn = { ...conn, readOnly: true };
    expect((await mariadb('INSERT INTO t VALUES (3, NULL)')).err).toMatch(/ERROR 1227 .*"read-only": INSERT is not allowed on a read-only connection/);
    expect((await mariadb('SELECT id FROM t ORDER BY id')).out).toBe('1\n2\n');
    expect(rowsOfT()).toBe('2');
    // the target session itself is read-only, and the ways back to read-write are refused
    expect((await mariadb('SELECT @@tx_read_only')).out).toBe('1\n');
    expect((await mariadb('SET SESSION TRANSACTION READ WRITE')).err).toMatch(/ERROR 1227 .*"read-only"/);
    expect((await mariadb('START TRANSACTION READ WRITE')).err).toMatch(/ERROR 1227 .*"read-only"/);
    expect(await resetConnection()).toMatch(/COM_RESET_CONNECTION is not relayed on a read-only connection/);
  });

  it('a connection that is not read-only leaves the target session as it was', async () => {
    expect((await mariadb('SELECT @@tx_read_only')).out).toBe('0\n');
    expect(await resetConnection()).toBe('OK');
  });
});

/** COM_RESET_CONNECTION through the session (no client program sends it on demand): "OK", or the ERR's message. */
async function resetConnection(): Promise<string> {
  const sockets: net.Socket[] = [];
  try {
    const c = await mysqlClient(server, sockets, CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.DEPRECATE_EOF);
    c.send({ type: 'ResetConnection' });
    const p = await c.ch.next();
    return p.payload[0] === 0x00 ? 'OK' : parseErr(p.payload).message;
  } finally {
    for (const s of sockets) s.destroy();
  }
}
