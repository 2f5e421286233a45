import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { certificateCovers, issuedBy } from '@hoop/pgfront';
import { afterAll, describe, expect, it } from 'vitest';
import { pgFront } from './connect-pg';

const root = mkdtempSync(path.join(tmpdir(), 'hoop-connect-tls-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const front = (configDir: string, host: string) => pgFront({ configDir, host, password: 'pw', noPassword: false, requireTls: false });
const read = (dir: string, f: string) => readFileSync(path.join(dir, 'connect-tls', f), 'utf8');

/** A TLS handshake with the front's certificate, verified against `ca` for `servername`: null when trusted, else why not. */
async function verify(context: tls.SecureContext, ca: string, servername: string): Promise<string | null> {
  const server = net.createServer((socket) => {
    const s = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    s.on('secure', () => s.end());
    s.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<string | null>((resolve) => {
      const c = tls.connect({ host: '127.0.0.1', port, ca, servername }, () => {
        c.destroy();
        resolve(null);
      });
      c.on('error', (err) => resolve(err.message));
    });
  } finally {
    server.close();
  }
}

describe("hoop connect's local certificate", () => {
  it('keeps its CA when the listening host changes: a new server certificate from the same CA names the new host', async () => {
    const dir = mkdtempSync(path.join(root, 'a-'));
    const first = await front(dir, '127.0.0.1');
    const ca = read(dir, 'ca.crt');
    expect(first.caFile).toBe(path.join(dir, 'connect-tls', 'ca.crt'));
    expect(statSync(path.join(dir, 'connect-tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(await verify(first.tls, ca, 'localhost')).toBeNull();
    expect(await verify(first.tls, ca, 'laptop.lan')).toMatch(/laptop\.lan/);
    const firstCert = read(dir, 'server.crt');

    // the same host again: nothing is made anew
    await front(dir, '127.0.0.1');
    expect(read(dir, 'server.crt')).toBe(firstCert);

    const second = await front(dir, 'laptop.lan');
    expect(read(dir, 'ca.crt')).toBe(ca);
    const cert = read(dir, 'server.crt');
    expect(cert).not.toBe(firstCert);
    expect(issuedBy(cert, ca)).toBe(true);
    expect(certificateCovers(cert, ['laptop.lan', 'localhost', '127.0.0.1'])).toBe(true);
    expect(await verify(second.tls, ca, 'laptop.lan')).toBeNull();
    expect(await verify(second.tls, ca, 'localhost')).toBeNull();
  });

  it('makes a new CA when the kept one has no key (kept by an older hoop), and keeps that one after', async () => {
    const dir = mkdtempSync(path.join(root, 'b-'));
    await front(dir, '127.0.0.1');
    const oldCa = read(dir, 'ca.crt');
    unlinkSync(path.join(dir, 'connect-tls', 'ca.key'));
    const f = await front(dir, 'other.lan');
    const ca = read(dir, 'ca.crt');
    expect(ca).not.toBe(oldCa);
    expect(await verify(f.tls, ca, 'other.lan')).toBeNull();
    expect(await verify(f.tls, oldCa, 'other.lan')).not.toBeNull();
    await front(dir, 'third.lan');
    expect(read(dir, 'ca.crt')).toBe(ca);
  });
});
