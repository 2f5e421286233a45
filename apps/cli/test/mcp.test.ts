import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callMcpTool, createTargetDatabase, hoopMcpServer, REPO_ROOT, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let client: Client;

async function connectClient(env: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'test-agent', version: '1.0.0' });
  await c.connect(new StdioClientTransport(hoopMcpServer(env)));
  return c;
}

const call = callMcpTool;

beforeAll(async () => {
  target = await createTargetDatabase('mcp');
  await target.query(
    'create table orders (id int primary key, status text, customer_email text); ' +
      "insert into orders select g, case when g % 3 = 0 then 'failed' else 'paid' end, 'user' || g || '@example.com' from generate_series(1, 300) g",
  );
  stack = await startTestStack();
  await stack.addPostgresConnection('shop', target.url);
  // connections with their own limits, there before the agent starts (it learns them at start)
  const limited = async (name: string, limits: Record<string, number>) => {
    await stack.addPostgresConnection(name, target.url);
    const policy = await stack.db.policy.create({ data: { orgId: stack.orgId, name: `${name}-limits`, document: { name: `${name}-limits`, limits } } });
    await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name } }, data: { policyId: policy.id } });
  };
  await limited('shop-limited', { maxRows: 3, statementTimeoutMs: 500, callsPerMinute: 3 });
  await limited('shop-burst', { callsPerMinute: 4 });
  await stack.startAgent();
  client = await connectClient({ HOOP_CONFIG: stack.configFile });
});

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await target?.drop();
});

