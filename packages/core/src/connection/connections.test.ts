import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createDb, type Db, decryptSecret, encryptSecret, parseEncryptionKey } from '@hoop/db';
import { createTestDatabase, seedAgent, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigListener, listenForConfig } from '../notify-fixtures';
import { recordSession, sqlSessionEvents } from '../session/session-fixtures';
import { getConnection } from './connection-detail';
import { createConnection } from './create-connection';
import { deleteConnection } from './delete-connection';
import { listConnections } from './list-connections';
import { testConnection } from './test-connection';
import { updateConnection } from './update-connection';
import { refusal } from '../refusal';

let database: TestDatabase;
let db: Db;
let listener: ConfigListener;
const orgs = { acme: '', other: '' };
const agents = { up: '', down: '', theirs: '' };
let userId = '';
const KEY = randomBytes(32).toString('hex');
const key = parseEncryptionKey(KEY);
const PASSWORD = `pg-${randomBytes(8).toString('hex')}`;
const PG = { host: 'db.internal', port: 5432, database: 'app', user: 'app_rw', sslmode: 'require' as const };

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_connections');
  db = createDb(database.url, { max: 2 });
  listener = await listenForConfig(database.url);
  orgs.acme = (await seedOrg(db, { name: 'Acme' })).id;
  orgs.other = (await seedOrg(db, { name: 'Other' })).id;
  userId = (await seedUser(db, orgs.acme, { role: 'admin' })).id;
  agents.up = (await seedAgent(db, orgs.acme, { name: 'up' })).agent.id;
  agents.down = (await seedAgent(db, orgs.acme, { name: 'down' })).agent.id;
  agents.theirs = (await seedAgent(db, orgs.other, { name: 'theirs' })).agent.id;
});

afterAll(async () => {
  await listener?.stop();
  await db?.$disconnect();
  await database?.drop();
});

describe('stored secrets', () => {
  it('are sealed with the gateway key and never returned, and agents are told at once', async () => {
    const told = listener.next(orgs.acme);
    const c = await createConnection(
      db,
      orgs.acme,
      { type: 'postgres', name: 'pg-prod', config: PG, agentId: agents.up, tags: ['Prod', 'prod', 'eu'], secret: { source: 'stored', value: PASSWORD } },
      KEY,
    );
    await told;
    expect(c).toMatchObject({
      name: 'pg-prod',
      type: 'postgres',
      tags: ['prod', 'eu'],
      readOnly: false,
      secret: { source: 'stored', reference: null, storedSet: true },
      key: 'ready',
    });
    expect(c.config).toEqual(PG);
    const row = await db.connection.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.secretRef).toBe('stored');
    expect(row.secretEncrypted).not.toContain(PASSWORD);
    expect(decryptSecret(row.secretEncrypted!, key)).toBe(PASSWORD);
    for (const shown of [c, await getConnection(db, orgs.acme, { id: c.id }, KEY), await listConnections(db, orgs.acme)]) {
      expect(JSON.stringify(shown)).not.toContain(PASSWORD);
      expect(JSON.stringify(shown)).not.toContain(row.secretEncrypted!);
    }
  });

  it('are kept when an edit leaves them blank, replaced when typed, and forgotten for another source', async () => {
    const c = await createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-keep', config: PG, secret: { source: 'stored', value: 'first' } }, KEY);
    const sealed = (await db.connection.findUniqueOrThrow({ where: { id: c.id } })).secretEncrypted!;
    const base = { id: c.id, type: 'postgres' as const, name: 'pg-keep', config: { ...PG, host: 'db2.internal' } };
    await updateConnection(db, orgs.acme, { ...base, secret: { source: 'stored' } }, KEY);
    expect((await db.connection.findUniqueOrThrow({ where: { id: c.id } })).secretEncrypted).toBe(sealed);
    await updateConnection(db, orgs.acme, { ...base, secret: { source: 'stored', value: 'second' } }, KEY);
    expect(decryptSecret((await db.connection.findUniqueOrThrow({ where: { id: c.id } })).secretEncrypted!, key)).toBe('second');
    const env = await updateConnection(db, orgs.acme, { ...base, secret: { source: 'env', name: 'PG_KEEP_PASSWORD' } }, KEY);
    expect(env.secret).toEqual({ source: 'env', reference: 'PG_KEEP_PASSWORD', storedSet: false });
    expect(await db.connection.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ secretRef: 'env:PG_KEEP_PASSWORD', secretEncrypted: null });
    // back to a stored secret: one must be typed again
    expect(await refusal(updateConnection(db, orgs.acme, { ...base, secret: { source: 'stored' } }, KEY))).toMatch(/^invalid: Type the secret to store/);
    const file = await updateConnection(db, orgs.acme, { ...base, secret: { source: 'file', path: '/run/secrets/pg' } }, KEY);
    expect(file.secret).toEqual({ source: 'file', reference: '/run/secrets/pg', storedSet: false });
  });

  it('cannot be saved without the key', async () => {
    expect(
      await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-nokey', config: PG, secret: { source: 'stored', value: 'x' } }, null)),
    ).toMatch(/^unavailable: Secrets cannot be saved: the web app has no HOOP_ENCRYPTION_KEY/);
    expect(await db.connection.count({ where: { name: 'pg-nokey' } })).toBe(0);
  });
});

