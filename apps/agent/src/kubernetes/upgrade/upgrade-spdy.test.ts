import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuiltinCommand, echoThroughPortForward, kubectlBinaries, PodFiles, rawSpdy, startKubeApiServer } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveFirstThenReject,
  events,
  h,
  last,
  lastStatement,
  setUp,
  startFront,
  statementCount,
  tearDown,
  until,
  writeKubectlConfig,
} from './upgrade-harness';

/**
 * exec, attach and port-forward over SPDY/3.1 through hoop's relay (the harness: a local port → exchange frames →
 * the agent's upgrade handler → the test-kit API server), with real kubectl builds made to speak SPDY.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'hoop-kspdy-'));
let config = '';
let echo: net.Server;

beforeAll(async () => {
  await setUp();
  config = writeKubectlConfig(dir);
  echo = net.createServer((s) => s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase())));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  h.kube.ports.set(8080, (echo.address() as AddressInfo).port);
});

afterAll(async () => {
  echo?.close();
  await tearDown();
  rmSync(dir, { recursive: true, force: true });
});

const env = (more: Record<string, string> = {}) => ({ HOME: dir, PATH: '/usr/bin:/bin', KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', ...more });

function kubectl(bin: string, args: string[], input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(bin, ['--kubeconfig', config, ...args], { env: env() }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** the oldest and newest kubectl found (HOOP_TEST_KUBECTL=/path/to/Debian's 1.20 adds it) */
const binaries = [...new Set([kubectlBinaries()[0], kubectlBinaries().at(-1)])].filter((b) => b !== undefined);

