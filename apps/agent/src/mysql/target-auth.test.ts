/**
 * The agent's login against scripted servers built from the codec: caching_sha2_password (MySQL 8's default, which
 * the MariaDB of the tests does not have) on its fast path and its full authentication over TLS or with the server's
 * RSA key, AuthSwitchRequest, TLS by ssl-mode with certificate checks, and servers that misbehave.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, privateDecrypt, constants as rsa, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {
  CACHING_SHA2_PASSWORD,
  cachingSha2Hash,
  CLIENT,
  framePacket,
  isSslRequest,
  NATIVE_PASSWORD,
  nativePasswordHash,
  PacketParser,
  parseHandshakeResponse41,
  verifyCachingSha2,
  verifyNativePassword,
  writeAuthMoreData,
  writeAuthSwitchRequest,
  writeErr,
  writeHandshakeV10,
  writeOk,
} from '@hoop/mysqlwire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Packet, PacketChannel } from './channel';
import type { MysqlTargetConfig } from './config';
import { loginMysqlTarget, type MysqlTargetSession, newMysqlLoginTrace } from './target';

const PASSWORD = 'pässwörd';
const SERVER_CAPS = (0xffffffff & ~CLIENT.SSL & ~CLIENT.COMPRESS) >>> 0;

interface Script {
  plugin: string;
  /** caching_sha2: whether the server's cache holds the account (fast path) */
  cached?: boolean;
  tls?: { key: string; cert: string };
  switchTo?: string;
}

let certs: { key: string; cert: string };
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const servers: net.Server[] = [];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hoop-mysql-tls-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    ],
    { stdio: 'ignore' },
  );
  certs = { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A server that speaks the login as `script` says and records how the password arrived. */
async function scripted(script: Script): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = net.createServer((sock) => {
    void serve(sock, script, seen).catch((err: Error) => {
      seen.push(`error: ${err.message}`);
      sock.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, seen };
}

/** The client's first packet, and the socket paused with whatever came after it put back (TLS may follow an SSLRequest). */
function firstPacket(sock: net.Socket): Promise<Packet> {
  const parser = new PacketParser();
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      let first: Packet | null = null;
      parser.push(chunk, (payload, sequenceId) => {
        first = { payload: Buffer.from(payload), sequenceId };
        parser.stop();
      });
      if (!first) return;
      sock.removeListener('data', onData);
      sock.pause();
      const rest = parser.takeRest();
      if (rest.length > 0) sock.unshift(rest);
      resolve(first);
    };
    sock.on('data', onData);
  });
}

async function serve(raw: net.Socket, script: Script, seen: string[]): Promise<void> {
  const scramble = Buffer.from(randomBytes(20).map((b) => b || 1));
  raw.write(
    framePacket(
      writeHandshakeV10({
        serverVersion: '8.4.0-scripted',
        connectionId: 77,
        authPluginData: scramble,
        capabilities: script.tls ? (SERVER_CAPS | CLIENT.SSL) >>> 0 : SERVER_CAPS,
        characterSet: 255,
        statusFlags: 2,
        mariadbCapabilities: 0,
        authPluginName: script.plugin,
      }),
      0,
    ),
  );
  let p = await firstPacket(raw);
  const channel = new PacketChannel(new PacketParser(), () => 'closed');
  channel.parser.sequenceId = (p.sequenceId + 1) & 0xff;
  let secure = false;
  if (isSslRequest(p.payload)) {
    if (!script.tls) throw new Error('SSLRequest without TLS offered');
    channel.attach(new tls.TLSSocket(raw, { isServer: true, ...script.tls }));
    secure = true;
    p = await channel.next();
  } else {
    channel.attach(raw);
    raw.resume();
  }
  const resp = parseHandshakeResponse41(p.payload);
  seen.push(`user ${resp.username} db ${resp.database ?? '-'} plugin ${resp.authPluginName} attrs ${resp.attributes?._client_name}`);
  let plugin = resp.authPluginName ?? '';
  let token = resp.authResponse;
  let salt = scramble;
  const send = (payload: Buffer) => channel.write(payload, (p.sequenceId + 1) & 0xff);
  if (script.switchTo) {
    salt = Buffer.from(randomBytes(20).map((b) => b || 1));
    send(writeAuthSwitchRequest(script.switchTo, Buffer.concat([salt, Buffer.from([0])])));
    p = await channel.next();
    plugin = script.switchTo;
    token = p.payload;
    seen.push(`switched to ${plugin}`);
  }
  const ok = () => send(writeOk({}, CLIENT.PROTOCOL_41));
  const denied = () => send(writeErr({ code: 1045, sqlState: '28000', message: "Access denied for user 'me'" }));
  if (plugin === NATIVE_PASSWORD) return void (verifyNativePassword(token, salt, nativePasswordHash(PASSWORD)) ? ok() : denied());
  if (plugin !== CACHING_SHA2_PASSWORD) return denied();
  if (script.cached && verifyCachingSha2(token, salt, cachingSha2Hash(PASSWORD))) {
    seen.push('fast');
    send(writeAuthMoreData(Buffer.from([3])));
    p = { ...p, sequenceId: (p.sequenceId + 1) & 0xff };
    return ok();
  }
  send(writeAuthMoreData(Buffer.from([4])));
  p = await channel.next();
  let password: string;
  if (secure) {
    password = p.payload.toString('utf8');
    seen.push('full over TLS');
  } else {
    // a client that holds the key sends the password at once; one that does not asks for the key first
    if (p.payload.length === 1 && p.payload[0] === 2) {
      seen.push('key asked');
      send(writeAuthMoreData(Buffer.from(pem)));
      p = await channel.next();
    }
    const plain = privateDecrypt({ key: keys.privateKey, padding: rsa.RSA_PKCS1_OAEP_PADDING }, p.payload);
    password = Buffer.from(plain.map((b, i) => b ^ salt[i % salt.length]!)).toString('utf8');
    seen.push('full with RSA');
  }
  return password === `${PASSWORD}\0` ? ok() : denied();
}