describe('settings', () => {
  it('are refused per type in sentences that name the field', async () => {
    const bad = (config: Record<string, unknown>, type: 'postgres' | 'ssh' | 'command' = 'postgres') =>
      refusal(createConnection(db, orgs.acme, { type, name: 'bad', config } as never, KEY));
    expect(await bad({ ...PG, host: '' })).toBe('invalid: Enter the host: a name or address the agent can reach, such as db.internal or 10.0.3.17.');
    expect(await bad({ ...PG, host: 'postgres://db' })).toMatch(/^invalid: The host is a name or address without spaces, slashes or a scheme/);
    expect(await bad({ ...PG, port: 70000 })).toBe('invalid: The port must be a number from 1 to 65535.');
    expect(await bad({ ...PG, sslmode: 'sometimes' })).toMatch(/^invalid: The TLS mode \(sslmode\) is one of disable, allow, prefer/);
    expect(await bad({ host: 'db', database: 'app' })).toBe('invalid: Enter the user the agent logs in as.');
    expect(await bad({ ...PG, sslmode: 'verify-full', sslrootcert: 'not a certificate' })).toBe(
      'invalid: The CA certificate is PEM text starting -----BEGIN CERTIFICATE-----.',
    );
    expect(await bad({ host: 'web-1', user: 'deploy', hostKeyFingerprint: 'md5:aa:bb' }, 'ssh')).toMatch(
      /^invalid: The host key fingerprint looks like SHA256:/,
    );
    expect(await bad({ shell: [], exec: [] }, 'command')).toMatch(/^invalid: Enter the interactive command, the exec command, or both/);
    expect(await bad({ shell: ['bash'], env: { '1BAD': 'x' } }, 'command')).toMatch(/^invalid: Environment variable names are letters, digits and underscores/);
    expect(await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'Bad Name', config: PG }, KEY))).toMatch(
      /^invalid: The name is lowercase letters, digits/,
    );
    expect(
      await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'envy', config: PG, secret: { source: 'env', name: 'PG PASSWORD' } }, KEY)),
    ).toMatch(/^invalid: Name the environment variable on the agent/);
    expect(
      await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'filed', config: PG, secret: { source: 'file', path: 'secrets/pg' } }, KEY)),
    ).toMatch(/^invalid: Give the absolute path of the file/);
    expect(await db.connection.count({ where: { orgId: orgs.acme, name: { in: ['bad', 'envy', 'filed'] } } })).toBe(0);
  });

  it('keep a CA for verify-full as PEM, and none when it is left empty', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    const withCa = await createConnection(
      db,
      orgs.acme,
      { type: 'postgres', name: 'pg-ca', config: { ...PG, sslmode: 'verify-full', sslrootcert: ` ${pem}\n` } },
      KEY,
    );
    expect(withCa.config).toMatchObject({ sslmode: 'verify-full', sslrootcert: pem });
    const without = await createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-noca', config: { ...PG, sslrootcert: '  ' } }, KEY);
    expect(without.config).not.toHaveProperty('sslrootcert');
  });

  it('are stored as the agent reads them, for ssh and command connections too', async () => {
    const ssh = await createConnection(
      db,
      orgs.acme,
      { type: 'ssh', name: 'web-1', config: { host: ' web-1.internal ', port: '2222', user: 'deploy', hostKeyFingerprint: '' }, agentId: agents.up },
      KEY,
    );
    expect(ssh.config).toEqual({ host: 'web-1.internal', port: 2222, user: 'deploy' });
    const cmd = await createConnection(
      db,
      orgs.acme,
      {
        type: 'command',
        name: 'kube',
        config: { shell: ['bash', '-i'], exec: ['bash', '-c', '{}'], cwd: '/srv', env: { KUBECONFIG: 'file:/etc/kube' }, guard: 'shell' },
      },
      KEY,
    );
    expect(cmd.config).toEqual({ shell: ['bash', '-i'], exec: ['bash', '-c', '{}'], cwd: '/srv', env: { KUBECONFIG: 'file:/etc/kube' }, guard: 'shell' });
    expect((await listConnections(db, orgs.acme, { search: 'kube' })).items[0]?.target).toBe('bash -i');
  });

  it('are stored as the agent reads them for mysql connections, with its TLS mode and keys', async () => {
    const my = await createConnection(
      db,
      orgs.acme,
      { type: 'mysql', name: 'orders-mysql', config: { host: ' db.internal ', port: '3306', database: '', user: 'app', sslMode: 'required' } },
      KEY,
    );
    expect(my.config).toEqual({ host: 'db.internal', port: 3306, user: 'app', sslMode: 'required' });
    expect((await listConnections(db, orgs.acme, { search: 'orders-mysql' })).items[0]?.target).toBe('app@db.internal:3306');
    const withDb = { host: 'db.internal', database: 'orders', user: 'app' };
    const dflt = await createConnection(db, orgs.acme, { type: 'mysql', name: 'orders-2', config: withDb }, KEY);
    expect(dflt.config).toEqual({ ...withDb, port: 3306, sslMode: 'preferred' });
    const bad = (config: Record<string, unknown>) => refusal(createConnection(db, orgs.acme, { type: 'mysql', name: 'my-bad', config } as never, KEY));
    expect(await bad({ ...withDb, sslMode: 'require' })).toMatch(/^invalid: The TLS mode \(ssl-mode\) is one of disabled, preferred, required, verify-ca/);
    expect(await bad({ ...withDb, sslCa: 'not a pem' })).toMatch(/^invalid: The CA certificate is PEM text starting -----BEGIN CERTIFICATE-----/);
    expect(await bad({ ...withDb, user: '' })).toMatch(/^invalid: Enter the user the agent logs in as/);
    // a mode stored through the API as ssl-mode (which the agent reads first) gives way to the form's
    const row = await db.connection.create({ data: { orgId: orgs.acme, name: 'my-api', type: 'mysql', config: { ...withDb, 'ssl-mode': 'disabled' } } });
    const out = await updateConnection(db, orgs.acme, { id: row.id, type: 'mysql', name: 'my-api', config: { ...withDb, sslMode: 'verify-identity' } }, KEY);
    expect(out.config).toEqual({ ...withDb, port: 3306, sslMode: 'verify-identity' });
  });

  it('are stored as the agent reads them for the model API (anthropic), its key sealed like any secret', async () => {
    const apiKey = `sk-ant-${randomBytes(8).toString('hex')}`;
    const c = await createConnection(
      db,
      orgs.acme,
      { type: 'anthropic', name: 'claude-api', config: { baseUrl: '' }, secret: { source: 'stored', value: apiKey } },
      KEY,
    );
    expect(c.config).toEqual({ baseUrl: 'https://api.anthropic.com' });
    expect(JSON.stringify(c)).not.toContain(apiKey);
    const row = await db.connection.findUniqueOrThrow({ where: { id: c.id } });
    expect(decryptSecret(row.secretEncrypted!, key)).toBe(apiKey);
    expect((await listConnections(db, orgs.acme, { search: 'claude-api' })).items[0]?.target).toBe('https://api.anthropic.com');
    const own = await createConnection(
      db,
      orgs.acme,
      { type: 'anthropic', name: 'claude-proxy', config: { baseUrl: ' http://llm.internal:8080/anthropic ' } },
      KEY,
    );
    expect(own.config).toEqual({ baseUrl: 'http://llm.internal:8080/anthropic' });
    const bad = (config: Record<string, unknown>) => refusal(createConnection(db, orgs.acme, { type: 'anthropic', name: 'claude-bad', config } as never, KEY));
    expect(await bad({ baseUrl: 'ftp://api.anthropic.com' })).toMatch(/^invalid: The base URL is an http or https address/);
    expect(await bad({ baseUrl: 'https://api.anthropic.com/?key=1' })).toMatch(/^invalid: The base URL is an http or https address without a query/);
    // a user and password in the URL would be a second credential, outside the sealed one: the agent's rules refuse it
    expect(await bad({ baseUrl: 'https://me:pw@api.anthropic.com' })).toMatch(/must not carry a user or password/);
  });

  it('keep what the form does not manage, and the type a connection was created with', async () => {
    const row = await db.connection.create({ data: { orgId: orgs.acme, name: 'pg-seeded', type: 'postgres', config: { ...PG, connectTimeoutMs: 3000 } } });
    const out = await updateConnection(db, orgs.acme, { id: row.id, type: 'postgres', name: 'pg-seeded', config: { ...PG, database: 'app2' } }, KEY);
    expect(out.config).toEqual({ ...PG, database: 'app2', connectTimeoutMs: 3000 });
    expect(await refusal(updateConnection(db, orgs.acme, { id: row.id, type: 'ssh', name: 'pg-seeded', config: { host: 'x', user: 'y' } }, KEY))).toBe(
      'invalid: “pg-seeded” is a postgres connection and stays one: to reach a ssh target, add a new connection.',
    );
  });

  it('refuse a taken name and another org’s agent or connection', async () => {
    expect(await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-prod', config: PG }, KEY))).toBe(
      'conflict: A connection named “pg-prod” already exists: choose another name, or edit that one.',
    );
    expect(await refusal(createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-x', config: PG, agentId: agents.theirs }, KEY))).toBe(
      'invalid: That agent does not exist (any more): choose another one, or none.',
    );
    const mine = (await listConnections(db, orgs.acme, { search: 'pg-prod' })).items[0]!;
    expect(await refusal(getConnection(db, orgs.other, { id: mine.id }, KEY))).toMatch(/^not_found: /);
    expect(await refusal(updateConnection(db, orgs.other, { id: mine.id, type: 'postgres', name: 'stolen', config: PG }, KEY))).toMatch(/^not_found: /);
    expect(await refusal(deleteConnection(db, orgs.other, { id: mine.id }))).toMatch(/^not_found: /);
  });
});

