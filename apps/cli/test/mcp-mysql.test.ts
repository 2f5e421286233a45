/**
 * The MCP tools on a MySQL/MariaDB connection: a real MCP client over stdio against `hoop mcp`, through the gateway
 * and the agent to the real MariaDB (a database of this run's own): the schema with keys, masked rows, the row, byte
 * and cell limits, the guard's refusals as tool errors, and the MySQL grammar deciding when a reason is needed.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callMcpTool, hoopMcpServer, type McpToolResult, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const db = `hoop_mcp_${randomBytes(4).toString('hex')}`;
const other = `${db}_other`;

let stack: TestStack;
let root: mysql.Connection;
let client: Client;

type Rows = { columns: { name: string; type: string }[]; rows: unknown[][]; rowCount: number; truncated: boolean; sessionId: string; command: string };
const call = callMcpTool;
const rows = (r: McpToolResult) => r.structuredContent as Rows;
/** an MCP client of the gateway's /mcp (streamable HTTP) as the stack's admin */
async function httpClient(): Promise<Client> {
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const http = new Client({ name: 'remote-agent', version: '1.0.0' });
  const headers = { authorization: `Bearer ${stack.adminToken}` };
  await http.connect(new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`), { requestInit: { headers } }));
  return http;
}
const count = async (table: string) => ((await root.query(`SELECT COUNT(*) AS n FROM ${db}.${table}`))[0] as { n: number }[])[0]!.n;

beforeAll(async () => {
  root = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root', multipleStatements: true });
  await root.query(
    `CREATE DATABASE ${db}; CREATE DATABASE ${other}; CREATE TABLE ${other}.elsewhere (id int);
     CREATE TABLE ${db}.customers (id int AUTO_INCREMENT PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, city varchar(40), notes text);
     CREATE TABLE ${db}.orders (id int PRIMARY KEY, customer_id int, status varchar(10), KEY (status),
       FOREIGN KEY (customer_id) REFERENCES ${db}.customers (id));
     INSERT INTO ${db}.customers (email, city, notes) VALUES ('ann@example.com', 'Oslo', REPEAT('x', 5000)), ('bob@example.org', 'Lima', NULL);
     INSERT INTO ${db}.orders WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
       SELECT i, 1 + i % 2, IF(i % 3 = 0, 'failed', 'paid') FROM n`,
  );
  stack = await startTestStack();
  await stack.addConnection('shop-mysql', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  await stack.addConnection('shop-mysql-ro', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name: 'shop-mysql-ro' } }, data: { readOnly: true } });
  // a connection whose policy bounds an agent's statements to 500 ms
  await stack.addConnection('shop-mysql-limited', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  const limits = await stack.db.policy.create({
    data: { orgId: stack.orgId, name: 'mysql-limits', document: { name: 'mysql-limits', limits: { statementTimeoutMs: 500 } } },
  });
  await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name: 'shop-mysql-limited' } }, data: { policyId: limits.id } });
  // a connection whose writes to orders wait for a reviewer
  await stack.addConnection('shop-mysql-held', 'mysql', { host: '127.0.0.1', port: PORT, user: 'root', database: db, sslMode: 'disabled' });
  const file = `${stack.configFile}.mcp-mysql-policy.json`;
  await writeFile(
    file,
    JSON.stringify({
      name: 'mcp-mysql-held',
      connections: { names: ['shop-mysql-held'] },
      guardrails: {
        rules: [{ id: 'orders-write', action: 'review', message: 'writes to orders need a reviewer', match: { kinds: ['write'], tables: ['orders'] } }],
      },
      review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
    }),
  );
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  client = await stdioClient();
});

/** `hoop mcp` as Claude Code starts it, with an MCP client on its stdio */
async function stdioClient(): Promise<Client> {
  const c = new Client({ name: 'test-agent', version: '1.0.0' });
  await c.connect(new StdioClientTransport(hoopMcpServer({ HOOP_CONFIG: stack.configFile })));
  return c;
}

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await root?.query(`DROP DATABASE IF EXISTS ${db}; DROP DATABASE IF EXISTS ${other}`);
  await root?.end();
});

describe('hoop mcp on a MySQL/MariaDB connection', () => {
  it("describes the connection's database: tables, column types, nullability, keys and references", async () => {
    const list = await call(client, 'list_connections', {});
    expect((list.structuredContent as { connections: { name: string; type: string }[] }).connections).toContainEqual(
      expect.objectContaining({ name: 'shop-mysql', type: 'mysql', online: true }),
    );
    const all = await call(client, 'describe_schema', { connection: 'shop-mysql' });
    expect(all.isError, all.content[0]!.text).toBeFalsy();
    const tables = (all.structuredContent as { tables: { schema: string; table: string; columns: Record<string, unknown>[] }[] }).tables;
    // the connection's database only: not the other database on the same server, not the system schemas
    expect(tables.map((t) => `${t.schema}.${t.table}`)).toEqual([`${db}.customers`, `${db}.orders`]);
    expect(tables[0]!.columns).toEqual([
      { name: 'id', type: expect.stringMatching(/^int/), nullable: false, key: 'primary', autoIncrement: true },
      { name: 'email', type: 'varchar(80)', nullable: false, key: 'unique' },
      { name: 'city', type: 'varchar(40)', nullable: true },
      { name: 'notes', type: 'text', nullable: true },
    ]);
    expect(tables[1]!.columns).toEqual([
      { name: 'id', type: expect.stringMatching(/^int/), nullable: false, key: 'primary' },
      { name: 'customer_id', type: expect.stringMatching(/^int/), nullable: true, key: 'index', references: 'customers.id' },
      { name: 'status', type: 'varchar(10)', nullable: true, key: 'index' },
    ]);
    const one = await call(client, 'describe_schema', { connection: 'shop-mysql', schema: other, table: "elsewhere' OR '1'='1" });
    expect(one.structuredContent).toEqual({ connection: 'shop-mysql', tables: [] });
    const elsewhere = await call(client, 'describe_schema', { connection: 'shop-mysql', schema: other });
    expect((elsewhere.structuredContent as { tables: { table: string }[] }).tables.map((t) => t.table)).toEqual(['elsewhere']);
  });

  it('runs a query: e-mails masked by the agent, column names and types, a row limit and a truncated flag', async () => {
    const r = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT id, `email`, city FROM customers ORDER BY id' });
    expect(r.isError, r.content[0]!.text).toBeFalsy();
    expect(rows(r)).toMatchObject({
      command: 'SELECT',
      columns: [
        { name: 'id', type: 'int' },
        { name: 'email', type: 'varchar' },
        { name: 'city', type: 'varchar' },
      ],
      rows: [
        [1, '[EMAIL]', 'Oslo'],
        [2, '[EMAIL]', 'Lima'],
      ],
      rowCount: 2,
      truncated: false,
    });
    expect(JSON.stringify(r)).not.toContain('example.com');
    const limited = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT id, status FROM orders ORDER BY id', limit: 3 });
    expect(rows(limited)).toMatchObject({
      rows: [
        [1, 'paid'],
        [2, 'paid'],
        [3, 'failed'],
      ],
      truncated: true,
    });
    const n = await call(client, 'run_query', { connection: 'shop-mysql', sql: "SELECT COUNT(*) FROM orders WHERE status = 'failed'" });
    expect(rows(n).rows).toEqual([[100]]);
    const session = await call(client, 'get_session', { id: rows(r).sessionId });
    expect(JSON.stringify(session.structuredContent)).toContain('SELECT id, `email`, city FROM customers ORDER BY id');
  });

  it('ends a huge result after the rows it returns, trims long values, and returns the last result of several statements', async () => {
    // 27 million rows: read to the end through the agent, this call would not finish
    const huge = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT a.id FROM orders a, orders b, orders c', limit: 5 });
    expect(huge.isError, huge.content[0]!.text).toBeFalsy();
    expect(rows(huge)).toMatchObject({ rowCount: 5, truncated: true });
    const long = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT notes FROM customers WHERE id = 1' });
    expect(rows(long).rows[0]![0]).toBe(`${'x'.repeat(4000)}… (5000 characters)`);
    const multi = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT 1; SELECT email FROM customers WHERE id = 2' });
    expect(rows(multi)).toMatchObject({ columns: [{ name: 'email' }], rows: [['[EMAIL]']] });
    const missing = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT * FROM no_such_table' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toMatch(/^the database answered: ERROR 1146 \(42S02\): Table '.*no_such_table' doesn't exist/);
  });

  it('refuses a DROP as a tool error naming the rule, and the table stays', async () => {
    const drop = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'DROP TABLE orders', reason: 'cleanup' });
    expect(drop.isError).toBe(true);
    expect(drop.content[0]!.text).toMatch(/^blocked by hoop guardrail "drop": DROP TABLE would destroy the object and its data.*The statement was not run/);
    const hidden = await call(client, 'run_query', { connection: 'shop-mysql', sql: '/*!50000 DROP TABLE orders */', reason: 'cleanup' });
    expect(hidden.content[0]!.text).toMatch(/guardrail "drop"/);
    const all = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'DELETE FROM `orders` WHERE 1=1', reason: 'cleanup' });
    expect(all.content[0]!.text).toMatch(/guardrail "delete-without-where"/);
    expect(await count('orders')).toBe(300);
  });

  it('asks a reason for a write read with the MySQL grammar, runs it with one, and records the reason', async () => {
    // backticks are not Postgres SQL: read with the Postgres grammar this would not parse and no reason would be asked;
    // and it is the first call of its process: the MySQL grammar is loaded for it, not read as unreadable
    const fresh = await stdioClient();
    const noReason = await call(fresh, 'run_query', { connection: 'shop-mysql', sql: "UPDATE `orders` SET `status` = 'paid' WHERE id = 3" });
    expect(noReason.isError).toBe(true);
    expect(noReason.content[0]!.text).toMatch(/give a `reason`/);
    await fresh.close();
    const show = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SHOW TABLES' });
    expect(rows(show).rows).toEqual([['customers'], ['orders']]);
    const r = await call(client, 'run_query', {
      connection: 'shop-mysql',
      sql: "UPDATE `orders` SET `status` = 'paid' WHERE id = 3",
      reason: 'ticket 77: payment was retried',
    });
    expect(r.structuredContent).toMatchObject({ command: 'UPDATE', rowCount: 1, rows: [] });
    const [status] = (await root.query(`SELECT status FROM ${db}.orders WHERE id = 3`))[0] as { status: string }[];
    expect(status!.status).toBe('paid');
    const sessions = await stack.db.session.findMany({ where: { mode: 'mcp' } });
    expect(sessions.some((s) => (s.clientInfo as { reason?: string }).reason === 'ticket 77: payment was retried')).toBe(true);
  });

  it("bounds an agent's statements by the policy's statement timeout, and a statement that would change the bound is refused", async () => {
    const bound = await call(client, 'run_query', { connection: 'shop-mysql-limited', sql: 'SELECT @@max_statement_time AS t' });
    expect(rows(bound).rows.map(([t]) => Number(t))).toEqual([0.5]);
    const slow = await call(client, 'run_query', { connection: 'shop-mysql-limited', sql: 'SELECT SLEEP(20)' });
    expect(slow.isError).toBe(true);
    expect(slow.content[0]!.text).toMatch(/ERROR 1969 .*max_statement_time exceeded/);
    for (const sql of ['SET max_statement_time = 0; SELECT SLEEP(20)', 'SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(20)']) {
      const unbound = await call(client, 'run_query', { connection: 'shop-mysql-limited', sql, reason: 'a long report' });
      expect(unbound.isError, sql).toBe(true);
      expect(unbound.content[0]!.text, sql).toMatch(/^blocked by hoop guardrail "(statement-timeout|parse-error)"/);
    }
    // the default policy's bound (30 s) on the other connection
    const other = await call(client, 'run_query', { connection: 'shop-mysql', sql: 'SELECT @@max_statement_time AS t' });
    expect(rows(other).rows.map(([t]) => Number(t))).toEqual([30]);
  });

  it('on a read-only connection reads, and a write is refused whatever reason is given', async () => {
    const read = await call(client, 'run_query', { connection: 'shop-mysql-ro', sql: 'SELECT city FROM customers ORDER BY id' });
    expect(rows(read).rows).toEqual([['Oslo'], ['Lima']]);
    const write = await call(client, 'run_query', { connection: 'shop-mysql-ro', sql: "UPDATE orders SET status = 'x' WHERE id = 1", reason: 'fix' });
    expect(write.isError).toBe(true);
    expect(write.content[0]!.text).toMatch(/^blocked by hoop guardrail "read-only"/);
    const [status] = (await root.query(`SELECT status FROM ${db}.orders WHERE id = 1`))[0] as { status: string }[];
    expect(status!.status).toBe('paid');
  });

  it('serves the same over the gateway /mcp, and closes every session it opened', async () => {
    const http = await httpClient();
    const r = await call(http, 'run_query', { connection: 'shop-mysql', sql: 'SELECT email FROM customers WHERE id = 1' });
    expect(r.structuredContent).toMatchObject({ rows: [['[EMAIL]']], truncated: false });
    const schema = await call(http, 'describe_schema', { connection: 'shop-mysql', table: 'orders' });
    expect(schema.isError, schema.content[0]!.text).toBeFalsy();
    expect((schema.structuredContent as { tables: { table: string }[] }).tables.map((t) => t.table)).toEqual(['orders']);
    const drop = await call(http, 'run_query', { connection: 'shop-mysql', sql: 'DROP TABLE customers', reason: 'x' });
    expect(drop.content[0]!.text).toMatch(/guardrail "drop"/);
    await http.close();
    await waitFor('every MCP session to be closed', async () =>
      (await stack.db.session.count({ where: { mode: 'mcp', status: { not: 'closed' } } })) === 0 ? true : null,
    );
    expect(await count('customers')).toBe(2);
  });

  it('returns a pending review for a held statement (MySQL cannot say why it waits), and wait_for_review runs it once approved', async () => {
    const rev = await stack.addUser({ email: 'mysql-rev@test.local', role: 'reviewer' });
    const asReviewer = { env: { HOOP_TOKEN: rev.token, HOOP_GATEWAY_URL: stack.gatewayUrl } };
    const sql = "UPDATE orders SET status = 'held' WHERE id = 10";
    const held = await call(client, 'run_query', { connection: 'shop-mysql-held', sql, reason: 'ticket 90', waitSeconds: 1 });
    expect(held.isError, held.content[0]!.text).toBeFalsy();
    const pending = held.structuredContent as { status: string; reviewId: string; url: string; message: string };
    expect(pending).toMatchObject({ status: 'pending_review', url: `http://localhost:3999/reviews/${pending.reviewId}` });
    expect(pending.message).toMatch(/call wait_for_review/);
    expect(await stack.db.review.findUniqueOrThrow({ where: { id: pending.reviewId } })).toMatchObject({ status: 'pending', reason: 'ticket 90', mode: 'mcp' });
    const status = async (id: number) => ((await root.query(`SELECT status FROM ${db}.orders WHERE id = ${id}`))[0] as { status: string }[])[0]!.status;
    expect(await status(10)).toBe('paid');

    const still = await call(client, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 1 });
    expect((still.structuredContent as { status: string }).status).toBe('pending_review');
    expect((await stack.cli(['reviews', 'approve', pending.reviewId], asReviewer)).code).toBe(0);
    const done = await call(client, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 30 });
    expect(done.isError, done.content[0]!.text).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ status: 'approved', reviewId: pending.reviewId, command: 'UPDATE', rowCount: 1 });
    expect(await status(10)).toBe('held');
    const again = await call(client, 'wait_for_review', { reviewId: pending.reviewId, connection: 'shop-mysql-held', sql });
    expect(again.isError).toBe(true);
    expect(await status(10)).toBe('held');

    const other = "UPDATE orders SET status = 'held' WHERE id = 11";
    const second = await call(client, 'run_query', { connection: 'shop-mysql-held', sql: other, reason: 'ticket 91', waitSeconds: 1 });
    const id = (second.structuredContent as { reviewId: string }).reviewId;
    expect((await stack.cli(['reviews', 'reject', id, '--comment', 'not today'], asReviewer)).code).toBe(0);
    const no = await call(client, 'wait_for_review', { reviewId: id });
    expect(no.isError).toBe(true);
    expect(no.content[0]!.text).toMatch(/rejected by mysql-rev@test\.local.*The statement did not run/);
    expect(await status(11)).toBe('paid');

    // the gateway's /mcp finds the review held in its MySQL session too
    const http = await httpClient();
    const viaHttp = await call(http, 'run_query', { connection: 'shop-mysql-held', sql: other, reason: 'ticket 92', waitSeconds: 1 });
    expect(viaHttp.isError, viaHttp.content[0]!.text).toBeFalsy();
    const httpHeld = viaHttp.structuredContent as { status: string; reviewId: string };
    expect(httpHeld.status).toBe('pending_review');
    expect(await stack.db.review.findUniqueOrThrow({ where: { id: httpHeld.reviewId } })).toMatchObject({ status: 'pending', reason: 'ticket 92' });
    await http.close();
    expect(await status(11)).toBe('paid');
  });
});
