/**
 * The agent's login against the real MariaDB at 127.0.0.1:3306 (root without a password): native password accounts,
 * refusals with the server's own message, TLS demanded of a server that has none, unreachable and garbage targets.
 * Each test makes its own account and database and drops them.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { CLIENT } from '@hoop/mysqlwire';
import { afterEach, describe, expect, it } from 'vitest';
import type { MysqlTargetConfig } from './config';
import { simpleQuery } from './simple-query';
import { loginMysqlTarget, type MysqlTargetSession, newMysqlLoginTrace } from './target';
import { asRoot, HOST, PORT } from './test-mariadb';

const cleanup: string[] = [];
const open: MysqlTargetSession[] = [];

/** A fresh database and an account with a password (mysql_native_password) that may use it. */
function account(): { user: string; password: string; database: string } {
  const id = randomBytes(4).toString('hex');
  const a = { user: `hoop_t_${id}`, password: `pw-${id}-ü`, database: `hoop_t_${id}` };
  asRoot(`CREATE DATABASE ${a.database}; CREATE USER '${a.user}'@'%' IDENTIFIED BY '${a.password}'; GRANT ALL ON ${a.database}.* TO '${a.user}'@'%';`);
  cleanup.push(`DROP USER IF EXISTS '${a.user}'@'%'; DROP DATABASE IF EXISTS ${a.database};`);
  return a;
}

afterEach(() => {
  for (const s of open.splice(0)) s.socket.destroy();
  for (const sql of cleanup.splice(0)) asRoot(sql);
});

const cfg = (over: Partial<MysqlTargetConfig> = {}): MysqlTargetConfig => ({
  host: HOST,
  port: PORT,
  user: 'root',
  database: null,
  sslMode: 'disabled',
  connectTimeoutMs: 5000,
  ...over,
});

async function login(c: MysqlTargetConfig, password: string | null, trace = newMysqlLoginTrace()) {
  const s = await loginMysqlTarget(c, password, {}, trace);
  open.push(s);
  s.socket.on('error', () => undefined);
  return s;
}

describe('login to MariaDB', () => {
  it('logs in as root without a password: the server version and the thread id are those the server reports', async () => {
    const trace = newMysqlLoginTrace();
    const s = await login(cfg(), null, trace);
    const r = await simpleQuery(s, 'SELECT VERSION(), CONNECTION_ID()', 5000);
    expect(r.rows).toEqual([[s.serverVersion, String(s.connectionId)]]);
    expect(s.mariadb).toBe(true);
    expect(s.capabilities & CLIENT.PROTOCOL_41).not.toBe(0);
    expect(s.capabilities & CLIENT.SSL).toBe(0);
    expect(trace).toMatchObject({
      stage: 'ready',
      tls: 'off',
      auth: 'mysql_native_password',
      address: HOST,
      serverVersion: expect.stringContaining('MariaDB'),
    });
  });

  it('logs in to an account with a password and its database, which the session then uses', async () => {
    const a = account();
    const s = await login(cfg({ user: a.user, database: a.database }), a.password);
    const r = await simpleQuery(s, 'SELECT DATABASE(), CURRENT_USER(); CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)', 5000);
    expect(r.rows).toEqual([[a.database, `${a.user}@%`]]);
    expect((await simpleQuery(s, 'SELECT count(*) FROM t', 5000)).rows).toEqual([['2']]);
  });

  it('a wrong password is refused with the server message and its error number', async () => {
    const a = account();
    const err = await login(cfg({ user: a.user }), 'wrong').catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: expect.stringMatching(
        new RegExp(`^the target refused the login: Access denied for user '${a.user}'@'[^']+' \\(using password: YES\\) \\(1045, 28000\\)$`),
      ),
      server: { code: 1045, sqlState: '28000' },
    });
  });

  it('a database the account may not use is refused with the server message', async () => {
    const a = account();
    await expect(login(cfg({ user: a.user, database: 'mysql' }), a.password)).rejects.toThrow(
      /refused the login: Access denied for user .* to database 'mysql' \(1044/,
    );
  });

  it('a statement error on the session comes back with its number, and the session goes on', async () => {
    const s = await login(cfg(), null);
    await expect(simpleQuery(s, 'SELECT * FROM no_such_db.t', 5000)).rejects.toThrow("Table 'no_such_db.t' doesn't exist (1146)");
    expect((await simpleQuery(s, 'SELECT 1', 5000)).rows).toEqual([['1']]);
  });

  it('ssl-mode required fails clearly against a server without TLS; preferred goes on in plain text and says so', async () => {
    const trace = newMysqlLoginTrace();
    await expect(login(cfg({ sslMode: 'required' }), null, trace)).rejects.toThrow('the target does not offer TLS but ssl-mode is required');
    await expect(login(cfg({ sslMode: 'verify-identity' }), null)).rejects.toThrow('the target does not offer TLS but ssl-mode is verify-identity');
    const preferred = newMysqlLoginTrace();
    await login(cfg({ sslMode: 'preferred' }), null, preferred);
    expect(preferred.tls).toBe('declined');
  });
});

describe('unreachable and misbehaving targets', () => {
  async function server(onConnection: (s: net.Socket) => void): Promise<number> {
    const srv = net.createServer(onConnection);
    await new Promise<void>((r) => srv.listen(0, HOST, r));
    const port = (srv.address() as net.AddressInfo).port;
    cleanupServers.push(srv);
    return port;
  }
  const cleanupServers: net.Server[] = [];
  afterEach(() => {
    for (const s of cleanupServers.splice(0)) s.close();
  });

  it('a port nobody listens on fails at once with the system error', async () => {
    const port = await server(() => undefined);
    cleanupServers.pop()?.close();
    const trace = newMysqlLoginTrace();
    await expect(login(cfg({ port }), null, trace)).rejects.toThrow(`could not reach ${HOST}:${port}: ECONNREFUSED`);
    expect(trace).toMatchObject({ stage: 'connect', errno: 'ECONNREFUSED' });
  });

  it('a server that answers with something else than a greeting is named as such', async () => {
    const port = await server((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await expect(login(cfg({ port }), null)).rejects.toThrow(/did not greet like a MySQL\/MariaDB server \(.*sequence id 80, expected 0/);
    const port2 = await server((s) => s.end(Buffer.from([3, 0, 0, 0, 9, 1, 2])));
    await expect(login(cfg({ port: port2 }), null)).rejects.toThrow(/did not greet like a MySQL\/MariaDB server: HandshakeV10: protocol version 9/);
  });

  it('a server that says nothing, or stops in the middle, gives up within the timeout or says it closed', async () => {
    const silent = await server(() => undefined);
    const started = Date.now();
    await expect(login(cfg({ port: silent, connectTimeoutMs: 300 }), null)).rejects.toThrow('the target did not finish the login within 0.3s (at: login)');
    expect(Date.now() - started).toBeLessThan(3000);
    const cut = await server((s) => s.end(Buffer.from([50, 0, 0, 0, 10, 0x35])));
    await expect(login(cfg({ port: cut }), null)).rejects.toThrow('the target closed the connection during the login');
  });

  it('a server that refuses before greeting (too many connections) is reported with its message', async () => {
    const port = await server((s) => s.end(Buffer.from([0x17, 0, 0, 0, 0xff, 0x10, 0x04, ...Buffer.from('Too many connections')])));
    await expect(login(cfg({ port }), null)).rejects.toThrow('the target refused the login: Too many connections (1040)');
  });
});
