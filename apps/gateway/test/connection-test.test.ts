/**
 * `hoop admin connection test` and `POST /api/connections/:name/test` against real targets: the agent serving the
 * connection reaches the target with its own credential, whichever gateway is asked (the request goes through the
 * database to the gateway holding the agent's tunnel). A real Postgres with password logins (embedded, its pg_hba.conf
 * asking for SCRAM), a real OpenSSH server, real programs on the agent host; gateways, agent and CLI as processes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret, parseEncryptionKey } from '@hoop/db';
import { seedAgent, seedConnection } from '@hoop/db/testing';
import { allStarted, freePort, type Service, startGatewayService, startSshd, startTestStack, type TestSshd, type TestStack, waitFor } from '@hoop/devstack';
import { type EmbeddedHandle, startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';
import { skipWithout } from '@hoop/devstack/tools';

const PASSWORD = 'Pr0be-secret with spaces';
const WRONG = 'Not-the-password-42';
let server: EmbeddedHandle;
let pgPort: number;
let stack: TestStack;
let sshd: TestSshd;
let gateway2: Service;
let gateway2Port: number;
let silent: net.Server;
let silentPort: number;
// needs an OpenSSH server and the ssh client: npm test installs them (openssh-server, openssh-client); skipped only where it could not and said so
const noSshd = skipWithout('sshd', 'ssh');
const dir = mkdtempSync(path.join(tmpdir(), 'hoop-conntest-'));

/** the target: an embedded Postgres whose pg_hba.conf asks for SCRAM, with a login role and its database */
async function startTarget(): Promise<void> {
  server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: pgPort, password: 'admin-pw' });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), ['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256'].join('\n'));
  await admin.query(`CREATE ROLE app_user LOGIN PASSWORD '${PASSWORD}'`);
  await admin.query('CREATE DATABASE shop OWNER app_user');
  await admin.query('SELECT pg_reload_conf()');
  await admin.end();
}

beforeAll(async () => {
  pgPort = await freePort();
  // accepts TCP and never says a word
  silent = net.createServer(() => undefined);
  silentPort = await new Promise<number>((r) => silent.listen(0, '127.0.0.1', () => r((silent.address() as net.AddressInfo).port)));
  // the target, the OpenSSH server and the stack start side by side; connections are tested only once all are up
  await allStarted([startTarget(), ...(noSshd ? [] : [startSshd().then((s) => (sshd = s))]), startTestStack({ heartbeatMs: 1000 }).then((s) => (stack = s))]);
  const url = (pw: string, o: { port?: number; sslmode?: string; db?: string } = {}) =>
    `postgres://app_user:${encodeURIComponent(pw)}@127.0.0.1:${o.port ?? pgPort}/${o.db ?? 'shop'}?sslmode=${o.sslmode ?? 'disable'}`;
  await stack.addPostgresConnection('pg-good', url(PASSWORD));
  await stack.addPostgresConnection('pg-wrong-password', url(WRONG));
  await stack.addPostgresConnection('pg-no-database', url(PASSWORD, { db: 'nope' }));
  await stack.addPostgresConnection('pg-closed-port', url(PASSWORD, { port: await freePort() }));
  await stack.addPostgresConnection('pg-tls-required', url(PASSWORD, { sslmode: 'require' }));
  await seedConnection(stack.db, stack.orgId, {
    name: 'pg-unknown-host',
    type: 'postgres',
    agentId: stack.agentId,
    config: { host: 'no-such-host.invalid', port: 5432, database: 'shop', user: 'app_user', sslmode: 'disable' },
  });
  await seedConnection(stack.db, stack.orgId, {
    name: 'pg-silent',
    type: 'postgres',
    agentId: stack.agentId,
    config: { host: '127.0.0.1', port: silentPort, database: 'shop', user: 'app_user', sslmode: 'disable', connectTimeoutMs: 2000 },
  });
  await seedConnection(stack.db, stack.orgId, {
    name: 'pg-stored',
    type: 'postgres',
    agentId: stack.agentId,
    secretRef: 'stored',
    secretEncrypted: encryptSecret(PASSWORD, parseEncryptionKey(stack.encryptionKey)),
    config: { host: '127.0.0.1', port: pgPort, database: 'shop', user: 'app_user', sslmode: 'disable' },
  });
  await seedConnection(stack.db, stack.orgId, {
    name: 'pg-no-agent',
    type: 'postgres',
    agentId: null,
    config: { host: '127.0.0.1', port: pgPort, database: 'shop', user: 'app_user' },
  });
  const { agent: idle } = await seedAgent(stack.db, stack.orgId, { name: 'idle-agent' });
  await stack.addPostgresConnection('pg-offline-agent', url(PASSWORD), { agentId: idle.id });

  if (!noSshd) {
    const ssh = { host: '127.0.0.1', port: sshd.port, user: sshd.user };
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'other_key')]);
    await stack.addConnection('ssh-good', 'ssh', { ...ssh, hostKeyFingerprint: sshd.hostKeyFingerprint }, sshd.privateKey);
    await stack.addConnection('ssh-unpinned', 'ssh', ssh, sshd.privateKey);
    await stack.addConnection('ssh-wrong-key', 'ssh', ssh, readFileSync(path.join(dir, 'other_key'), 'utf8'));
    await stack.addConnection('ssh-impostor', 'ssh', { ...ssh, hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` }, sshd.privateKey);
  }

  writeFileSync(path.join(dir, 'not-executable.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(path.join(dir, 'not-executable.sh'), 0o644);
  await stack.addConnection('cmd-good', 'command', { shell: ['bash', '--noprofile', '--norc', '-i'], exec: ['bash', '-c', '{}'], cwd: dir });
  await stack.addConnection('cmd-missing', 'command', { shell: ['hoop-no-such-program'] });
  await stack.addConnection('cmd-not-executable', 'command', { shell: [path.join(dir, 'not-executable.sh')] });
  await stack.addConnection('cmd-no-folder', 'command', { shell: ['bash'], cwd: path.join(dir, 'missing') });
  gateway2Port = await freePort();
  const unreachable = `ws://127.0.0.1:${await freePort()}`;
  // the agent and the second gateway start side by side
  await allStarted([
    stack.startAgent(),
    startGatewayService({
      databaseUrl: stack.dbUrl,
      port: gateway2Port,
      encryptionKey: stack.encryptionKey,
      webUrl: 'http://localhost:3999',
      heartbeatMs: 1000,
      // an address the agent cannot reach: it learns of this gateway but holds no tunnel to it, so only the first holds the agent
      env: { HOOP_GATEWAY_INTERNAL_URL: unreachable },
    }).then((g) => (gateway2 = g)),
  ]);
}, 180_000);