const cfg = (port: number, over: Partial<MysqlTargetConfig> = {}): MysqlTargetConfig => ({
  host: '127.0.0.1',
  port,
  user: 'me',
  database: 'orders',
  sslMode: 'disabled',
  connectTimeoutMs: 5000,
  ...over,
});

async function login(c: MysqlTargetConfig, password = PASSWORD) {
  const trace = newMysqlLoginTrace();
  const session: MysqlTargetSession = await loginMysqlTarget(c, password, {}, trace);
  session.socket.destroy();
  return { session, trace };
}

describe('caching_sha2_password', () => {
  it('logs in on the fast path when the server has the account cached', async () => {
    const s = await scripted({ plugin: CACHING_SHA2_PASSWORD, cached: true });
    const { session, trace } = await login(cfg(s.port));
    expect(s.seen).toEqual(['user me db orders plugin caching_sha2_password attrs hoop', 'fast']);
    expect(trace.auth).toBe('caching_sha2_password (fast)');
    expect(session).toMatchObject({ connectionId: 77, serverVersion: '8.4.0-scripted', mariadb: false });
    expect(session.capabilities & CLIENT.DEPRECATE_EOF).not.toBe(0);
  });

  it('does the full authentication with the RSA key it asks of the server, or the key it was given', async () => {
    const s = await scripted({ plugin: CACHING_SHA2_PASSWORD, cached: false });
    expect((await login(cfg(s.port))).trace.auth).toBe('caching_sha2_password (full, RSA)');
    expect((await login(cfg(s.port, { serverPublicKey: pem }))).trace.auth).toBe('caching_sha2_password (full, RSA)');
    expect(s.seen.filter((x) => x === 'full with RSA')).toHaveLength(2);
    expect(s.seen.filter((x) => x === 'key asked')).toHaveLength(1);
  });

  it('sends the password itself inside TLS for the full authentication', async () => {
    const s = await scripted({ plugin: CACHING_SHA2_PASSWORD, cached: false, tls: certs });
    const { trace } = await login(cfg(s.port, { sslMode: 'required' }));
    expect(trace.auth).toBe('caching_sha2_password (full, TLS)');
    expect(trace.tls).toMatchObject({ verified: false });
    expect(s.seen).toContain('full over TLS');
  });

  it('a wrong password is refused with the server message, on both paths', async () => {
    for (const cached of [true, false]) {
      const s = await scripted({ plugin: CACHING_SHA2_PASSWORD, cached });
      await expect(login(cfg(s.port), 'wrong')).rejects.toThrow("the target refused the login: Access denied for user 'me' (1045, 28000)");
    }
  });
});

describe('AuthSwitchRequest', () => {
  it('answers a switch from caching_sha2 to mysql_native_password and back, with the new scramble', async () => {
    const toNative = await scripted({ plugin: CACHING_SHA2_PASSWORD, switchTo: NATIVE_PASSWORD });
    expect((await login(cfg(toNative.port))).trace).toMatchObject({ auth: 'mysql_native_password', plugins: [CACHING_SHA2_PASSWORD, NATIVE_PASSWORD] });
    const toSha2 = await scripted({ plugin: NATIVE_PASSWORD, switchTo: CACHING_SHA2_PASSWORD, cached: true });
    expect((await login(cfg(toSha2.port))).trace.auth).toBe('caching_sha2_password (fast)');
  });

  it('refuses a plugin it cannot answer, naming it', async () => {
    const s = await scripted({ plugin: NATIVE_PASSWORD, switchTo: 'auth_gssapi_client' });
    await expect(login(cfg(s.port))).rejects.toThrow('the target asks for the auth_gssapi_client authentication plugin, which hoop does not support');
  });
});

describe('TLS by ssl-mode', () => {
  it('verify-ca and verify-identity check the certificate against the CA given; a wrong host name fails verify-identity', async () => {
    const s = await scripted({ plugin: NATIVE_PASSWORD, tls: certs });
    const { trace } = await login(cfg(s.port, { host: 'localhost', sslMode: 'verify-identity', sslCa: certs.cert }));
    expect(trace.tls).toMatchObject({ verified: true });
    expect((await login(cfg(s.port, { sslMode: 'verify-ca', sslCa: certs.cert }))).trace.tls).toMatchObject({ verified: true });
    await expect(login(cfg(s.port, { sslMode: 'verify-identity', sslCa: certs.cert }))).rejects.toThrow(/TLS to 127.0.0.1 failed: .*IP: 127.0.0.1/);
    await expect(login(cfg(s.port, { sslMode: 'verify-ca' }))).rejects.toThrow(/TLS to 127.0.0.1 failed: self-signed certificate/);
  });

  it('preferred uses TLS when offered; disabled does not', async () => {
    const s = await scripted({ plugin: NATIVE_PASSWORD, tls: certs });
    expect((await login(cfg(s.port, { sslMode: 'preferred' }))).trace.tls).toMatchObject({ protocol: 'TLSv1.3' });
    expect((await login(cfg(s.port, { sslMode: 'disabled' }))).trace.tls).toBe('off');
  });
});
