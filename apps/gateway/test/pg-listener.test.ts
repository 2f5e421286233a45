import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { createTargetDatabase, inheritedEnv, runProcess, type StackUser, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');
const DELAY_MS = 300;

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let dev: StackUser;
let admin: StackUser;
let caCert: string;
let caFile: string;

beforeAll(async () => {
  target = await createTargetDatabase('pglistener');
  await target.query("create table customers (id int, email text); insert into customers values (1, 'ann.lee@example.com')");
  await target.query('create table payouts (id int, amount int); create table keepme (id int)');
  stack = await startTestStack({
    gatewayEnv: { HOOP_GATEWAY_PG_AUTH_DELAY_MS: String(DELAY_MS), HOOP_GATEWAY_PG_MAX_AUTH_FAILURES: '3', HOOP_PUBLIC_HOST: 'pg.hoop.test' },
  });
  await stack.addPostgresConnection('direct-pg', target.url);
  const policy = await stack.db.policy.create({
    data: {
      orgId: stack.orgId,
      name: 'direct',
      document: {
        name: 'direct',
        version: 1,
        connections: { names: ['direct-pg'], tags: [] },
        guardrails: {
          builtins: {},
          rules: [{ id: 'payouts-write', action: 'review', message: 'writes to payouts need a reviewer', match: { kinds: ['write'], tables: ['payouts'] } }],
        },
        review: { approvers: { roles: ['admin'] }, minApprovals: 1, timeoutMinutes: 30 },
      },
    },
  });
  await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: 'direct-pg' }, data: { policyId: policy.id } });
  dev = await stack.addUser({ role: 'developer', email: 'dev@test.local' });
  const adminRow = await stack.db.user.findFirstOrThrow({ where: { orgId: stack.orgId, email: 'admin@test.local' } });
  admin = { id: adminRow.id, email: adminRow.email, role: adminRow.role, token: stack.adminToken };
  await stack.startAgent();
  const res = await fetch(`${stack.gatewayUrl}/api/pg-listener`, { headers: { authorization: `Bearer ${dev.token}` } });
  const info = (await res.json()) as { port: number; caCert: string; tls: string };
  expect(info).toMatchObject({ port: stack.pgPort, tls: 'generated' });
  caCert = info.caCert;
  caFile = path.join(mkdtempSync(path.join(tmpdir(), 'hoop-pgl-')), 'ca.pem');
  writeFileSync(caFile, caCert);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const url = (user: string, database: string, query = 'sslmode=require') =>
  `postgres://${encodeURIComponent(user)}@localhost:${stack.pgPort}/${encodeURIComponent(database)}?${query}`;

const psqlAs = (password: string | null, u: string, args: string[], opts: { timeoutMs?: number } = {}) =>
  runProcess('psql', [u, '-X', '-w', ...args], { env: { PGCONNECT_TIMEOUT: '10', ...(password ? { PGPASSWORD: password } : {}) }, ...opts });

/** A node-postgres client over TLS, from a source address of its own (127.x.y.z) when given: each source has its own failure count. */
function client(o: { user: string; password: string; database?: string; from?: string; ssl?: pg.ClientConfig['ssl'] }) {
  return new pg.Client({
    host: '127.0.0.1',
    port: stack.pgPort,
    user: o.user,
    password: o.password,
    database: o.database ?? 'direct-pg',
    ssl: o.ssl ?? { ca: caCert, servername: 'localhost' },
    ...(o.from
      ? {
          stream: () => {
            const s = new net.Socket();
            const connect = s.connect.bind(s) as (o: net.TcpSocketConnectOpts) => net.Socket;
            s.connect = ((port: number, host: string) => connect({ port, host, localAddress: o.from })) as typeof s.connect;
            return s;
          },
        }
      : {}),
  });
}

/** The error connecting gives, and how long it took. */
async function refusal(c: pg.Client): Promise<{ code?: string; message: string; ms: number }> {
  const started = Date.now();
  const err = await c.connect().then(
    async () => {
      await c.end();
      return null;
    },
    (e: Error & { code?: string }) => e,
  );
  if (!err) throw new Error('the connection was accepted');
  return { code: err.code, message: err.message, ms: Date.now() - started };
}

