/**
 * kubectl exec and attach end to end: real kubectl (1.30 on: exec over WebSocket) and @kubernetes/client-node →
 * hoop connect's local TLS port → gateway → agent → the test kit's Kubernetes API server. The upgrade is made as the
 * hoop user; the command is judged by the shell guard before anything reaches the cluster (every spelling of it);
 * output is masked and recorded as terminal frames; an exec into a production namespace waits for a reviewer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeApiServer, kubectlBinaries, type StackUser, startKubeApiServer, startTestStack, type TestStack, waitFor } from '@hoop/devstack';

const POLICY = {
  name: 'k8s-exec',
  connections: { names: ['prod-k8s'] },
  kubernetes: { productionNamespaces: ['payments'] },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

const websocketKubectl = kubectlBinaries().filter((b) => b.minor >= 30);
const dir = mkdtempSync(path.join(tmpdir(), 'hoop-k8s-exec-'));
const kubeconfig = path.join(dir, 'kubeconfig');
let kube: KubeApiServer;
let stack: TestStack;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let rita: StackUser;

const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });

beforeAll(async () => {
  kube = await startKubeApiServer({ namespaces: ['default', 'payments', 'dev'], rbac: [{ subjects: ['group:hoop:admin'], verbs: ['*'], resources: ['*'] }] });
  kube.put('pods', 'dev', pod('box'));
  kube.put('pods', 'payments', pod('till'));
  stack = await startTestStack();
  await stack.addConnection('prod-k8s', 'kubernetes', { server: kube.url, caCert: kube.caPem }, kube.token);
  rita = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = path.join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  conn = await stack.connect('prod-k8s', { args: ['--kubeconfig', kubeconfig] });
}, 180_000);

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await kube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = websocketKubectl.at(-1)!.path;
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      ['--context', 'hoop-prod-k8s', ...args],
      { timeout: 90_000, env: { HOME: dir, PATH: '/usr/bin:/bin', KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** the trail's events of a type, once `ready` holds of them */
function trail(type: string, ready: (data: Record<string, unknown>[]) => boolean) {
  return waitFor(
    `${type} events`,
    async () => {
      const rows = await stack.db.auditEvent.findMany({ where: { type }, orderBy: [{ at: 'asc' }] });
      const data = rows.map((e) => e.data as Record<string, unknown>);
      return ready(data) ? data : null;
    },
    { timeoutMs: 15_000 },
  );
}

// these check the WebSocket channel protocol (v5), which kubectl speaks from 1.30 on; SPDY exec is tested in kubernetes-spdy.test.ts
describe.skipIf(websocketKubectl.length === 0)('kubectl exec through hoop', () => {
  it('runs as the hoop user, masks the output, keeps the exit code, and records terminal frames', async () => {
    const r = await kubectl(['exec', '-n', 'dev', 'box', '--', 'sh', '-c', 'echo mail ann@example.com; exit 3']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^mail \S+\n$/);
    expect(r.stdout).not.toContain('ann@example.com');
    const at = kube.execs.at(-1)!;
    expect([at.user, at.command, at.protocol]).toEqual(['admin@test.local', ['sh', '-c', 'echo mail ann@example.com; exit 3'], 'v5.channel.k8s.io']);
    const frames = await trail('term.output', (d) => d.some((e) => String(e.d).startsWith('mail ')));
    expect(JSON.stringify(frames)).not.toContain('ann@example.com');
    const statements = await trail('statement', (d) => d.some((e) => (e.upgrade as { exitCode?: number } | undefined)?.exitCode === 3));
    expect(statements.find((e) => (e.upgrade as { exitCode?: number } | undefined)?.exitCode === 3)).toMatchObject({
      status: 101,
      decision: 'allow',
      kubernetes: { verb: 'exec', namespace: 'dev', name: 'box' },
      upgrade: { read: true, command: `sh -c 'echo mail [EMAIL]; exit 3'` },
    });
  });

  it('passes stdin through', async () => {
    const r = await kubectl(['exec', '-i', '-n', 'dev', 'box', '--', 'cat'], 'line one\nline two\n');
    expect(r).toMatchObject({ code: 0, stdout: 'line one\nline two\n' });
  });

  it('refuses rm -rf / however the command is spelled, the cluster never asked', async () => {
    const before = kube.execs.length;
    for (const command of [
      ['rm', '-rf', '/'],
      ['sh', '-c', 'rm -rf /'],
      ['bash', '-c', "sh -c 'rm -rf --no-preserve-root /'"],
      ['env', 'rm', '-r', '-f', '/'],
    ]) {
      const r = await kubectl(['exec', '-n', 'dev', 'box', '--', ...command]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('blocked by hoop guardrail');
    }
    expect(kube.execs.length).toBe(before);
    // kubectl tries SPDY after the WebSocket upgrade is refused: its command judged, and refused, the same way
    const commands = await trail('command', (d) => d.some((e) => e.command === 'env rm -r -f /'));
    expect(commands.filter((e) => e.decision === 'deny').map((e) => e.command)).toEqual(
      expect.arrayContaining(['rm -rf /', `sh -c 'rm -rf /'`, `bash -c 'sh -c '\\''rm -rf --no-preserve-root /'\\'''`, 'env rm -r -f /']),
    );
  });

  it('holds an exec into a production namespace until a reviewer approves it', async () => {
    const held = kubectl(['exec', '-n', 'payments', 'till', '--', 'hostname']);
    const review = await waitFor(
      'a pending review',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: 'till' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review.ruleId).toBe('kubernetes-exec-production');
    expect(kube.execs.some((e) => e.pod === 'till')).toBe(false);
    await stack.vote(review.id, rita, 'approve');
    expect(await held).toMatchObject({ code: 0, stdout: 'till\n' });
  });
});

describe('@kubernetes/client-node exec through hoop', () => {
  it('streams stdin and stdout, and gives the final Status', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext('hoop-prod-k8s');
    let out = '';
    const stdout = new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    const stdin = new PassThrough();
    const status = new Promise<unknown>((resolve, reject) => {
      new Exec(kc).exec('dev', 'box', 'app', ['cat'], stdout, null, stdin, false, resolve).catch(reject);
    });
    stdin.write('card 4111 1111 1111 1111\n');
    stdin.end('bye\n');
    expect(await status).toEqual({ metadata: {}, status: 'Success' });
    expect(out).not.toContain('4111 1111 1111 1111');
    expect(out.endsWith('bye\n')).toBe(true);
    expect(kube.execs.at(-1)!.stdin).toBe('card 4111 1111 1111 1111\nbye\n');
    const denied = await new Promise<unknown>((resolve, reject) => {
      new Exec(kc).exec('dev', 'box', 'app', ['sh', '-c', 'rm -rf /'], stdout, null, null, false, resolve).catch(reject);
    }).catch((e: unknown) => e);
    expect(String((denied as Error).message ?? denied)).toMatch(/403|blocked by hoop guardrail/);
  });
});
