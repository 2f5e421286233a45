import net from 'node:net';
import tls from 'node:tls';
import { type GeneratedTls, generateServerTls } from '@hoop/pgfront';
import { authenticationOk, readyForQuery } from '@hoop/pgwire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTarget, type TargetConfig } from './target';

/** A Postgres that only speaks TLS, with a certificate for the given names, and lets everyone in. */
async function tlsPostgres(certs: GeneratedTls) {
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write('S');
      const t = new tls.TLSSocket(socket, { isServer: true, secureContext: tls.createSecureContext({ cert: certs.cert, key: certs.key }) });
      t.on('error', () => undefined);
      t.once('data', () => t.write(Buffer.concat([authenticationOk(), readyForQuery('I')])));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

let forIp: GeneratedTls;
let forName: GeneratedTls;
beforeAll(async () => {
  forIp = await generateServerTls(['127.0.0.1']);
  forName = await generateServerTls(['db.internal']);
});

const cfg = (port: number, sslmode: string, sslrootcert?: string): TargetConfig => ({
  host: '127.0.0.1',
  port,
  database: 'd',
  user: 'u',
  sslmode,
  ...(sslrootcert ? { sslrootcert } : {}),
  connectTimeoutMs: 5000,
});

describe('TLS to the target', () => {
  const servers: { close(): void }[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('verify-full checks the certificate against the IP address the connection names, with the CA it was given', async () => {
    const pg = await tlsPostgres(forIp);
    servers.push(pg);
    const session = await loginTarget(cfg(pg.port, 'verify-full', forIp.caCert), null, {}, 1 << 20);
    expect(session.socket).toBeInstanceOf(tls.TLSSocket);
    expect((session.socket as tls.TLSSocket).authorized).toBe(true);
    session.socket.destroy();
  });

  it('verify-full refuses a certificate made for another name; verify-ca takes it, as libpq does', async () => {
    const pg = await tlsPostgres(forName);
    servers.push(pg);
    await expect(loginTarget(cfg(pg.port, 'verify-full', forName.caCert), null, {}, 1 << 20)).rejects.toThrow(/TLS to 127\.0\.0\.1 failed: .*127\.0\.0\.1/);
    const session = await loginTarget(cfg(pg.port, 'verify-ca', forName.caCert), null, {}, 1 << 20);
    session.socket.destroy();
  });

  it('verify-ca refuses a certificate that does not chain to the CA given (or, without one, to the system’s)', async () => {
    const pg = await tlsPostgres(forIp);
    servers.push(pg);
    await expect(loginTarget(cfg(pg.port, 'verify-ca', forName.caCert), null, {}, 1 << 20)).rejects.toThrow(/TLS to 127\.0\.0\.1 failed/);
    await expect(loginTarget(cfg(pg.port, 'verify-ca'), null, {}, 1 << 20)).rejects.toThrow(/TLS to 127\.0\.0\.1 failed/);
    const required = await loginTarget(cfg(pg.port, 'require'), null, {}, 1 << 20);
    required.socket.destroy();
  });
});
