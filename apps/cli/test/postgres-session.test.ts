import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, peakRssMb, psql, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;
/** the same connection on a port that asks no password, for the clients below that write protocol bytes by hand */
let trust: Awaited<ReturnType<TestStack['connect']>>;

beforeAll(async () => {
  target = await createTargetDatabase('pgsession');
  await target.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[], meta jsonb)`);
  await target.query(`INSERT INTO items SELECT g, 'item ' || g, g * 1.5, ARRAY['a','b'], jsonb_build_object('n', g) FROM generate_series(1, 100) g`);
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-test', target.url);
  await stack.startAgent();
  conn = await stack.connect('pg-test');
  trust = await stack.connect('pg-test', { noPassword: true });
});

/** Waits until the target runs this query (sent through hoop), so a test interrupts the query itself, not its start. */
async function targetRuns(sql: string) {
  await waitFor(`the target to run ${sql}`, async () => {
    const r = await target.query("select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query = $1", [sql]);
    return r.rowCount ? true : null;
  });
}

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

describe('a Postgres session through hoop connect → gateway → agent', () => {
  it.skipIf(noPsql)('runs simple queries from psql, several statements in one string too', async () => {
    const r = await psql(conn.url, ['-At', '-c', 'select count(*) from items; select name from items where id = 7']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['100', 'item 7']);
  });

  it('runs parameterized queries (extended protocol) with pg, and keeps types', async () => {
    const client = new pg.Client({ connectionString: conn.url });
    await client.connect();
    const r = await client.query('select id, name, price, tags, meta from items where id = $1 or name = $2 order by id', [3, 'item 9']);
    expect(r.rows).toEqual([
      { id: 3, name: 'item 3', price: '4.50', tags: ['a', 'b'], meta: { n: 3 } },
      { id: 9, name: 'item 9', price: '13.50', tags: ['a', 'b'], meta: { n: 9 } },
    ]);
    // named prepared statement reused
    for (let i = 1; i <= 5; i++) {
      const p = await client.query({ name: 'by-id', text: 'select name from items where id = $1', values: [i] });
      expect(p.rows[0].name).toBe(`item ${i}`);
    }
    // an error in the extended protocol leaves the session usable
    await expect(client.query('select * from no_such_table where id = $1', [1])).rejects.toThrow(/does not exist/);
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it.skipIf(noPsql)('copies in with COPY FROM STDIN and out with COPY TO STDOUT', async () => {
    await target.query('CREATE TABLE IF NOT EXISTS copied (id int, label text)');
    const rows = Array.from({ length: 5000 }, (_, i) => `${i}\tlabel ${i}`).join('\n');
    const load = await psql(conn.url, ['-c', '\\copy copied from stdin'], { input: `${rows}\n\\.\n` });
    expect(load.stderr).toBe('');
    expect(load.stdout).toMatch(/COPY 5000/);
    const dump = await psql(conn.url, ['-c', '\\copy (select * from copied order by id) to stdout']);
    expect(dump.stdout.trim().split('\n')).toHaveLength(5000);
    expect(dump.stdout.split('\n')[4999]).toBe('4999\tlabel 4999');
  });

  it.skipIf(noPsql)('streams a 1,000,000-row result with bounded memory in the agent and the gateway', async () => {
    const r = await psql(conn.url, ['-At', '-c', "select g, md5(g::text), 'padding padding padding' from generate_series(1, 1000000) g"], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1_000_000);
    expect(lines[999_999]).toMatch(/^1000000\|[0-9a-f]{32}\|padding/);
    const agentRss = peakRssMb(stack.agent!.child.pid!);
    const gatewayRss = peakRssMb(stack.gateway.child.pid!);
    expect(agentRss).toBeLessThan(200);
    expect(gatewayRss).toBeLessThan(200);
  });

  it.skipIf(noPsql)('cancels a running query when psql is interrupted (CancelRequest)', async () => {
    const started = Date.now();
    const child = spawn('psql', [conn.url, '-X', '-c', 'select pg_sleep(60)'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await targetRuns('select pg_sleep(60)');
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).toMatch(/canceling statement due to user request/);
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('lets pg_cancel_backend from another session stop a query', async () => {
    const a = new pg.Client({ connectionString: conn.url, application_name: 'victim' });
    const b = new pg.Client({ connectionString: conn.url });
    await a.connect();
    await b.connect();
    const running = a.query('select pg_sleep(60)').then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await targetRuns('select pg_sleep(60)');
    const r = await b.query("select pg_cancel_backend(pid) as ok from pg_stat_activity where application_name = 'victim' and state = 'active'");
    expect(r.rows[0]?.ok).toBe(true);
    expect(await running).toMatch(/canceling statement/);
    await a.end();
    await b.end();
  });

  it('serves 20 concurrent sessions', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const c = new pg.Client({ connectionString: conn.url, application_name: `c${i}` });
        await c.connect();
        return c;
      }),
    );
    const results = await Promise.all(
      clients.map(async (c, i) => {
        let sum = 0;
        for (let k = 0; k < 10; k++) sum += Number((await c.query('select $1::int + $2::int as s', [i, k])).rows[0].s);
        return sum;
      }),
    );
    results.forEach((s, i) => expect(s).toBe(10 * i + 45));
    const apps = await target.query("select count(*)::int as n from pg_stat_activity where application_name ~ '^c[0-9]+$'");
    expect(apps.rows[0]?.n).toBe(20);
    await Promise.all(clients.map((c) => c.end()));
  });

  it.skipIf(noPsql)('answers malformed and oversized frames with FATAL 08P01, and keeps serving everyone else', async () => {
    const net = await import('node:net');
    const { startupMessage } = await import('@hoop/pgwire');
    const send = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        const sock = net.connect(trust.port, '127.0.0.1');
        let got = '';
        sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
        sock.on('close', () => resolve(got));
        sock.on('error', () => resolve(got));
        sock.write(bytes);
        setTimeout(() => sock.destroy(), 10_000);
      });
    const garbage = await send(Buffer.concat([startupMessage({ user: 'x', database: 'y' }), Buffer.from([0x7a, 0, 0, 0, 4])]));
    expect(garbage).toContain('08P01');
    expect(garbage).toMatch(/unknown frontend message type 0x7a/);
    const huge = await send(Buffer.concat([startupMessage({ user: 'x', database: 'y' }), Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xf0])]));
    expect(huge).toMatch(/exceeds the limit/);
    const badStartup = await send(Buffer.from([0, 0, 0, 8, 0, 2, 0, 0]));
    expect(badStartup).toMatch(/unsupported frontend protocol 2\.0/);
    const r = await psql(conn.url, ['-At', '-c', 'select 41 + 1']);
    expect(r.stdout.trim()).toBe('42');
  });

  it('closes a client that never finishes its startup message, saying why', async () => {
    const net = await import('node:net');
    const stalled = (bytes: Buffer) =>
      new Promise<{ got: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        const sock = net.connect(trust.port, '127.0.0.1', () => sock.write(bytes));
        let got = '';
        sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
        sock.on('close', () => resolve({ got, ms: Date.now() - t0 }));
        sock.on('error', () => undefined);
        setTimeout(() => sock.destroy(), 60_000);
      });
    // half a startup message (its length says 40 bytes, 8 came), and nothing at all
    const [half, silent] = await Promise.all([stalled(Buffer.from([0, 0, 0, 40, 0, 3, 0, 0])), stalled(Buffer.alloc(0))]);
    for (const r of [half, silent]) {
      expect(r.got).toContain('08P01');
      expect(r.got).toMatch(/no complete startup (message|and authentication) within 5 s/);
      expect(r.ms).toBeLessThan(30_000);
    }
  });

  it('records each session and its statements in the audit trail', async () => {
    const c = new pg.Client({ connectionString: conn.url });
    await c.connect();
    await c.query("select 'audit me' as marker");
    await c.end();
    // the agent sends its audit frames, and the gateway closes the session row, a moment after the client is done
    const hit = await waitFor('the statement in the audit trail', async () => {
      const events = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: { id: 'desc' }, take: 50 });
      return events.find((e) => JSON.stringify(e.data).includes('audit me')) ?? null;
    });
    expect((hit.data as { rows: number }).rows).toBe(1);
    const session = await waitFor('the session to be closed', async () => {
      const s = await stack.db.session.findUnique({ where: { id: hit.sessionId } });
      return s?.status === 'closed' ? s : null;
    });
    expect(session.mode).toBe('connect');
  });
});
