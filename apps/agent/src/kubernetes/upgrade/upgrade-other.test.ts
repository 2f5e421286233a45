import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { kubectlBinaries } from '@hoop/devstack';
import { generateServerTls } from '@hoop/pgfront';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { events, FLOOD, floodArchive, h, last, lastStatement, setUp, startFront, statementCount, tearDown, until, writeKubectlConfig } from './upgrade-harness';

/** Upgrades through hoop's relay with real kubectl, a raw terminal client, and an upgrade hoop does not read (SPDY). */

beforeAll(setUp);
afterAll(tearDown);

describe('other clients and other upgrades', () => {
  // exec over WebSocket needs kubectl 1.30 or later (older ones speak SPDY: upgrade-spdy.test.ts); skipped where none is installed
  it.skipIf(!kubectlBinaries().some((b) => b.minor >= 30))('real kubectl exec (WebSocket, 1.30 on) through the relay, its exit code kept', async () => {
    const bin = last(kubectlBinaries(), (b) => b.minor >= 30)!.path;
    const dir = mkdtempSync(path.join(tmpdir(), 'hoop-kexec-'));
    const config = writeKubectlConfig(dir);
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(bin, ['--kubeconfig', config, ...args], { env: { HOME: dir, PATH: '/usr/bin:/bin' } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    expect(await run(['exec', 'box', '--', 'sh', '-c', 'echo through hoop; exit 3'])).toMatchObject({ code: 3, stdout: 'through hoop\n' });
    const denied = await run(['exec', 'box', '--', 'rm', '-rf', '/']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('blocked by hoop guardrail');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a terminal: resizes and typed lines recorded, output with CRLF as the tty gives it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/exec?command=sh&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io']);
    let out = '';
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
    });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    const n = statementCount();
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo one\n')]));
    await until(() => out.includes('one\r\n'));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('exit\n')]));
    await closed;
    expect(out).toBe('# one\r\n# ');
    await lastStatement(n + 1);
    expect(last(events, (e) => e.type === 'term.resize')!.data).toMatchObject({ cols: 120, rows: 40 });
    expect(last(events, (e) => e.type === 'term.start')!.data).toMatchObject({ tty: true });
  });

  it('port-forward over SPDY opened at the API server as the hoop user, its headers as hoop sends them', async () => {
    const tls = await generateServerTls(['127.0.0.1']);
    const echo = https.createServer({ cert: tls.cert, key: tls.key }, (_q, r) => r.writeHead(400).end());
    const seen: http.IncomingHttpHeaders[] = [];
    echo.on('upgrade', (req, socket: Duplex) => {
      seen.push(req.headers);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(d));
      socket.on('end', () => socket.end());
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const f = await startFront({ server: `https://127.0.0.1:${(echo.address() as AddressInfo).port}`, caCert: tls.caCert, connectTimeoutMs: 5000 }, 'sa-token');
    const n = statementCount();
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: (f.address() as AddressInfo).port,
        method: 'POST',
        path: '/api/v1/namespaces/shop/pods/box/portforward?ports=8080',
        headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io', 'impersonate-user': 'root' },
      });
      req.on('upgrade', (_res, s) => resolve(s));
      req.on('error', reject);
      req.end();
    });
    socket.end();
    const s = await lastStatement(n + 1);
    expect(seen[0]).toMatchObject({
      upgrade: 'SPDY/3.1',
      'impersonate-user': 'alice@example.com',
      'impersonate-group': 'ops',
      authorization: 'Bearer sa-token',
    });
    expect(seen[0]!['x-stream-protocol-version']).toBe('portforward.k8s.io');
    expect(s).toMatchObject({ status: 101, kubernetes: { verb: 'portforward' }, upgrade: { read: true, ports: {} }, protocol: 'SPDY/3.1' });
    echo.closeAllConnections();
    echo.close();
  });

  it('exec and attach over an upgrade hoop cannot read refused before the API server is asked', async () => {
    const tls = await generateServerTls(['127.0.0.1']);
    let upgrades = 0;
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (_q, r) => r.writeHead(400).end());
    server.on('upgrade', (_req, socket: Duplex) => {
      upgrades++;
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const f = await startFront(
      { server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caCert: tls.caCert, connectTimeoutMs: 5000 },
      'sa-token',
    );
    for (const [path, upgrade, protocol, message] of [
      ['/api/v1/namespaces/shop/pods/box/exec?command=cat&command=%2Fetc%2Fcustomers&stdout=true', 'SPDY/3.1', 'v5.channel.k8s.io', 'over SPDY hoop reads'],
      ['/api/v1/namespaces/shop/pods/box/attach?stdout=true', 'SPDY/3.1', 'base64.channel.k8s.io', 'over SPDY hoop reads'],
      ['/api/v1/namespaces/shop/pods/box/exec?command=ls&stdout=true', 'websocket, SPDY/3.1', 'v4.channel.k8s.io', 'goes over WebSocket or SPDY/3.1'],
    ] as const) {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: (f.address() as AddressInfo).port,
          method: 'POST',
          path,
          headers: { connection: 'Upgrade', upgrade, 'x-stream-protocol-version': protocol },
        });
        req.on('upgrade', () => reject(new Error(`${path} was upgraded`)));
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', code: 403, reason: 'Forbidden' });
      expect(answer.body).toContain(message);
    }
    expect(upgrades).toBe(0);
    server.closeAllConnections();
    server.close();
  });

  it('attach: the container’s output masked as it comes, stdin passed in, as the hoop user', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/attach?stdin=true&stdout=true&stderr=true`, ['v4.channel.k8s.io']);
    let out = '';
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
    });
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    h.kube.log('shop', 'box', 'order for carol@example.com');
    await until(() => out.includes('order for '));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\n')]));
    await until(() => out.includes('typed\n'));
    ws.close();
    expect(out).not.toContain('carol@example.com');
    const at = last(h.kube.execs, (e) => e.kind === 'attach')!;
    expect([at.user, at.protocol, at.stdin]).toEqual(['alice@example.com', 'v4.channel.k8s.io', 'typed\n']);
  });

  it('a client that stops reading holds the API server’s output back instead of hoop taking it all in', async () => {
    const f = await startFront({ server: h.kube.url, caCert: h.kube.caPem, connectTimeoutMs: 5000 }, h.kube.token);
    let early = 0;
    const socket = await new Promise<Duplex>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: (f.address() as AddressInfo).port,
        path: '/api/v1/namespaces/shop/pods/box/exec?command=tar&command=cf&command=-&command=%2Fdata&stdout=true',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
          'sec-websocket-protocol': 'v5.channel.k8s.io',
        },
      });
      req.on('upgrade', (_res, s: Duplex, head: Buffer) => {
        s.pause();
        early = head.length;
        resolve(s);
      });
      req.on('error', reject);
      req.end();
    });
    const start = h.sent;
    await until(() => h.flooded);
    // what the agent sent settles while the client reads nothing: the rest waits at the API server
    let seen = -1;
    let same = 0;
    await until(() => {
      same = h.sent === seen ? same + 1 : 0;
      seen = h.sent;
      return same >= 10;
    });
    expect(h.sent - start).toBeLessThan(FLOOD / 2);
    let received = early;
    let tail = '';
    socket.on('data', (d: Buffer) => {
      received += d.length;
      tail = (tail + d.toString('latin1')).slice(-300);
    });
    socket.resume();
    // all of it, then the error channel's Status; the client (not a WebSocket peer) goes without a close frame
    await until(() => tail.includes('{"metadata":{},"status":"Success"}'));
    expect(received).toBeGreaterThan(FLOOD);
    socket.destroy();
    const s = await until(() => last(events, (e) => e.type === 'statement' && (e.data.upgrade as { command?: string }).command === 'tar cf - /data')?.data);
    const archive = Buffer.concat(floodArchive());
    const expected = createHash('sha256').update(archive).digest('hex');
    expect(s).toMatchObject({ status: 101, upgrade: { read: true, exitCode: 0, binaryStdout: { bytes: archive.length, sha256: expected } } });
  });
});
