/**
 * PyMySQL (Debian python3-pymysql) as a real client of a MySQL connection: a Python program connects to the port of
 * `hoop connect` as it would to MySQL, and sees masked rows, its parametrized queries answered, a refused statement
 * raised as PyMySQL's own error with hoop's words, and its session going on after it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack } from '@hoop/devstack';
import { pythonWith, skipWithout } from '@hoop/devstack/tools';

const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const db = `hoop_py_${randomBytes(4).toString('hex')}`;

/** prints one JSON line per step; a step's error is printed as {error: class, code, message} and the program goes on */
const PROGRAM = `
import json, sys, pymysql, pymysql.cursors
conn = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user='orders-mysql', password='anything', database=sys.argv[2],
                       cursorclass=pymysql.cursors.DictCursor, charset='utf8mb4')
def step(name, run):
    try:
        out = run()
    except pymysql.MySQLError as e:
        out = {'error': type(e).__name__, 'code': e.args[0], 'message': e.args[1] if len(e.args) > 1 else ''}
    print(json.dumps({'step': name, 'out': out}, default=str), flush=True)
def query(sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()
def insert_many():
    with conn.cursor() as cur:
        n = cur.executemany('INSERT INTO customers (id, city, email) VALUES (%s, %s, %s)', [(4, 'Kraków', 'dee@example.net'), (5, 'Pune', None)])
    conn.commit()
    return n
step('select', lambda: query('SELECT id, city, email FROM customers ORDER BY id'))
step('param', lambda: query('SELECT city, email FROM customers WHERE id = %s AND city = %s', (2, 'Lima')))
step('injection', lambda: query('SELECT id FROM customers WHERE city = %s', ("x' OR '1'='1",)))
step('drop', lambda: query('DROP TABLE customers'))
step('delete', lambda: query('DELETE FROM customers WHERE %s = %s', (1, 1)))
step('insert', insert_many)
step('after', lambda: query('SELECT id, city, email FROM customers WHERE id >= %s ORDER BY id', (4,)))
conn.close()
`;

let stack: TestStack;
let root: mysql.Connection;

beforeAll(async () => {
  root = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root', multipleStatements: true });
  await root.query(
    `CREATE DATABASE ${db}; CREATE TABLE ${db}.customers (id int PRIMARY KEY, city varchar(40), email varchar(80)) CHARACTER SET utf8mb4;
     INSERT INTO ${db}.customers VALUES (1, 'Oslo', 'ann@example.com'), (2, 'Lima', 'bob@example.org'), (3, 'Rome', NULL)`,
  );
  stack = await startTestStack();
  await stack.addConnection('orders-mysql', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await root?.query(`DROP DATABASE IF EXISTS ${db}`);
  await root?.end();
});

// needs PyMySQL: npm test installs it (python3-pymysql); skipped only where it could not and said so
describe.skipIf(skipWithout('pymysql'))('PyMySQL through hoop connect', () => {
  it('reads masked rows, runs parametrized queries, gets refusals as OperationalError with the rule, and goes on', async () => {
    const python = pythonWith('pymysql');
    if (!python) throw new Error('no python3 imports pymysql: install python3-pymysql (apt-get) or pymysql (pip)');
    const conn = await stack.connect('orders-mysql');
    const { out, err } = await new Promise<{ out: string; err: string }>((resolve, reject) =>
      execFile(python, ['-c', PROGRAM, String(conn.port), db], { encoding: 'utf8' }, (e, stdout, stderr) =>
        e ? reject(new Error(`python exited: ${stderr || e.message}`)) : resolve({ out: stdout, err: stderr }),
      ),
    );
    expect(err).toBe('');
    const steps = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: string; out: unknown })
        .map((s) => [s.step, s.out]),
    );
    expect(steps.select).toEqual([
      { id: 1, city: 'Oslo', email: '[EMAIL]' },
      { id: 2, city: 'Lima', email: '[EMAIL]' },
      { id: 3, city: 'Rome', email: null },
    ]);
    expect(steps.param).toEqual([{ city: 'Lima', email: '[EMAIL]' }]);
    // the quote inside the parameter is escaped by PyMySQL: no city has that name
    expect(steps.injection).toEqual([]);
    expect(steps.drop).toMatchObject({ error: 'OperationalError', code: 1227 });
    expect((steps.drop as { message: string }).message).toMatch(/^blocked by hoop guardrail "drop": DROP TABLE would destroy the object and its data/);
    // a parameter that makes the WHERE always true is judged after PyMySQL puts it in: WHERE 1 = 1
    expect(steps.delete).toMatchObject({ error: 'OperationalError', code: 1227 });
    expect((steps.delete as { message: string }).message).toMatch(/guardrail "delete-without-where"/);
    expect(steps.insert).toBe(2);
    expect(steps.after).toEqual([
      { id: 4, city: 'Kraków', email: '[EMAIL]' },
      { id: 5, city: 'Pune', email: null },
    ]);
    const [rows] = await root.query(`SELECT id, email FROM ${db}.customers ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, email: 'ann@example.com' },
      { id: 2, email: 'bob@example.org' },
      { id: 3, email: null },
      { id: 4, email: 'dee@example.net' },
      { id: 5, email: null },
    ]);
    await conn.stop();
  });
});
