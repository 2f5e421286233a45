import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoThroughPortForward, kubeconfigFor, kubectlBinaries } from './kubectl';
import { type KubeApiServer, startKubeApiServer } from './server';
import { rawSpdy } from './spdy-client';

/** The kit's SPDY: exec and attach, port-forward over SPDY and over its WebSocket tunnel, with real kubectl. */

const dir = mkdtempSync(path.join(tmpdir(), 'hoop-kube-spdy-'));
let kube: KubeApiServer;
let config: string;
let echo: net.Server;

beforeAll(async () => {
  kube = await startKubeApiServer({ namespaces: ['default', 'team'] });
  kube.put('pods', 'team', { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
  config = path.join(dir, 'config');
  writeFileSync(config, kubeconfigFor({ server: kube.url, caPem: kube.caPem, token: kube.token, namespace: 'team' }));
  echo = net.createServer((s) => s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase())));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  kube.ports.set(8080, (echo.address() as AddressInfo).port);
});

afterAll(async () => {
  await kube?.stop();
  echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(bin: string, args: string[], input?: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      bin,
      ['--kubeconfig', config, ...args],
      { timeout: 60_000, env: { HOME: dir, PATH: '/usr/bin:/bin', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

const SPDY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };

/** the oldest and the newest builds found (HOOP_TEST_KUBECTL adds Debian's 1.20 where it is unpacked) */
const binaries = [...new Set([kubectlBinaries()[0], kubectlBinaries().at(-1)])].filter((b) => b !== undefined);

for (const { path: bin, minor } of binaries) {
  describe(`kubectl 1.${minor} over SPDY`, () => {
    it('execs: output, stdin, exit code; the command runs as it came', async () => {
      expect(await kubectl(bin, ['exec', 'web', '--', 'echo', 'over', 'spdy'], undefined, SPDY)).toMatchObject({ code: 0, stdout: 'over spdy\n' });
      expect(kube.execs.at(-1)!.protocol).toBe('v4.channel.k8s.io');
      expect((await kubectl(bin, ['exec', '-i', 'web', '--', 'cat'], 'from stdin\n', SPDY)).stdout).toBe('from stdin\n');
      const failed = await kubectl(bin, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], undefined, SPDY);
      expect(failed).toMatchObject({ code: 3, stdout: 'out\n', stderr: expect.stringContaining('err\n') });
      const missing = await kubectl(bin, ['exec', 'web', '--', 'nope'], undefined, SPDY);
      expect(missing.stderr).toContain('executable file not found');
    });

    it('port-forwards a real TCP connection both ways, over SPDY and over the WebSocket tunnel', async () => {
      for (const ws of minor >= 31 ? ['false', 'true'] : ['false']) {
        const child = spawn(bin, ['--kubeconfig', config, 'port-forward', 'pod/web', ':8080'], {
          env: { HOME: dir, PATH: '/usr/bin:/bin', KUBECTL_PORT_FORWARD_WEBSOCKETS: ws },
        });
        await echoThroughPortForward(child, 8080, 'hello pod');
        child.kill();
        const f = kube.forwards.at(-1)!;
        expect(f.protocol).toBe(ws === 'true' ? 'SPDY/3.1+portforward.k8s.io' : 'portforward.k8s.io');
        expect(f.connections[0]).toMatchObject({ port: 8080, bytesIn: 9, bytesOut: 9 });
      }
    });
  });
}

describe('the kit over a raw SPDY client', () => {
  it('a terminal: stdout with CRLF, resizes recorded, stdin to the shell', async () => {
    const c = await rawSpdy(`${kube.url}/api/v1/namespaces/team/pods/web/exec?command=sh&stdin=true&stdout=true&tty=true`, {
      ca: kube.caPem,
      headers: { authorization: `Bearer ${kube.token}` },
    });
    expect([c.status, c.protocol]).toEqual([101, 'v4.channel.k8s.io']);
    c.open(1, { streamtype: 'error' });
    c.open(3, { streamtype: 'stdin' });
    c.open(5, { streamtype: 'stdout' });
    c.open(7, { streamtype: 'resize' });
    c.send(7, '{"Width":100,"Height":30}\n');
    c.send(3, 'echo hi\n');
    await c.until(() => c.streams.get(5)!.text.includes('hi\r\n'));
    c.send(3, 'exit 2\n');
    await c.closed;
    expect(c.streams.get(5)!.text).toBe('# hi\r\n# ');
    expect(JSON.parse(c.streams.get(1)!.text)).toMatchObject({ reason: 'NonZeroExitCode' });
    expect(kube.execs.at(-1)!.resizes).toEqual([{ Width: 100, Height: 30 }]);
  });

  it('a second stdin stream is refused; a frame it cannot read ends the connection with GOAWAY', async () => {
    const c = await rawSpdy(`${kube.url}/api/v1/namespaces/team/pods/web/exec?command=cat&stdin=true&stdout=true`, {
      ca: kube.caPem,
      headers: { authorization: `Bearer ${kube.token}` },
    });
    c.open(1, { streamtype: 'error' });
    c.open(3, { streamtype: 'stdin' });
    c.open(5, { streamtype: 'stdout' });
    c.open(7, { streamtype: 'stdin' });
    c.send(7, 'second\n');
    c.send(3, 'first\n');
    await c.until(() => c.streams.get(5)!.text === 'first\n');
    expect(kube.execs.at(-1)!.refusedStreams).toEqual(['stdin']);
    c.raw(Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 3, 1, 2, 3]));
    await c.closed;
    expect(c.frames.at(-1)).toMatchObject({ type: 'goaway', status: 1 });
  });
});
