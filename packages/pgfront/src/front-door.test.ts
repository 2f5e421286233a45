import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {
  authenticationOk,
  backendKeyData,
  commandComplete,
  dataRow,
  parameterStatus,
  readyForQuery,
  rowDescription,
  scramVerifier,
  sslRequest,
  startupMessage,
} from '@hoop/pgwire';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPostgres, type FrontAuth, type FrontDoorResult } from './front-door';
import { type GeneratedTls, generateServerTls } from './tls-cert';

let certs: GeneratedTls;
let caFile: string;
const salt = Buffer.from('hoop-test-salt-1');

/** A server whose front door is acceptPostgres and whose back end answers every query with one row: the user's name. */
async function serve(opts: {
  tls: boolean;
  requireTls: boolean;
  auth: (user: string) => FrontAuth | Promise<FrontAuth>;
  failDelayMs?: number;
  timeoutMs?: number;
}) {
  const results: FrontDoorResult[] = [];
  const server = net.createServer(async (socket) => {
    const r = await acceptPostgres(socket, {
      tls: opts.tls ? tls.createSecureContext({ cert: certs.cert, key: certs.key }) : null,
      requireTls: opts.requireTls,
      authenticate: (info) => opts.auth(info.user),
      failDelayMs: opts.failDelayMs ?? 200,
      timeoutMs: opts.timeoutMs,
    });
    results.push(r);
    if (r.kind !== 'session') return;
    const s = r.socket;
    s.write(Buffer.concat([authenticationOk(), parameterStatus('server_version', '15.0'), backendKeyData(1, 2), readyForQuery('I')]));
    let pending = r.pending;
    const onData = (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 5 && pending.length >= pending.readInt32BE(1) + 1) {
        const type = String.fromCharCode(pending[0]!);
        pending = pending.subarray(pending.readInt32BE(1) + 1);
        if (type === 'X') return void s.end();
        if (type === 'Q')
          s.write(
            Buffer.concat([
              rowDescription([{ name: 'who' }]),
              dataRow([`${r.info.user}@${r.info.database}:${r.verifierIndex}:${r.info.tls}`]),
              commandComplete('SELECT 1'),
              readyForQuery('I'),
            ]),
          );
      }
    };
    s.on('data', onData);
    s.on('error', () => undefined);
    s.resume();
    if (pending.length) onData(Buffer.alloc(0));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, results, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const scramFor = async (tokens: Record<string, string[]>) => {
  const verifiers = Object.fromEntries(
    await Promise.all(Object.entries(tokens).map(async ([u, ts]) => [u, await Promise.all(ts.map((t) => scramVerifier(t, salt)))] as const)),
  );
  return (user: string): FrontAuth => ({ method: 'scram', salt, iterations: 4096, verifiers: verifiers[user] ?? [] });
};

/** Raw bytes in, everything the server answers until it closes out. */
function rawExchange(port: number, bytes: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('connect', () => {
      for (const b of bytes) s.write(b);
    });
    s.on('data', (d) => got.push(d));
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
  });
}

beforeAll(async () => {
  certs = await generateServerTls(['localhost', '127.0.0.1']);
  caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgfront-')), 'ca.pem');
  fs.writeFileSync(caFile, certs.caCert);
});
afterAll(() => fs.rmSync(path.dirname(caFile), { recursive: true, force: true }));