afterAll(async () => {
  await gateway2?.stop();
  await stack?.stop();
  await sshd?.stop();
  await server?.stop();
  silent?.close();
});

interface Answer {
  state: string;
  ok: boolean;
  message: string;
  gateway: string | null;
  ms: number;
  target: {
    ok: boolean;
    code?: string;
    summary: string;
    serverVersion?: string;
    latencyMs: number;
    steps: { id: string; status: string; detail: string; ms?: number }[];
  } | null;
}

async function test(name: string): Promise<{ code: number | null; out: string; answer: Answer }> {
  const r = await stack.cli(['admin', 'connection', 'test', name, '-o', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, out: r.stdout, answer: JSON.parse(r.stdout) as Answer };
}

const steps = (a: Answer) => a.target?.steps.map((s) => `${s.id}:${s.status}`);
const gateway1Name = () => `${hostname()}/${stack.gateway.child.pid}`;

describe('testing a postgres connection', () => {
  it('logs in with the agent’s credential, runs select 1 and reports the server version and the time of each step', async () => {
    const r = await stack.cli(['admin', 'connection', 'test', 'pg-good']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pg-good \(postgres\), served by agent test-agent, tested through gateway \S+\n/);
    expect(r.stdout).toMatch(/credential\s+ok\s+\d+ ms\s+read from the environment variable HOOP_TEST_SECRET_\d+ on the agent/);
    expect(r.stdout).toMatch(/login\s+ok\s+\d+ ms\s+as app_user to database shop \(SCRAM-SHA-256\)/);
    expect(r.stdout).toMatch(/\nok: PostgreSQL \d+\.\d+ at 127\.0\.0\.1:\d+ accepted app_user and answered select 1 in \d+ ms\n$/);

    const { answer } = await test('pg-good');
    expect(answer).toMatchObject({
      state: 'done',
      ok: true,
      gateway: gateway1Name(),
      target: { ok: true, serverVersion: expect.stringMatching(/^PostgreSQL \d+/) },
    });
    expect(steps(answer)).toEqual(['credential:pass', 'connect:pass', 'tls:skip', 'login:pass', 'query:pass']);
    expect(JSON.stringify(answer)).not.toContain(PASSWORD);
    // who had an agent reach a target is in the admin trail
    expect(await stack.db.adminEvent.count({ where: { action: 'connection.test', target: 'connection:pg-good', actor: 'admin@test.local' } })).toBe(2);
    console.log(`pg-good: agent ${answer.target!.latencyMs} ms, request to answer ${answer.ms} ms`);
  });

  it('says the password is wrong, in the target’s words, without repeating it', async () => {
    const { code, answer, out } = await test('pg-wrong-password');
    expect(code).toBe(1);
    expect(answer).toMatchObject({ state: 'done', ok: false, target: { code: 'auth' } });
    expect(answer.message).toBe(
      'the target refused the login: password authentication failed for user "app_user" (SQLSTATE 28P01): the password the agent uses is wrong',
    );
    expect(steps(answer)).toEqual(['credential:pass', 'connect:pass', 'tls:skip', 'login:fail']);
    expect(out).not.toContain(WRONG);
  });

  it('uses a stored secret sealed in the control plane and never returns it', async () => {
    const { code, answer } = await test('pg-stored');
    expect(code).toBe(0);
    expect(answer.target!.steps[0]).toMatchObject({ id: 'credential', detail: 'the stored secret, sent by the gateway to this agent only' });
    expect(JSON.stringify(answer)).not.toContain(PASSWORD);
    const row = await stack.db.connectionTest.findFirstOrThrow({ where: { connection: { name: 'pg-stored' } }, orderBy: { createdAt: 'desc' } });
    expect(row).toMatchObject({ status: 'done', ok: true, gateway: gateway1Name() });
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
  });

  it('fails fast on a closed port, an unknown host, a missing database and a refused TLS, naming each', async () => {
    const closed = await test('pg-closed-port');
    expect(closed.code).toBe(1);
    expect(closed.answer.target?.code).toBe('refused');
    expect(closed.answer.message).toMatch(/^127\.0\.0\.1:\d+ refused the connection: nothing listens on port \d+ there/);
    expect(closed.answer.target!.latencyMs).toBeLessThan(1000);

    const host = await test('pg-unknown-host');
    expect(host.code).toBe(1);
    expect(host.answer.target?.code).toBe('host_not_found');
    expect(host.answer.message).toMatch(/^the agent cannot resolve the host name "no-such-host\.invalid"/);

    const db = await test('pg-no-database');
    expect(db.answer.target?.code).toBe('database');
    expect(db.answer.message).toMatch(/database "nope" does not exist \(SQLSTATE 3D000\)/);

    const tls = await test('pg-tls-required');
    expect(tls.answer.target?.code).toBe('tls');
    expect(tls.answer.message).toBe(`TLS with 127.0.0.1:${pgPort} failed (sslmode=require): the target does not accept TLS but sslmode is require`);
    expect(steps(tls.answer)).toEqual(['credential:pass', 'connect:pass', 'tls:fail']);
  });

  it('gives up on a target that accepts TCP but never answers, within its time limit', async () => {
    const { code, answer } = await test('pg-silent');
    expect(code).toBe(1);
    expect(answer.target?.code).toBe('timeout');
    expect(answer.message).toBe(`127.0.0.1:${silentPort} accepted the connection but did not finish the login within 2 s`);
    expect(answer.target!.latencyMs).toBeGreaterThanOrEqual(1900);
    expect(answer.target!.latencyMs).toBeLessThan(3000);
  });

  it('reports an offline agent, and a connection without one, without asking anybody (exit 5)', async () => {
    const offline = await test('pg-offline-agent');
    expect(offline.code).toBe(5);
    expect(offline.answer).toMatchObject({ state: 'agent_offline', ok: false, target: null });
    expect(offline.answer.message).toBe(
      'agent “idle-agent” is offline (it has never connected), so the target was not tested: start the agent, or check that it reaches the gateway',
    );
    const none = await test('pg-no-agent');
    expect(none.code).toBe(5);
    expect(none.answer).toMatchObject({ state: 'no_agent', message: 'no agent serves this connection, so nothing can reach the target' });
  });
});

describe('testing ssh and command connections', () => {
  it.skipIf(noSshd)('logs into an SSH server with the agent’s key, checking the pinned host key', async () => {
    const { code, answer } = await test('ssh-good');
    expect(code).toBe(0);
    expect(steps(answer)).toEqual(['credential:pass', 'connect:pass', 'handshake:pass', 'host_key:pass', 'login:pass']);
    expect(answer.target!.serverVersion).toMatch(/^OpenSSH_/);
    expect(answer.message).toMatch(new RegExp(`^OpenSSH_\\S+ at 127\\.0\\.0\\.1:${sshd.port} accepted ${sshd.user} \\(private key\\) in \\d+ ms$`));
    expect(JSON.stringify(answer)).not.toContain('PRIVATE KEY');

    const unpinned = await test('ssh-unpinned');
    expect(unpinned.code).toBe(0);
    expect(unpinned.answer.target!.steps.find((s) => s.id === 'host_key')).toMatchObject({
      status: 'warn',
      detail: `${sshd.hostKeyFingerprint}, not pinned: any host key is accepted; set hostKeyFingerprint to it to refuse an impostor`,
    });
  });

  it.skipIf(noSshd)('says which key was refused, and refuses a server whose host key is not the pinned one', async () => {
    const wrong = await test('ssh-wrong-key');
    expect(wrong.code).toBe(1);
    expect(wrong.answer.target?.code).toBe('auth');
    expect(wrong.answer.message).toMatch(new RegExp(`^${sshd.user}@127\\.0\\.0\\.1 refused the private key: All configured authentication methods failed$`));
    const impostor = await test('ssh-impostor');
    expect(impostor.code).toBe(1);
    expect(impostor.answer.target?.code).toBe('host_key');
    expect(impostor.answer.message).toContain(`shows host key ${sshd.hostKeyFingerprint}, not the pinned SHA256:AAAA`);
  });

  it('finds the programs of a command connection on the agent host, and says which is missing or not executable', async () => {
    const good = await test('cmd-good');
    expect(good.code).toBe(0);
    expect(steps(good.answer)).toEqual(['credential:pass', 'cwd:pass', 'executable:pass', 'terminal:pass']);
    expect(good.answer.message).toMatch(/^\/\S*bin\/bash can run on the agent host/);
    const missing = await test('cmd-missing');
    expect(missing.answer.target?.code).toBe('not_found');
    expect(missing.answer.message).toMatch(/^hoop-no-such-program is not found on the agent host \(PATH=/);
    const notExec = await test('cmd-not-executable');
    expect(notExec.answer.target?.code).toBe('not_executable');
    expect(notExec.answer.message).toBe(`${path.join(dir, 'not-executable.sh')} exists but the agent may not run it (not executable)`);
    const noFolder = await test('cmd-no-folder');
    expect(noFolder.answer.message).toBe(`the working folder ${path.join(dir, 'missing')} does not exist on the agent host`);
  });
});

describe('several gateways', () => {
  const ask = async (port: number, name: string, token = stack.adminToken) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/connections/${name}/test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Answer & { error?: string } };
  };

  it('a gateway that does not hold the agent gets the answer from the one that does', async () => {
    const { status, body } = await ask(gateway2Port, 'pg-good');
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'done', ok: true, gateway: gateway1Name() });
    expect((await ask(gateway2Port, 'nope')).body.error).toBe('connection "nope" does not exist; run `hoop connections` to list yours');
  });

  it('is for admins only', async () => {
    const { seedApiToken, seedUser } = await import('@hoop/db/testing');
    const dev = await seedUser(stack.db, stack.orgId, { email: 'dev@test.local', role: 'developer' });
    const { token } = await seedApiToken(stack.db, dev.id);
    const { status, body } = await ask(stack.gatewayPort, 'pg-good', token);
    expect(status).toBe(403);
    expect(body.error).toBe('only admins can test connections');
  });

  it('says no gateway took the test when the one holding the agent does not answer', async () => {
    const pid = stack.gateway.child.pid!;
    process.kill(pid, 'SIGSTOP');
    let r: Awaited<ReturnType<typeof ask>>;
    try {
      r = await ask(gateway2Port, 'pg-good');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(r.body).toMatchObject({ state: 'no_gateway', ok: false, target: null });
    expect(r.body.message).toBe(
      'no gateway took the test within 3 s: none is running, or none holds the tunnel of agent “test-agent” (it may just have disconnected)',
    );
    expect(r.body.ms).toBeLessThan(4_000);
    // the request was given up, so the gateway that wakes up does not run it any more
    await new Promise((res) => setTimeout(res, 1000));
    const row = await stack.db.connectionTest.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(row.status).toBe('abandoned');
    let last = '';
    try {
      await waitFor(
        'the agent to be back',
        async () => {
          const again = await test('pg-good');
          last = again.out;
          return again.code === 0 ? true : null;
        },
        { timeoutMs: 30_000 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; the last answer was ${last}`);
    }
  });
});