for (const { path: bin, minor } of binaries) {
  describe(`kubectl 1.${minor} exec over SPDY through hoop`, () => {
    it('masks the output (an e-mail, a card number), records terminal frames, carries the exit code', async () => {
      const n = statementCount();
      const r = await kubectl(bin, ['exec', 'box', '--', 'echo', 'mail', 'ann@example.com', 'card', '4111111111111111']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^mail \S+ card \S+\n$/);
      expect(r.stdout).not.toContain('ann@example.com');
      expect(r.stdout).not.toContain('4111111111111111');
      expect(h.kube.execs.at(-1)).toMatchObject({ protocol: 'v4.channel.k8s.io', user: 'alice@example.com' });
      const s = await lastStatement(n + 1);
      expect(s).toMatchObject({ status: 101, executed: true, upgrade: { read: true, exitCode: 0 } });
      expect(events.filter((e) => e.type === 'term.output' && e.data.exchange === s.exchange).map((e) => e.data.d)).toContain(r.stdout);
      expect(JSON.stringify(events)).not.toContain('ann@example.com');
      const failed = await kubectl(bin, ['exec', 'box', '--', 'sh', '-c', 'echo bad >&2; exit 4']);
      expect(failed).toMatchObject({ code: 4, stderr: expect.stringContaining('bad\n') });
      expect(await lastStatement(n + 2)).toMatchObject({ upgrade: { exitCode: 4, read: true } });
    });

    it('judges the lines a shell reads on stdin: a refused rm -rf never reaches the pod', async () => {
      const r = await kubectl(bin, ['exec', '-i', 'box', '--', 'sh'], 'echo one\nrm -rf /\necho two\n');
      expect(r.stdout).toContain('one\n');
      expect(r.stdout).toContain('two\n');
      expect(r.stdout + r.stderr).toContain('blocked by hoop guardrail');
      expect(h.kube.execs.at(-1)!.stdin).toBe('echo one\necho two\n');
      expect(last(events, (e) => e.type === 'command' && e.data.stdin === true && e.data.decision === 'deny')!.data.command).toBe('rm -rf /');
    });

    it('refuses a command the shell guard refuses before the upgrade: the API server never asked', async () => {
      const before = h.kube.execs.length;
      const r = await kubectl(bin, ['exec', 'box', '--', 'sh', '-c', 'rm -rf /']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('blocked by hoop guardrail');
      expect(h.kube.execs.length).toBe(before);
    });

    it('port-forwards a local TCP connection both ways, recorded by its sizes per port', async () => {
      for (const ws of minor >= 31 ? ['false', 'true'] : ['false']) {
        const n = statementCount();
        const child = spawn(bin, ['--kubeconfig', config, 'port-forward', 'pod/box', ':8080'], { env: env({ KUBECTL_PORT_FORWARD_WEBSOCKETS: ws }) });
        await echoThroughPortForward(child, 8080, 'hello pod');
        child.kill();
        const s = await lastStatement(n + 1);
        expect(s).toMatchObject({
          kubernetes: { verb: 'portforward' },
          upgrade: { read: true, ports: { '8080': { connections: 1, bytesIn: 9, bytesOut: 9 } } },
        });
        expect(h.kube.forwards.at(-1)!.protocol).toBe(ws === 'true' ? 'SPDY/3.1+portforward.k8s.io' : 'portforward.k8s.io');
      }
    });
  });
}

const url = (q: string, verb = 'exec') => `http://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/${verb}?${q}`;

describe('SPDY clients kubectl is not: a terminal, attach', () => {
  it('exec -t: output with CRLF masked, resizes recorded', async () => {
    const n = statementCount();
    const c = await rawSpdy(url('command=echo&command=ann@example.com&stdout=true&tty=true'));
    c.open(1, { streamtype: 'error' });
    // the resize before the last stream: the kit's echo runs (and ends) once all are open
    c.open(3, { streamtype: 'resize' });
    c.send(3, '{"Width":120,"Height":40}\n');
    c.open(5, { streamtype: 'stdout' });
    await c.closed;
    expect(c.streams.get(5)!.text).toMatch(/^\S+\r\n$/);
    expect(c.streams.get(5)!.text).not.toContain('ann@example.com');
    expect(c.streams.get(1)!.text).toBe('{"metadata":{},"status":"Success"}');
    await lastStatement(n + 1);
    expect(last(events, (e) => e.type === 'term.start')!.data).toMatchObject({ tty: true });
    expect(last(events, (e) => e.type === 'term.resize')!.data).toMatchObject({ cols: 120, rows: 40 });
    expect(h.kube.execs.at(-1)!.resizes).toEqual([{ Width: 120, Height: 40 }]);
  });

  it('attach: the container’s output masked, stdin passed in', async () => {
    const c = await rawSpdy(url('stdin=true&stdout=true&stderr=true', 'attach'));
    c.open(1, { streamtype: 'error' });
    c.open(3, { streamtype: 'stdin' });
    c.open(5, { streamtype: 'stdout' });
    c.open(7, { streamtype: 'stderr' });
    await c.until(() => c.streams.get(7)?.replied === true);
    h.kube.log('shop', 'box', 'order for bob@example.com\n');
    await c.until(() => c.streams.get(5)!.text.includes('order for'));
    expect(c.streams.get(5)!.text).not.toContain('bob@example.com');
    c.send(3, 'typed in\n');
    await c.until(() => c.streams.get(5)!.text.includes('typed in'));
    c.close();
    await c.closed;
  });
});

describe('exec -it over SPDY: the lines typed at the terminal', () => {
  it('go on once judged, as over WebSocket: a refused line split across DATA frames cleared before its Enter', async () => {
    const c = await rawSpdy(url('command=sh&stdin=true&stdout=true&tty=true'));
    c.open(1, { streamtype: 'error' });
    c.open(3, { streamtype: 'stdin' });
    c.open(5, { streamtype: 'stdout' });
    c.open(7, { streamtype: 'resize' });
    const rec = await until(() => h.kube.execs.find((e) => e.tty && e.command[0] === 'sh' && !e.stdin && e.exitCode === null && e.protocol.startsWith('v4')));
    c.send(3, 'echo one\r');
    await until(() => rec.stdin.includes('echo one\r'));
    c.send(3, 'rm -r');
    c.send(3, 'f /\r');
    await c.until(() => c.streams.get(5)!.text.includes('blocked by hoop guardrail "rm-recursive-broad"'));
    await until(() => rec.stdin.endsWith('#\r'));
    expect(rec.stdin).toBe('echo one\rrm -rf /\x05\x15#\r');
    c.send(3, '', true);
    c.send(3, 'rm -rf /\r');
    await c.closed;
    expect(rec.stdin).toBe('echo one\rrm -rf /\x05\x15#\r');
  });
});

describe('exec over SPDY held for review', () => {
  it('waits for the reviewers, then upgrades once approved; a rejection is a Status 403', async () => {
    const asked: string[] = [];
    h.review = approveFirstThenReject(asked);
    const q = `command=python3&command=-c&command=${encodeURIComponent('print(1)')}&stdout=true`;
    const ok = await rawSpdy(url(q));
    const no = await rawSpdy(url(q));
    h.review = null;
    expect(asked[0]).toBe(`kubectl exec -n shop box -- python3 -c 'print(1)'`);
    expect(ok.status).toBe(101);
    ok.open(1, { streamtype: 'error' });
    ok.open(3, { streamtype: 'stdout' });
    await ok.closed;
    expect(JSON.parse(ok.streams.get(1)!.text)).toMatchObject({ reason: 'InternalError' });
    expect(no.status).toBe(403);
    expect(JSON.parse(no.body).message).toContain('review r2 was rejected by bob');
  });
});

describe('backpressure over SPDY', () => {
  it('a client that stops reading holds the output back at the API server; it gets all of it once it reads', async () => {
    const FLOOD = 32 * 1024 * 1024;
    let written = 0;
    const yes: BuiltinCommand = (_args, io) => {
      const chunk = `${'y'.repeat(63)}\n`.repeat(1024);
      const step = () => {
        for (let i = 0; i < 8 && written < FLOOD; i++, written += chunk.length) io.write(1, chunk);
        if (written < FLOOD) return void setImmediate(step);
        io.exit(0);
      };
      step();
    };
    const kube = await startKubeApiServer({
      namespaces: ['shop'],
      rbac: [{ subjects: ['group:ops'], verbs: ['*'], resources: ['pods', 'pods/exec'], namespaces: ['shop'] }],
      commands: { yes },
    });
    kube.put('pods', 'shop', { metadata: { name: 'box' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const front = await startFront({ server: kube.url, caCert: kube.caPem, connectTimeoutMs: 5000 }, kube.token);
    const c = await rawSpdy(`http://127.0.0.1:${(front.address() as AddressInfo).port}/api/v1/namespaces/shop/pods/box/exec?command=yes&stdout=true`);
    c.pause();
    const start = h.sent;
    c.open(1, { streamtype: 'error' });
    c.open(3, { streamtype: 'stdout' });
    // what the agent sends settles while the client reads nothing: the rest waits at the API server (the kit's own
    // writes do not wait: they are held in its socket)
    let seen = -1;
    let same = 0;
    await until(() => {
      same = h.sent === seen ? same + 1 : 0;
      seen = h.sent;
      return same >= 20;
    });
    expect(h.sent - start).toBeLessThan(FLOOD / 2);
    c.resume();
    await c.closed;
    expect(c.received).toBeGreaterThanOrEqual(FLOOD + '{"metadata":{},"status":"Success"}'.length);
    expect(c.streams.get(1)!.text).toBe('{"metadata":{},"status":"Success"}');
    await kube.stop();
  });
});

describe('kubectl cp over SPDY', () => {
  // needs a kubectl: npm test installs Debian's kubernetes-client where none is found
  it.skipIf(binaries.length === 0)('a download masked file by file, an upload byte for byte, as over WebSocket', async () => {
    const files = new PodFiles();
    const kube = await startKubeApiServer({
      namespaces: ['shop'],
      rbac: [{ subjects: ['group:ops'], verbs: ['*'], resources: ['pods', 'pods/exec'], namespaces: ['shop'] }],
      commands: files.commands(),
    });
    kube.put('pods', 'shop', { metadata: { name: 'box' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const front = await startFront({ server: kube.url, caCert: kube.caPem, connectTimeoutMs: 5000 }, kube.token);
    const cfg = path.join(dir, 'cp-config');
    const server = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    writeFileSync(cfg, readFileSync(config, 'utf8').replace(`http://127.0.0.1:${h.port}`, server));
    const local = path.join(dir, 'cp');
    mkdirSync(local);
    files.put('/data/report/people.txt', 'owner ann@example.com\nplain line\n');
    const bin = binaries.at(-1)!.path;
    const cp = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(bin, ['--kubeconfig', cfg, 'cp', ...args], { env: env() }, (err, _o, stderr) => resolve({ code: err ? 1 : 0, stderr })),
      );
    const down = await cp(['box:/data/report', path.join(local, 'report')]);
    expect(down.code, down.stderr).toBe(0);
    const people = readFileSync(path.join(local, 'report', 'people.txt'), 'utf8');
    expect(people).toMatch(/^owner \S+\nplain line\n$/);
    expect(people).not.toContain('ann@example.com');
    expect(kube.execs.at(-1)!.protocol).toBe('v4.channel.k8s.io');
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
    writeFileSync(path.join(local, 'up.bin'), bytes);
    const up = await cp([path.join(local, 'up.bin'), 'box:/data/up.bin']);
    expect(up.code, up.stderr).toBe(0);
    expect(files.get('/data/up.bin')).toEqual(bytes);
    await kube.stop();
  });
});
