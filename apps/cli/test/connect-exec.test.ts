/**
 * `hoop connect NAME --exec`: the database's own client runs against the local port right away — mariadb (or mysql)
 * on a MySQL connection, psql on a Postgres one — with what it reads on stdin, and hoop connect exits with its code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack } from '@hoop/devstack';
import { findBinary, skipWithout } from '@hoop/devstack/tools';

const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const db = `hoop_cx_${randomBytes(4).toString('hex')}`;

let stack: TestStack;
let root: mysql.Connection;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  root = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root', multipleStatements: true });
  await root.query(
    `CREATE DATABASE ${db}; CREATE TABLE ${db}.customers (id int PRIMARY KEY, city varchar(40), email varchar(80));
     INSERT INTO ${db}.customers VALUES (1, 'Oslo', 'ann@example.com'), (2, 'Lima', NULL)`,
  );
  target = await createTargetDatabase('connect_exec');
  await target.query("create table customers (id int primary key, email text); insert into customers values (1, 'carl@example.com')");
  stack = await startTestStack();
  await stack.addConnection('orders-mysql', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  await stack.addPostgresConnection('orders-pg', target.url);
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
  await root?.query(`DROP DATABASE IF EXISTS ${db}`);
  await root?.end();
});

/** `hoop connect NAME --exec` on a port of its own choosing, the statements on its stdin */
const connectExec = (name: string, input: string) => stack.cli(['connect', name, '--port', '0', '--exec'], { input });

// needs the mariadb client: npm test installs it (mariadb-client); skipped only where it could not and said so
describe.skipIf(skipWithout('mariadb'))('hoop connect --exec on a MySQL connection', () => {
  it("runs the mariadb client in the connection's database: masked rows, and its exit code", async () => {
    const r = await connectExec('orders-mysql', 'SELECT DATABASE(); SELECT id, city, email FROM customers ORDER BY id;\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ready: orders-mysql \(mysql\) on 127\.0\.0\.1:\d+\n/);
    // the mariadb client's batch output: a header line, then tab-separated rows
    const out = r.stdout.slice(r.stdout.indexOf('DATABASE()'));
    expect(out.trim().split('\n')).toEqual(['DATABASE()', db, 'id\tcity\temail', '1\tOslo\t[EMAIL]', '2\tLima\tNULL']);
  });

  it("exits with the client's code when the guard refuses, which prints hoop's words", async () => {
    const r = await connectExec('orders-mysql', 'DROP TABLE customers;\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR 1227 \(42000\) at line 1: blocked by hoop guardrail "drop"/);
    const [rows] = await root.query(`SELECT COUNT(*) AS n FROM ${db}.customers`);
    expect(rows).toEqual([{ n: 2 }]);
  });
});

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
describe.skipIf(skipWithout('psql'))('hoop connect --exec on a Postgres connection', () => {
  it('runs psql with the port password in its environment, not on its command line', async () => {
    // psql as installed, behind a script that writes down the arguments it was given
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-psql-'));
    const psql = findBinary('psql')!;
    await writeFile(path.join(dir, 'psql'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\nexec "${psql}" "$@"\n`, { mode: 0o755 });
    const r = await stack.cli(['connect', 'orders-pg', '--port', '0', '--exec'], {
      input: 'select id, email from customers;\n',
      env: { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    expect(r.code, r.stderr).toBe(0);
    const password = decodeURIComponent(new URL(/postgres:\/\/[^"\s]+/.exec(r.stdout)![0]).password);
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(r.stdout).toMatch(/ +1 \| \[EMAIL\]/);
    expect(r.stdout).not.toContain('carl@example.com');
    const argv = await readFile(path.join(dir, 'argv'), 'utf8');
    expect(argv).toMatch(/^postgres:\/\/orders-pg@127\.0\.0\.1:\d+\//);
    expect(argv).not.toContain(password);
    await rm(dir, { recursive: true, force: true });
  });
});