describe('delete', () => {
  it('removes an unused connection and tells the agents; one with recorded sessions is kept, saying why', async () => {
    const unused = await createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-tmp', config: PG }, KEY);
    const told = listener.next(orgs.acme);
    expect(await deleteConnection(db, orgs.acme, { id: unused.id })).toEqual({ id: unused.id, name: 'pg-tmp' });
    await told;
    const used = await createConnection(db, orgs.acme, { type: 'postgres', name: 'pg-used', config: PG }, KEY);
    await recordSession(db, { orgId: orgs.acme, userId, connectionId: used.id, events: sqlSessionEvents() });
    expect(await refusal(deleteConnection(db, orgs.acme, { id: used.id }))).toBe(
      'conflict: “pg-used” has 1 recorded session, which the audit trail keeps, so it cannot be deleted. ' +
        'To take it out of service, edit it and choose no agent: nobody can open a session then.',
    );
  });
});

describe('test', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  // no gateway listens there: the target check must say so (the real thing is in apps/web/test/connection-test-target.test.ts)
  const deps = { requestedBy: null, gatewayUrl: '' };
  beforeAll(async () => {
    const srv = net.createServer();
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    await new Promise((r) => srv.close(r));
    deps.gatewayUrl = `http://127.0.0.1:${port}`;
  });

  it('checks the settings with the agent’s rules and the agent’s heartbeat (15 s), and says what it did not check', async () => {
    await db.agent.update({ where: { id: agents.up }, data: { connectedAt: new Date(now.getTime() - 60_000), lastSeenAt: new Date(now.getTime() - 4_000) } });
    await db.agent.update({
      where: { id: agents.down },
      data: { connectedAt: new Date(now.getTime() - 60_000), lastSeenAt: new Date(now.getTime() - 16_000) },
    });
    const prod = (await listConnections(db, orgs.acme, { search: 'pg-prod' })).items[0]!;
    const ok = await testConnection(db, orgs.acme, { id: prod.id }, KEY, deps, now);
    expect(ok.checks.map((c) => [c.id, c.status])).toEqual([
      ['settings', 'pass'],
      ['agent', 'pass'],
      ['credential', 'pass'],
      ['policy', 'pass'],
      ['target', 'fail'],
    ]);
    expect(ok.checks[1]!.detail).toBe('“up” is online: its last heartbeat was 4 s ago (online means within 15 s).');
    // the agent looks online, but no gateway takes the request: said so, with whether the gateway answers at all
    expect(ok.ready).toBe(false);
    expect(ok.checks[4]!.detail).toBe(
      `Not tested: no gateway took the test within 3 s: none is running, or none holds the tunnel of agent “up” (it may just have disconnected). ` +
        `The gateway at ${deps.gatewayUrl} cannot be reached from the web app (ECONNREFUSED): is it running?`,
    );
    expect(ok.target).toMatchObject({ state: 'no_gateway', ok: false, steps: [] });
    expect((await db.connectionTest.findFirstOrThrow({ where: { connectionId: prod.id } })).status).toBe('abandoned');
    expect(ok.notChecked).toContain('No session was opened');
    expect(ok.tryCommand).toBe('hoop exec pg-prod -i "select 1"');

    await db.connection.update({ where: { id: prod.id }, data: { agentId: agents.down } });
    const down = await testConnection(db, orgs.acme, { id: prod.id }, KEY, deps, now);
    expect(down.ready).toBe(false);
    expect(down.checks[1]).toMatchObject({ status: 'fail', detail: expect.stringContaining('“down” is offline: its last heartbeat was 16 s ago') });
    expect(down.checks[4]).toMatchObject({
      status: 'info',
      detail:
        'Not tested: agent “down” is offline (its last heartbeat was 16 s ago), so the target was not tested: ' +
        'start the agent, or check that it reaches the gateway.',
    });

    // settings the agent would refuse (written around the API) and a key that does not open the secret
    const broken = await db.connection.create({
      data: {
        orgId: orgs.acme,
        name: 'pg-broken',
        type: 'postgres',
        config: { host: 'db', user: 'x' },
        secretRef: 'stored',
        secretEncrypted: encryptSecret('x', randomBytes(32)),
      },
    });
    const bad = await testConnection(db, orgs.acme, { id: broken.id }, KEY, deps, now);
    expect(bad.checks.map((c) => [c.id, c.status])).toEqual([
      ['settings', 'fail'],
      ['agent', 'fail'],
      ['credential', 'fail'],
      ['policy', 'pass'],
      ['target', 'info'],
    ]);
    expect(bad.checks[0]!.detail).toBe(
      'The agent would refuse these settings: connection settings need host, database and user. Edit the connection to fix them.',
    );
    expect(bad.target.state).toBe('skipped');
  });
});