describe('acceptPostgres', () => {
  it('lets a client in without a password when told to trust, over plain text', async () => {
    const srv = await serve({ tls: false, requireTls: false, auth: () => ({ method: 'trust' }) });
    const c = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'ann', database: 'demo' });
    await c.connect();
    expect((await c.query('select 1')).rows[0].who).toBe('ann@demo:null:false');
    await c.end();
    await srv.close();
  });

  it('speaks TLS with the certificate it was given (verify-full against the CA) and SCRAM with one of the user’s tokens', async () => {
    const srv = await serve({ tls: true, requireTls: true, auth: await scramFor({ ann: ['tok-1', 'tok-2'] }) });
    const c = new pg.Client({
      host: '127.0.0.1',
      port: srv.port,
      user: 'ann',
      database: 'demo',
      password: 'tok-2',
      ssl: { ca: certs.caCert, servername: 'localhost' },
    });
    await c.connect();
    expect((await c.query('select 1')).rows[0].who).toBe('ann@demo:1:true');
    await c.end();
    await srv.close();
  });

  it('works with psql (libpq) in sslmode=verify-full', async () => {
    const srv = await serve({ tls: true, requireTls: true, auth: await scramFor({ bob: ['tok-b'] }) });
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'psql',
        [`postgres://bob@localhost:${srv.port}/sales?sslmode=verify-full&sslrootcert=${caFile}`, '-XAtc', 'select 1'],
        { env: { ...process.env, PGPASSWORD: 'tok-b' } },
        (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe('bob@sales:0:true');
    await srv.close();
  });

  it('refuses a plain-text startup when TLS is required, saying how to connect', async () => {
    const srv = await serve({ tls: true, requireTls: true, auth: () => ({ method: 'trust' }) });
    const c = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'ann', password: 'x' });
    await expect(c.connect()).rejects.toThrow(/only over TLS: connect with sslmode=require/);
    await srv.close();
  });

  it('answers a wrong token and an unknown user with the same error, after the same delay', async () => {
    const srv = await serve({ tls: true, requireTls: true, auth: await scramFor({ ann: ['tok-1'] }), failDelayMs: 300 });
    for (const [user, password] of [
      ['ann', 'wrong'],
      ['nobody', 'tok-1'],
    ]) {
      const started = Date.now();
      const c = new pg.Client({ host: '127.0.0.1', port: srv.port, user, password, ssl: { ca: certs.caCert, servername: 'localhost' } });
      const err = await c.connect().then(
        () => null,
        (e: Error & { code?: string }) => e,
      );
      expect(err?.message).toBe(`password authentication failed for user "${user}"`);
      expect(err?.code).toBe('28P01');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    }
    await srv.close();
  });

  it('refuses what the caller refuses, with its words', async () => {
    const srv = await serve({ tls: false, requireTls: false, auth: () => ({ method: 'refuse', code: '53300', message: 'too many failed attempts' }) });
    const c = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'ann' });
    await expect(c.connect()).rejects.toThrow('too many failed attempts');
    await srv.close();
  });

  it('refuses bytes sent after the SSL request before the handshake (they would pass as encrypted)', async () => {
    const srv = await serve({ tls: true, requireTls: true, auth: () => ({ method: 'trust' }) });
    const out = await rawExchange(srv.port, [Buffer.concat([sslRequest(), startupMessage({ user: 'ann' })])]);
    expect(out.toString()).toContain('unencrypted data after the SSL request');
    expect(srv.results[0]).toMatchObject({ kind: 'closed' });
    await srv.close();
  });

  it('answers malformed packets, a typed message in place of the startup and silence with an error, never a crash or a hang', async () => {
    const srv = await serve({ tls: false, requireTls: false, auth: () => ({ method: 'trust' }), timeoutMs: 300 });
    const bad = async (bytes: Buffer[]) => (await rawExchange(srv.port, bytes)).toString();
    expect(await bad([Buffer.from([0, 0, 0, 3])])).toContain('invalid startup packet length 3');
    expect(await bad([Buffer.from([0x7f, 0xff, 0xff, 0xff])])).toContain('invalid startup packet length');
    expect(await bad([Buffer.from([0, 0, 0, 8, 0, 9, 0, 0])])).toMatch(/unsupported frontend protocol/);
    expect(await bad([Buffer.from([0, 0, 0, 9, 0, 3, 0, 0, 0x41])])).toMatch(/08P01|startup/);
    expect(await bad([Buffer.from([0, 0])])).toContain('no complete startup and authentication within 0.3 s');
    // a SCRAM exchange cut short, then garbage in place of the proof
    const scram = await serve({ tls: false, requireTls: false, auth: await scramFor({ ann: ['t'] }), failDelayMs: 50 });
    const out = (await rawExchange(scram.port, [startupMessage({ user: 'ann' }), Buffer.from([0x70, 0, 0, 0, 8, 0x41, 0x42, 0x43, 0x44])])).toString();
    expect(out).toMatch(/SCRAM-SHA-256[\s\S]*(malformed|08P01|unsupported)/);
    await scram.close();
    await srv.close();
  });

  it('lets a client that sends only Terminate in place of its startup go without an error', async () => {
    const srv = await serve({ tls: false, requireTls: false, auth: () => ({ method: 'trust' }) });
    const out = await rawExchange(srv.port, [Buffer.from([0x58, 0, 0, 0, 4])]);
    expect(out.length).toBe(0);
    expect(srv.results[0]).toMatchObject({ kind: 'closed', reason: 'the client terminated before authenticating' });
    await srv.close();
  });

  it('hands a cancel request back to the caller', async () => {
    const srv = await serve({ tls: false, requireTls: false, auth: () => ({ method: 'trust' }) });
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(80877102, 4);
    cancel.writeInt32BE(42, 8);
    cancel.writeInt32BE(7, 12);
    const s = net.connect(srv.port, '127.0.0.1', () => s.end(cancel));
    await new Promise((resolve) => s.on('close', resolve));
    await expect.poll(() => srv.results[0]).toMatchObject({ kind: 'cancel', processId: 42, secretKey: 7 });
    await srv.close();
  });
});