describe('hoop mcp', () => {
  it('lists its tools with schemas and read/write annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'describe_schema',
      'get_session',
      'http_request',
      'list_connections',
      'run_command',
      'run_query',
      'wait_for_review',
    ]);
    expect(tools.find((t) => t.name === 'http_request')?.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === 'http_request')?.inputSchema.required).toEqual(expect.arrayContaining(['connection', 'method', 'path', 'reason']));
    expect(tools.find((t) => t.name === 'list_connections')?.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((t) => t.name === 'run_query')?.annotations?.readOnlyHint).toBe(false);
    expect(tools.find((t) => t.name === 'run_query')?.inputSchema.required).toEqual(['connection', 'sql']);
  });

  it('lists connections and describes a schema', async () => {
    const list = await call(client, 'list_connections', {});
    expect(list.structuredContent).toEqual({
      connections: ['shop', 'shop-burst', 'shop-limited'].map((name) => ({ name, type: 'postgres', online: true, readOnly: false, tags: [] })),
    });
    const schema = await call(client, 'describe_schema', { connection: 'shop', table: 'orders' });
    expect(schema.structuredContent).toMatchObject({
      tables: [
        {
          schema: 'public',
          table: 'orders',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'status', type: 'text' },
            { name: 'customer_email', type: 'text' },
          ],
        },
      ],
    });
  });

  it('runs a query with masked rows, real column names, a row limit and a truncated flag', async () => {
    const r = await call(client, 'run_query', { connection: 'shop', sql: 'select id, status, customer_email from orders order by id', limit: 5 });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { columns: { name: string }[]; rows: unknown[][]; rowCount: number; truncated: boolean; sessionId: string };
    expect(out.columns.map((c) => c.name)).toEqual(['id', 'status', 'customer_email']);
    expect(out.rows).toEqual([
      [1, 'paid', '[EMAIL]'],
      [2, 'paid', '[EMAIL]'],
      [3, 'failed', '[EMAIL]'],
      [4, 'paid', '[EMAIL]'],
      [5, 'paid', '[EMAIL]'],
    ]);
    expect(out.truncated).toBe(true);
    const all = await call(client, 'run_query', { connection: 'shop', sql: "select count(*) from orders where status = 'failed'" });
    expect((all.structuredContent as { rows: unknown[][]; truncated: boolean }).rows).toEqual([['100']]);
    const session = await call(client, 'get_session', { id: out.sessionId });
    expect(JSON.stringify(session.structuredContent)).toContain('select id, status, customer_email from orders order by id');
  });

  it('blocks a destructive query with an explanation it can act on, and requires a reason for writes', async () => {
    const del = await call(client, 'run_query', { connection: 'shop', sql: 'DELETE FROM orders', reason: 'cleanup' });
    expect(del.isError).toBe(true);
    expect(del.content[0]!.text).toMatch(
      /blocked by hoop guardrail "delete-without-where": DELETE without a WHERE clause would touch every row\. add a WHERE clause/,
    );
    expect((await target.query('select count(*)::int as n from orders')).rows[0]?.n).toBe(300);
    const noReason = await call(client, 'run_query', { connection: 'shop', sql: "update orders set status = 'paid' where id = 3" });
    expect(noReason.isError).toBe(true);
    expect(noReason.content[0]!.text).toMatch(/give a `reason`/);
    const withReason = await call(client, 'run_query', {
      connection: 'shop',
      sql: "update orders set status = 'paid' where id = 3",
      reason: 'ticket 481: payment was retried',
    });
    expect(withReason.structuredContent).toMatchObject({ command: 'UPDATE', rowCount: 1 });
    const sessions = await stack.db.session.findMany({ where: { mode: 'mcp' } });
    expect(sessions.some((s) => (s.clientInfo as { reason?: string }).reason === 'ticket 481: payment was retried')).toBe(true);
  });

  it('refuses to work with an invalid token', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-mcp-'));
    const bad = await connectClient({ HOOP_CONFIG: path.join(dir, 'none.json'), HOOP_GATEWAY_URL: stack.gatewayUrl, HOOP_TOKEN: 'hoop_tok_invalid-token' });
    const r = await call(bad, 'list_connections', {});
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toMatch(/refused your token/);
    await bad.close();
  });

  it('serves the same tools over streamable HTTP on the gateway (/mcp), with a bearer token', async () => {
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const http = new Client({ name: 'remote-agent', version: '1.0.0' });
    await http.connect(
      new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${stack.adminToken}` } } }),
    );
    const r = await call(http, 'run_query', { connection: 'shop', sql: 'select customer_email from orders where id = 7' });
    expect(r.structuredContent).toMatchObject({ rows: [['[EMAIL]']], truncated: false });
    const del = await call(http, 'run_query', { connection: 'shop', sql: 'truncate orders', reason: 'x' });
    expect(del.isError).toBe(true);
    expect(del.content[0]!.text).toMatch(/"truncate"/);
    await http.close();
    const anonymous = new Client({ name: 'anonymous', version: '1.0.0' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`)))).rejects.toThrow();
    const sessions = await stack.db.session.findMany({ where: { mode: 'mcp', status: 'closed' } });
    expect(sessions.length).toBeGreaterThan(0);
  });

  it('writes a Claude Code configuration that an MCP client can start', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'hoop-home-'));
    const dry = await stack.cli(['claude', 'configure', '--dry-run'], { env: { HOME: home } });
    expect(dry.stdout).toMatch(/would write to .*\.claude\.json/);
    const r = await stack.cli(['claude', 'configure'], { env: { HOME: home } });
    expect(r.code).toBe(0);
    const written = JSON.parse(await readFile(path.join(home, '.claude.json'), 'utf8')) as {
      mcpServers: { hoop: { command: string; args: string[]; env: Record<string, string> } };
    };
    const entry = written.mcpServers.hoop;
    expect(entry.env.HOOP_CONFIG).toBe(stack.configFile);
    const c = new Client({ name: 'claude-like', version: '1.0.0' });
    await c.connect(
      new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: process.env.PATH ?? '', ...entry.env }, stderr: 'pipe' }),
    );
    const list = await call(c, 'list_connections', {});
    expect(list.isError).toBeFalsy();
    await c.close();
  });

  it('enforces the policy limits for agents: rows, statement timeout, calls per minute', async () => {
    const rows = await call(client, 'run_query', { connection: 'shop-limited', sql: 'select id from orders order by id', limit: 100 });
    expect(rows.structuredContent).toMatchObject({ rows: [[1], [2], [3]], truncated: true });
    const slow = await call(client, 'run_query', { connection: 'shop-limited', sql: 'select pg_sleep(3)' });
    expect(slow.isError).toBe(true);
    expect(slow.content[0]!.text).toMatch(/statement timeout/);
    await call(client, 'run_query', { connection: 'shop-limited', sql: 'select 1' });
    const limited = await call(client, 'run_query', { connection: 'shop-limited', sql: 'select 1' });
    expect(limited.isError).toBe(true);
    expect(limited.content[0]!.text).toMatch(/at most 3 agent calls a minute on "shop-limited"/);
  });

  it('holds the calls-per-minute limit when the calls come all at once', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => call(client, 'run_query', { connection: 'shop-burst', sql: 'select 1' })));
    const limited = results.filter((r) => r.isError && /at most 4 agent calls a minute on "shop-burst"/.test(r.content[0]!.text));
    expect(results.filter((r) => !r.isError)).toHaveLength(4);
    expect(limited).toHaveLength(8);
  });

  it('gives an AI agent its own service account, shown as such on its sessions', async () => {
    const created = await stack.cli(['admin', 'service-account', 'create', 'claude-bot', '--role', 'developer']);
    expect(created.code).toBe(0);
    const token = /(hoop_tok_\S+)/.exec(created.stdout)![1]!;
    const dup = await stack.cli(['admin', 'service-account', 'create', 'claude-bot']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/exists already/);
    const bot = await connectClient({ HOOP_CONFIG: path.join(REPO_ROOT, 'nonexistent.json'), HOOP_GATEWAY_URL: stack.gatewayUrl, HOOP_TOKEN: token });
    const r = await call(bot, 'run_query', { connection: 'shop', sql: 'select 1', reason: 'health check' });
    expect(r.isError).toBeFalsy();
    await bot.close();
    const list = await stack.cli(['sessions', '--connection', 'shop', '-o', 'json']);
    const sessions = JSON.parse(list.stdout) as { user: string; serviceAccount: boolean }[];
    expect(sessions.find((s) => s.user === 'claude-bot@service.hoop')?.serviceAccount).toBe(true);
    const text = await stack.cli(['sessions', '--connection', 'shop']);
    expect(text.stdout).toContain('claude-bot@service.hoop (service)');
  });

  it('returns a pending review for a held statement, and wait_for_review runs it once approved', async () => {
    const revToken = (await stack.addUser({ email: 'rev@test.local', role: 'reviewer' })).token;
    const asReviewer = { env: { HOOP_TOKEN: revToken, HOOP_GATEWAY_URL: stack.gatewayUrl } };
    const file = `${stack.configFile}.mcp-review.json`;
    const { writeFile } = await import('node:fs/promises');
    const probe = { id: 'probe', action: 'deny', match: { tables: ['policy_probe'] } };
    await writeFile(
      file,
      JSON.stringify({
        name: 'mcp-review',
        connections: { names: ['shop'] },
        guardrails: { rules: [{ id: 'schema-change', action: 'review', match: { kinds: ['ddl'] } }, probe] },
      }),
    );
    expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
    // stored is not enforced: the agent gets the policy pushed a moment later, and enforces it once it blocks the probe
    await waitFor('the agent to enforce the policy', async () =>
      (await stack.cli(['exec', 'shop', '-i', 'select * from policy_probe'])).code === 3 ? true : null,
    );

    const held = await call(client, 'run_query', { connection: 'shop', sql: 'ALTER TABLE orders ADD COLUMN note text', reason: 'ticket 481', waitSeconds: 1 });
    expect(held.isError).toBeFalsy();
    const pending = held.structuredContent as { status: string; reviewId: string; url: string; message: string };
    expect(pending.status).toBe('pending_review');
    expect(pending.url).toBe(`http://localhost:3999/reviews/${pending.reviewId}`);
    expect(pending.message).toMatch(/call wait_for_review/);
    const review = await stack.db.review.findUniqueOrThrow({ where: { id: pending.reviewId } });
    expect(review).toMatchObject({ status: 'pending', reason: 'ticket 481', mode: 'mcp' });

    const still = await call(client, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 1 });
    expect((still.structuredContent as { status: string }).status).toBe('pending_review');
    expect((await stack.cli(['reviews', 'approve', pending.reviewId], asReviewer)).code).toBe(0);
    const done = await call(client, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 30 });
    expect(done.isError, JSON.stringify(done.content)).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ status: 'approved', reviewId: pending.reviewId, command: 'ALTER' });
    const cols = await target.query("select column_name from information_schema.columns where table_name = 'orders' and column_name = 'note'");
    expect(cols.rowCount).toBe(1);
    const again = await call(client, 'wait_for_review', { reviewId: pending.reviewId, connection: 'shop', sql: 'ALTER TABLE orders ADD COLUMN note text' });
    expect(again.isError).toBe(true);
    expect(again.content[0]!.text).toMatch(/already used/);

    const rejected = await call(client, 'run_query', { connection: 'shop', sql: 'DROP TABLE orders', reason: 'cleanup', waitSeconds: 1 });
    const id = (rejected.structuredContent as { reviewId: string }).reviewId;
    expect((await stack.cli(['reviews', 'reject', id, '--comment', 'never'], asReviewer)).code).toBe(0);
    const no = await call(client, 'wait_for_review', { reviewId: id });
    expect(no.isError).toBe(true);
    expect(no.content[0]!.text).toMatch(/rejected by rev@test.local: never\. The statement did not run/);
    expect((await target.query("select to_regclass('orders') as t")).rows[0]!.t).toBe('orders');
  });

  it('holds a write over /mcp too: approved through the API, completed by wait_for_review on a later request', async () => {
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const httpClient = async (token: string) => {
      const c = new Client({ name: 'remote-agent', version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
      );
      return c;
    };
    // the policy of the previous test holds DDL on "shop" for review
    const first = await httpClient(stack.adminToken);
    const held = await call(first, 'run_query', {
      connection: 'shop',
      sql: 'CREATE INDEX orders_status_idx ON orders (status)',
      reason: 'slow checkout query, ticket 512',
      waitSeconds: 1,
    });
    expect(held.isError, JSON.stringify(held.content)).toBeFalsy();
    const pending = held.structuredContent as { status: string; reviewId: string };
    expect(pending.status).toBe('pending_review');
    await first.close();
    expect(await stack.db.review.findUniqueOrThrow({ where: { id: pending.reviewId } })).toMatchObject({
      status: 'pending',
      reason: 'slow checkout query, ticket 512',
      mode: 'mcp',
    });

    // someone else's agent cannot pick up this hold
    const intruder = await httpClient((await stack.addUser({ email: 'other-dev@test.local', role: 'developer' })).token);
    const stolen = await call(intruder, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 1 });
    expect(stolen.isError).toBe(true);
    expect(stolen.content[0]!.text).toMatch(/does not know what review/);
    await intruder.close();

    const revToken = (await stack.addUser({ email: 'http-rev@test.local', role: 'reviewer' })).token;
    const approve = await fetch(`${stack.gatewayUrl}/api/reviews/${pending.reviewId}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${revToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ comment: 'ok for the index' }),
    });
    expect(approve.status, await approve.clone().text()).toBe(200);

    const later = await httpClient(stack.adminToken);
    const done = await call(later, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 30 });
    expect(done.isError, JSON.stringify(done.content)).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ status: 'approved', reviewId: pending.reviewId, command: 'CREATE' });
    expect((await target.query("select to_regclass('orders_status_idx') as i")).rows[0]!.i).toBe('orders_status_idx');
    const twice = await call(later, 'wait_for_review', {
      reviewId: pending.reviewId,
      connection: 'shop',
      sql: 'CREATE INDEX orders_status_idx ON orders (status)',
    });
    expect(twice.isError).toBe(true);
    expect(twice.content[0]!.text).toMatch(/already used/);
    await later.close();
    const sessions = await stack.db.session.findMany({
      where: { mode: 'mcp', userId: (await stack.db.user.findFirstOrThrow({ where: { email: 'other-dev@test.local' } })).id },
    });
    expect(sessions).toHaveLength(0);
  });
});