describe('the gateway Postgres listener', () => {
  it.skipIf(noPsql)('takes psql with sslmode=require and with verify-full against the CA hoop prints; rows come back masked', async () => {
    const r = await psqlAs(dev.token, url(dev.email, 'direct-pg'), ['-At', '-c', 'select id, email from customers']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^1\|/);
    expect(r.stdout).not.toContain('ann.lee@example.com');
    const recorded = await stack.db.session.findFirst({ where: { userId: dev.id, clientInfo: { path: ['application'], equals: 'psql' } } });
    expect(recorded?.clientInfo).toMatchObject({ client: 'pg listener', application: 'psql' });
    const v = await psqlAs(dev.token, url(dev.email, 'direct-pg', `sslmode=verify-full&sslrootcert=${caFile}`), ['-At', '-c', 'select 40 + 2']);
    expect(v.stderr).toBe('');
    expect(v.stdout.trim()).toBe('42');
    // the certificate names the public host (HOOP_PUBLIC_HOST) too, and no other
    const as = (host: string) =>
      `postgres://${encodeURIComponent(dev.email)}@${host}:${stack.pgPort}/direct-pg?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=${caFile}`;
    expect((await psqlAs(dev.token, as('pg.hoop.test'), ['-At', '-c', 'select 1'])).stdout.trim()).toBe('1');
    const wrongName = await psqlAs(dev.token, as('other.example'), ['-c', 'select 1']);
    expect(wrongName.stderr).toMatch(/does not match host name "other\.example"/);
  });

  it('takes node-postgres with TLS: parameters, the guard refuses with its words, and the session is on record with its user', async () => {
    const c = client({ user: dev.email, password: dev.token });
    await c.connect();
    expect((await c.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    const err = await c.query('drop table keepme').catch((e: Error & { code?: string }) => e);
    expect((err as Error).message).toMatch(/blocked by hoop/);
    expect((await c.query('select count(*)::int as n from keepme')).rows).toEqual([{ n: 0 }]);
    await c.end();
    const event = await waitFor('the refused DROP in the trail', () =>
      stack.db.auditEvent.findFirst({
        where: { session: { userId: dev.id }, data: { path: ['sql'], string_contains: 'drop table keepme' } },
        include: { session: true },
      }),
    );
    expect(event.session.mode).toBe('connect');
    expect(event.session.clientInfo).toMatchObject({ client: 'pg listener', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(JSON.stringify(event.data)).toMatch(/deny|blocked/i);
  });

  it.skipIf(noPsql)('takes pgbench (several clients, prepared statements) with the token in PGPASSWORD', async () => {
    const script = path.join(path.dirname(caFile), 'select.sql');
    writeFileSync(script, 'select id from customers where id = 1;\n');
    const r = await runProcess(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', '4', '-t', '25', '-f', script, '-h', 'localhost', '-p', String(stack.pgPort), '-U', dev.email, 'direct-pg'],
      { env: { PGPASSWORD: dev.token, PGSSLMODE: 'require' } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/number of transactions actually processed: 100\/100/);
  });

  it('takes a service account by its name, and an old token once it has been used on the API', async () => {
    const bot = await seedUser(stack.db, stack.orgId, { email: 'ci-bot@service.hoop', name: 'ci-bot', isService: true });
    const { token } = await seedApiToken(stack.db, bot.id);
    const c = client({ user: 'ci-bot', password: token });
    await c.connect();
    expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await c.end();
    // a token made before the listener has no verifier until its next use on the HTTP API
    const old = await seedApiToken(stack.db, dev.id);
    await stack.db.apiToken.update({ where: { id: old.row.id }, data: { scramVerifier: null } });
    expect((await refusal(client({ user: dev.email, password: old.token, from: '127.0.1.1' }))).code).toBe('28P01');
    expect((await fetch(`${stack.gatewayUrl}/api/me`, { headers: { authorization: `Bearer ${old.token}` } })).status).toBe(200);
    const again = client({ user: dev.email, password: old.token });
    await again.connect();
    await again.end();
  });

  it('refuses a wrong, revoked or read-only token, a disabled user and an unknown one alike: 28P01 after the same delay', async () => {
    const revoked = await seedApiToken(stack.db, dev.id);
    await stack.db.apiToken.update({ where: { id: revoked.row.id }, data: { revokedAt: new Date() } });
    const readOnly = await seedApiToken(stack.db, dev.id, { scope: 'read' });
    const expired = await seedApiToken(stack.db, dev.id, { expiresAt: new Date(Date.now() - 1000) });
    const gone = await seedUser(stack.db, stack.orgId, { email: 'gone@test.local' });
    const goneToken = (await seedApiToken(stack.db, gone.id)).token;
    await stack.db.user.update({ where: { id: gone.id }, data: { disabledAt: new Date() } });
    const cases: [string, string, string][] = [
      ['wrong token', dev.email, `${dev.token}x`],
      ['revoked', dev.email, revoked.token],
      ['read scope', dev.email, readOnly.token],
      ['expired', dev.email, expired.token],
      ['disabled user', gone.email, goneToken],
      ['unknown user', 'nobody@test.local', dev.token],
      ['token as the user name', dev.token, dev.token],
    ];
    let n = 10;
    for (const [what, user, password] of cases) {
      const r = await refusal(client({ user, password, from: `127.0.2.${n++}` }));
      expect({ what, code: r.code, message: r.message }).toEqual({ what, code: '28P01', message: `password authentication failed for user "${user}"` });
      expect(r.ms).toBeGreaterThanOrEqual(DELAY_MS - 10);
    }
    expect(stack.gateway.output()).not.toContain(dev.token);
  });

  it.skipIf(noPsql)('refuses plain text with the TLS error before any password is asked (sslmode=disable)', async () => {
    const r = await psqlAs(null, url(dev.email, 'direct-pg', 'sslmode=disable'), ['-c', 'select 1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('hoop accepts connections here only over TLS');
    expect(r.stderr).not.toMatch(/password/i);
  });

  it('answers an unknown database, or SQL in its name, with 3D000 after authentication; a wrong token first gets 28P01', async () => {
    for (const database of ['nope', "x'; drop table keepme; --"]) {
      const r = await refusal(client({ user: dev.email, password: dev.token, database }));
      expect(r).toMatchObject({ code: '3D000', message: `database "${database}" does not exist` });
    }
    const wrong = await refusal(client({ user: dev.email, password: 'hoop_tok_wrong', database: 'nope', from: '127.0.3.1' }));
    expect(wrong.code).toBe('28P01');
    expect((await target.query('select count(*)::int as n from keepme')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses a huge startup packet and garbage with an error, not a crash', async () => {
    const raw = (bytes: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const s = net.connect(stack.pgPort, '127.0.0.1', () => s.write(bytes));
        const got: Buffer[] = [];
        s.on('data', (d) => got.push(d));
        s.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
        s.on('error', reject);
      });
    expect(await raw(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]))).toContain('invalid startup packet length');
    expect(await raw(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toMatch(/invalid startup packet length|unsupported frontend protocol/);
    const c = client({ user: dev.email, password: dev.token });
    await c.connect();
    await c.end();
  });

  it('refuses a source after repeated failures without checking its token, others still get in', async () => {
    const from = '127.0.4.1';
    for (let i = 0; i < 3; i++) expect((await refusal(client({ user: dev.email, password: 'nope', from }))).code).toBe('28P01');
    const blocked = await refusal(client({ user: dev.email, password: dev.token, from }));
    expect(blocked.code).toBe('28000');
    expect(blocked.message).toMatch(/^too many failed authentication attempts from 127\.0\.4\.1; try again in \d+ s$/);
    const other = client({ user: dev.email, password: dev.token, from: '127.0.4.2' });
    await other.connect();
    await other.end();
  });

  it.skipIf(noPsql)('cancels a running statement when psql is interrupted (its cancel request reaches the right session)', async () => {
    const child = spawn('psql', [url(dev.email, 'direct-pg'), '-X', '-w', '-c', 'select pg_sleep(60)'], {
      env: { ...inheritedEnv(), PGPASSWORD: dev.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor('the target to run pg_sleep', async () => {
      const r = await target.query("select 1 from pg_stat_activity where state = 'active' and query = 'select pg_sleep(60)'");
      return r.rowCount ? true : null;
    });
    child.kill('SIGINT');
    expect(await exited).not.toBe(0);
    expect(stderr).toContain('canceling statement due to user request');
  });

  it('prints its CA (hoop ca) and the direct connection string (hoop ca, hoop claude configure)', async () => {
    const r = await stack.cli(['ca']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(caCert.trim());
    expect(r.stderr).toContain(`@127.0.0.1:${stack.pgPort}/<connection>?sslmode=verify-full&sslrootcert=hoop-ca.pem`);
    const home = mkdtempSync(path.join(tmpdir(), 'hoop-claude-'));
    const c = await stack.cli(['claude', 'configure', '--dry-run'], { env: { HOME: home } });
    expect(c.stdout).toContain(`@127.0.0.1:${stack.pgPort}/<connection>?sslmode=require`);
  });

  it.skipIf(noPsql)('holds a statement for review with the NOTICE and its link, and runs it once approved', async () => {
    const session = psqlAs(dev.token, url(dev.email, 'direct-pg'), ['-v', 'ON_ERROR_STOP=1', '-c', 'insert into payouts values (1, 100)'], {
      timeoutMs: 60_000,
    });
    const review = await waitFor('a pending review', async () =>
      stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: 'insert into payouts' } } }),
    );
    await stack.vote(review.id, admin, 'approve');
    const r = await session;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`NOTICE:  waiting for approval: http://localhost:3999/reviews/${review.id}`);
    expect(r.stdout).toContain('INSERT 0 1');
  });
});
