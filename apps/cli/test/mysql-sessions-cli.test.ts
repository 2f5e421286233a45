/**
 * `hoop sessions` lists MySQL sessions (hoop exec and hoop connect) like Postgres ones, and `hoop sessions get` shows
 * their statements: decisions, the rule that refused, row counts and errors — never the raw values that were masked.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack, waitFor } from '@hoop/devstack';

const HOST = '127.0.0.1';
const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', HOST, '-P', String(PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });
const db = `hoop_s_${randomBytes(4).toString('hex')}`;

let stack: TestStack;

interface Listed {
  id: string;
  connection: string;
  mode: string;
  status: string;
  events: number;
}

beforeAll(async () => {
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.customers (id int PRIMARY KEY, email varchar(80));
    INSERT INTO ${db}.customers VALUES (1, 'ann@example.com'), (2, 'bob@example.org')`);
  stack = await startTestStack();
  await stack.addConnection('orders-mysql', 'mysql', { host: HOST, port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  await stack.startAgent();
  const read = await stack.cli(['exec', 'orders-mysql', '--reason', 'ticket 9', '-i', 'SELECT id, email FROM customers ORDER BY id']);
  expect(read.code, read.stderr).toBe(0);
  expect((await stack.cli(['exec', 'orders-mysql', '-i', 'DELETE FROM customers'])).code).toBe(3);
  const local = await stack.connect('orders-mysql');
  const c = await mysql.createConnection({ host: HOST, port: local.port, user: 'me', password: 'any', database: db });
  const [rows] = await c.execute('SELECT email FROM customers WHERE id = ?', [2]);
  expect(rows).toEqual([{ email: '[EMAIL]' }]);
  await expect(c.query('SELECT * FROM missing_table')).rejects.toThrow(/doesn't exist/);
  await c.end();
  await local.stop();
});

afterAll(async () => {
  await stack?.stop();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

/** the sessions as `hoop sessions -o json` lists them, once all three are closed */
const listed = () =>
  waitFor('three closed MySQL sessions in hoop sessions', async () => {
    const r = await stack.cli(['sessions', '--connection', 'orders-mysql', '-o', 'json']);
    const all = JSON.parse(r.stdout) as Listed[];
    return all.length === 3 && all.every((s) => s.status === 'closed') ? all : null;
  });

describe('hoop sessions on MySQL sessions', () => {
  it('lists them with their connection, mode, status and events, in text and JSON', async () => {
    const all = await listed();
    expect(all.map((s) => s.mode).sort()).toEqual(['connect', 'exec', 'exec']);
    for (const s of all) expect(s.events).toBeGreaterThanOrEqual(3);
    const text = await stack.cli(['sessions', '--connection', 'orders-mysql']);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STARTED\s+USER\s+CONNECTION\s+MODE\s+STATUS\s+EVENTS$/);
    for (const s of all) expect(text.stdout).toMatch(new RegExp(`${s.id}.*admin@test\\.local.*orders-mysql.*${s.mode}.*closed`));
  });

  it('get shows the statements: what ran with its rows, the refusal with its rule, the error; no raw value', async () => {
    const all = await listed();
    const get = async (s: Listed) => {
      const r = await stack.cli(['sessions', 'get', s.id]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/ann@example|bob@example/);
      return r.stdout;
    };
    const execs = await Promise.all(all.filter((s) => s.mode === 'exec').map(get));
    const read = execs.find((t) => t.includes('reason: ticket 9'))!;
    expect(read).toMatch(/connection orders-mysql {2}mode exec {2}status closed/);
    expect(read).toMatch(/statement\s+ALLOW\s+SELECT id, email FROM customers ORDER BY id {2}→ .*2 rows/);
    // the values masked in the session, as the web's list counts them (the close event's total): the two e-mails
    const readId = all.find((s) => s.mode === 'exec' && execs[all.filter((x) => x.mode === 'exec').indexOf(s)]!.includes('ticket 9'))!.id;
    const counted = await stack.db.session.findUniqueOrThrow({ where: { id: readId } });
    expect({ total: counted.maskedTotal, statements: counted.maskedCount }).toEqual({ total: 2, statements: 2 });
    const refused = execs.find((t) => !t.includes('ticket 9'))!;
    expect(refused).toMatch(/statement\s+DENY\s+\[delete-without-where\] DELETE FROM customers/);
    const connect = await get(all.find((s) => s.mode === 'connect')!);
    expect(connect).toMatch(/statement\s+ALLOW\s+SELECT email FROM customers WHERE id = \? {2}→ .*1 rows/);
    expect(connect).toMatch(/SELECT \* FROM missing_table .*error: .*doesn't exist/);
    const json = JSON.parse((await stack.cli(['sessions', 'get', all.find((s) => s.mode === 'connect')!.id, '-o', 'json'])).stdout) as {
      events: { type: string; data: { sql?: string; masked?: Record<string, number> } }[];
    };
    const prepared = json.events.find((e) => e.type === 'statement' && e.data.sql?.includes('WHERE id = ?'));
    expect(prepared?.data.masked).toEqual({ email: 1 });
  });
});
