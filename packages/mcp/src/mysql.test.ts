/**
 * How run_query shapes a MySQL result, against the real MariaDB (no hoop in between: the limits are the tool's own):
 * rows, bytes and cell length cut as on Postgres, a one-statement result ended one row past the limit, the last of
 * several results, OK packets, binary values and the column types' SQL names.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMysql, type MysqlConnection, runMysqlOn } from './mysql';

const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const db = `hoop_mq_${randomBytes(4).toString('hex')}`;
let admin: MysqlConnection;

/** a connection with the options mysqlClientOver uses, over a plain socket to the server, and that socket */
async function open(): Promise<{ conn: MysqlConnection; socket: net.Socket }> {
  const socket = net.connect(PORT, '127.0.0.1');
  const conn = mysql.createConnection({ stream: socket, user: 'root', database: db, multipleStatements: true, rowsAsArray: true, dateStrings: true });
  await new Promise<void>((resolve, reject) => {
    conn.once('connect', () => resolve());
    conn.once('error', reject);
  });
  return { conn, socket };
}
const run = (conn: MysqlConnection, sql: string, o: { limit?: number; maxBytes?: number; single?: boolean; command?: string } = {}) =>
  runMysqlOn(conn, sql, o.limit ?? 100, o.maxBytes ?? 1024 * 1024, 'sid', { single: o.single ?? true, command: o.command ?? 'SELECT' });

beforeAll(async () => {
  admin = mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root', multipleStatements: true });
  await admin.promise().query(
    `CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id int AUTO_INCREMENT PRIMARY KEY, name varchar(200), raw varbinary(8), body text, created datetime);
     INSERT INTO ${db}.t (name, raw, body, created) WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
       SELECT REPEAT('n', 100), 0xCAFE, IF(i = 1, REPEAT('b', 4500), 'short'), '2026-01-02 03:04:05' FROM n`,
  );
});

afterAll(async () => {
  await admin?.promise().query(`DROP DATABASE IF EXISTS ${db}`);
  admin?.end();
});

describe('runMysqlOn', () => {
  it('keeps the rows within the limit and the byte budget, and says the result was cut', async () => {
    const { conn, socket } = await open();
    const limited = await run(conn, 'SELECT id FROM t ORDER BY id', { limit: 3 });
    expect(limited).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true, complete: false, sessionId: 'sid' });
    await closeMysql(conn, socket, limited.complete);
    expect(socket.destroyed).toBe(true);

    const again = await open();
    // a row is 105 bytes of JSON ([1,"nnn…"]), 106 from id 10: 1,000 bytes hold nine of them
    const bytes = await run(again.conn, 'SELECT id, name FROM t ORDER BY id', { maxBytes: 1000 });
    expect((bytes.rows as unknown[][]).map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bytes.truncated).toBe(true);
    await closeMysql(again.conn, again.socket, bytes.complete);
  });

  it('reads a whole result that fits, and ends the session politely after it', async () => {
    const { conn, socket } = await open();
    const r = await run(conn, 'SELECT id, raw, body, created FROM t WHERE id <= 2 ORDER BY id');
    expect(r).toMatchObject({ rowCount: 2, truncated: false, complete: true });
    expect(r.columns).toEqual([
      { name: 'id', type: 'int' },
      { name: 'raw', type: 'varbinary' },
      { name: 'body', type: 'text' },
      { name: 'created', type: 'datetime' },
    ]);
    expect(r.rows).toEqual([
      [1, '\\xcafe', `${'b'.repeat(4000)}… (4500 characters)`, '2026-01-02 03:04:05'],
      [2, '\\xcafe', 'short', '2026-01-02 03:04:05'],
    ]);
    await closeMysql(conn, socket, r.complete);
    expect(socket.destroyed).toBe(true);
  });

  it('returns the last result of several statements, each read to its end, and OK packets as counts', async () => {
    const { conn, socket } = await open();
    const r = await run(conn, 'SELECT id FROM t; SELECT COUNT(*) AS n FROM t', { limit: 2, single: false });
    expect(r).toMatchObject({ columns: [{ name: 'n', type: 'bigint' }], rows: [[50]], truncated: false, complete: true });
    const insert = await run(conn, "INSERT INTO t (name) VALUES ('x'), ('y')", { command: 'INSERT' });
    expect(insert).toMatchObject({ command: 'INSERT', columns: [], rows: [], rowCount: 2, insertId: expect.any(Number), truncated: false });
    const update = await run(conn, "UPDATE t SET name = 'z' WHERE id > 50; SELECT 1 FROM t WHERE id = 0", { single: false, command: 'SELECT' });
    expect(update).toMatchObject({ rows: [], rowCount: 0, truncated: false });
    await expect(run(conn, 'SELECT * FROM missing')).rejects.toMatchObject({ errno: 1146 });
    await closeMysql(conn, socket, true);
  });
});
