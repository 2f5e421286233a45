/**
 * kubectl over SPDY end to end: real kubectl made to speak SPDY for exec (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false;
 * Debian's 1.20 speaks nothing else — HOOP_TEST_KUBECTL names it where it is unpacked) → hoop connect's local TLS
 * port → gateway → agent → the test kit's API server. exec's output is masked and its exit code kept, a shell's
 * stdin judged line by line; port-forward moves a real TCP connection's bytes both ways, over SPDY and over
 * kubectl's WebSocket tunnel, recorded per port.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { echoThroughPortForward, type KubeApiServer, kubectlBinaries, startKubeApiServer, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(path.join(tmpdir(), 'hoop-k8s-spdy-'));
const kubeconfig = path.join(dir, 'kubeconfig');
/** the oldest and newest kubectl found */
const binaries = [...new Set([kubectlBinaries()[0], kubectlBinaries().at(-1)])].filter((b) => b !== undefined);
let kube: KubeApiServer;
let stack: TestStack;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let echo: net.Server;

beforeAll(async () => {
  kube = await startKubeApiServer({ namespaces: ['default', 'dev'], rbac: [{ subjects: ['group:hoop:admin'], verbs: ['*'], resources: ['*'] }] });
  kube.put('pods', 'dev', { metadata: { name: 'box' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
  echo = net.createServer((s) => s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase())));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  kube.ports.set(8080, (echo.address() as AddressInfo).port);
  stack = await startTestStack();
  await stack.addConnection('prod-k8s', 'kubernetes', { server: kube.url, caCert: kube.caPem }, kube.token);
  await stack.startAgent();
  conn = await stack.connect('prod-k8s', { args: ['--kubeconfig', kubeconfig] });
}, 180_000);

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await kube?.stop();
  echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (more: Record<string, string> = {}) => ({
  HOME: dir,
  PATH: '/usr/bin:/bin',
  KUBECONFIG: kubeconfig,
  KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false',
  ...more,
});

function kubectl(bin: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, ['--context', 'hoop-prod-k8s', '-n', 'dev', ...args], { timeout: 90_000, env: env() }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** the statements of the trail, once one matches */
function statement(match: (d: Record<string, unknown>) => boolean) {
  return waitFor(
    'a statement',
    async () => {
      const rows = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: [{ at: 'asc' }] });
      return rows.map((e) => e.data as Record<string, unknown>).find(match) ?? null;
    },
    { timeoutMs: 15_000 },
  );
}

for (const { path: bin, minor } of binaries) {
  describe(`kubectl 1.${minor} over SPDY through hoop`, () => {
    it('exec: output masked, exit code kept, a shell’s refused stdin line never reaching the pod', async () => {
      const r = await kubectl(bin, ['exec', 'box', '--', 'sh', '-c', `echo mail ann@example.com ${minor}; exit 3`]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toMatch(new RegExp(`^mail \\S+ ${minor}\\n$`));
      expect(kube.execs.at(-1)!.protocol).toBe('v4.channel.k8s.io');
      expect(await statement((d) => String((d.upgrade as { command?: string } | undefined)?.command).endsWith(` ${minor}; exit 3'`))).toMatchObject({
        status: 101,
        upgrade: { read: true, exitCode: 3 },
      });
      const sh = await kubectl(bin, ['exec', '-i', 'box', '--', 'sh'], 'echo one\nrm -rf /\necho two\n');
      expect(sh.stdout).toContain('two\n');
      expect(sh.stdout + sh.stderr).toContain('blocked by hoop guardrail');
      expect(kube.execs.at(-1)!.stdin).toBe('echo one\necho two\n');
    });

    it('port-forward: a local TCP connection’s bytes both ways, recorded per port', async () => {
      for (const ws of minor >= 31 ? ['false', 'true'] : ['false']) {
        const child = spawn(bin, ['--context', 'hoop-prod-k8s', '-n', 'dev', 'port-forward', 'pod/box', ':8080'], {
          env: env({ KUBECTL_PORT_FORWARD_WEBSOCKETS: ws }),
        });
        // a length of its own, which finds its statement
        const text = `${'x'.repeat(minor)}${ws}`;
        await echoThroughPortForward(child, 8080, text);
        child.kill();
        expect(kube.forwards.at(-1)!.protocol).toBe(ws === 'true' ? 'SPDY/3.1+portforward.k8s.io' : 'portforward.k8s.io');
        const n = text.length;
        const s = await statement((d) => (d.upgrade as { ports?: Record<string, { bytesIn: number }> } | undefined)?.ports?.['8080']?.bytesIn === n);
        expect(s).toMatchObject({ kubernetes: { verb: 'portforward' }, upgrade: { read: true, ports: { '8080': { connections: 1, bytesOut: n } } } });
      }
    });
  });
}
