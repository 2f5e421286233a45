import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigFor, kubectlBinaries } from './kubectl';
import { type KubeApiServer, startKubeApiServer } from './server';

/** Real kubectl builds (Debian's 1.20, and newer where present) against the test-kit API server directly. */

/** the oldest and the newest builds found: what changed between them (discovery, exec's transport) is covered */
const binaries = [...new Set([kubectlBinaries()[0], kubectlBinaries().at(-1)])].filter((b) => b !== undefined);
const dir = mkdtempSync(path.join(tmpdir(), 'hoop-kube-api-'));
let kube: KubeApiServer;
let config: string;

beforeAll(async () => {
  kube = await startKubeApiServer({
    namespaces: ['default', 'team'],
    rbac: [
      { subjects: ['alice'], verbs: ['get', 'list', 'watch'], resources: ['pods', 'pods/log'], namespaces: ['team'] },
      { subjects: ['group:ops'], verbs: ['*'], resources: ['pods/exec'], namespaces: ['team'] },
    ],
  });
  config = path.join(dir, 'config');
  writeFileSync(config, kubeconfigFor({ server: kube.url, caPem: kube.caPem, token: kube.token, namespace: 'team' }));
});

afterAll(async () => {
  await kube?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(bin: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(bin, ['--kubeconfig', config, ...args], { timeout: 60_000, env: { HOME: dir, PATH: '/usr/bin:/bin' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** a kubectl left running (logs -f, get -w): its output as it comes, and a wait for a text in it */
function follow(bin: string, args: string[]) {
  const child = spawn(bin, ['--kubeconfig', config, ...args], { env: { HOME: dir, PATH: '/usr/bin:/bin' } });
  let out = '';
  const waiters: { text: string; resolve(): void }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((x) => out.includes(x.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stderr.on('data', (d: Buffer) => void (out += d.toString()));
  return {
    get out() {
      return out;
    },
    until: (text: string) => (out.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }))),
    stop: () => child.kill(),
  };
}

const pod = (name: string, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });

// needs a kubectl: npm test installs Debian's kubernetes-client where none is found
describe.skipIf(binaries.length === 0)('kubectl against the test-kit API server', () => {
  for (const { path: bin, minor } of binaries) {
    describe(`kubectl 1.${minor}`, () => {
      const n = (s: string) => `${s}-${minor}`;

      it('reads the version and the discovery documents, and lists with the Table kubectl prints', async () => {
        const v = await kubectl(bin, ['version', '-o', 'json']);
        expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe('v1.32.0-hoop-testkit');
        const res = await kubectl(bin, ['api-resources', '--api-group=']);
        expect(res.stdout).toMatch(/pods\s+po\s+v1\s+true\s+Pod/);
        const ns = await kubectl(bin, ['get', 'ns']);
        expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
        expect(ns.stdout).toMatch(/\nteam\s+Active\s+\d+s\n/);
      });

      it('applies, gets, patches, deletes pods; a Status error reads as the real server words it', async () => {
        const file = path.join(dir, `${n('web')}.json`);
        writeFileSync(file, pod(n('web'), { app: 'web' }));
        expect((await kubectl(bin, ['apply', '--validate=false', '-f', file])).stdout).toContain(`pod/${n('web')} created`);
        writeFileSync(file, pod(n('web'), { app: 'web', tier: 'front' }));
        expect((await kubectl(bin, ['apply', '--validate=false', '-f', file])).stdout).toContain(`pod/${n('web')} configured`);
        const got = JSON.parse((await kubectl(bin, ['get', 'pod', n('web'), '-o', 'json'])).stdout);
        expect(got.metadata.labels).toEqual({ app: 'web', tier: 'front' });
        expect(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('front');
        const table = await kubectl(bin, ['get', 'pods', '-l', 'tier=front']);
        expect(table.stdout).toMatch(new RegExp(`${n('web')}\\s+1/1\\s+Running\\s+0`));
        expect((await kubectl(bin, ['get', 'pods', '-l', 'tier!=front'])).stdout).not.toContain(n('web'));
        const missing = await kubectl(bin, ['get', 'pod', 'nope']);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
        expect((await kubectl(bin, ['delete', 'pod', n('web')])).stdout).toContain(`pod "${n('web')}" deleted`);
        expect((await kubectl(bin, ['get', 'pods'])).stdout).not.toContain(n('web'));
      });

      it('creates a secret and a configmap and reads their data back', async () => {
        // `kubectl create secret` of 1.32 sends protobuf, which the kit does not read (README): a manifest is JSON
        const file = path.join(dir, `${n('db')}.json`);
        writeFileSync(
          file,
          JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: n('db') }, data: { password: Buffer.from('hunter2').toString('base64') } }),
        );
        expect((await kubectl(bin, ['apply', '--validate=false', '-f', file])).stdout).toContain('created');
        const s = JSON.parse((await kubectl(bin, ['get', 'secret', n('db'), '-o', 'json'])).stdout);
        expect(Buffer.from(s.data.password, 'base64').toString()).toBe('hunter2');
        expect((await kubectl(bin, ['get', 'secrets'])).stdout).toMatch(new RegExp(`${n('db')}\\s+Opaque\\s+1`));
        writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n('cfg') }, data: { a: 'b' } }));
        expect((await kubectl(bin, ['create', '--validate=false', '-f', file])).code).toBe(0);
        expect((await kubectl(bin, ['get', 'cm', n('cfg'), '-o', 'jsonpath={.data.a}'])).stdout).toBe('b');
        expect((await kubectl(bin, ['create', '--validate=false', '-f', file])).stderr).toContain(`configmaps "${n('cfg')}" already exists`);
      });

      it('follows a log and a watch as the lines and changes come', async () => {
        kube.put('pods', 'team', JSON.parse(pod(n('logger'))));
        kube.log('team', n('logger'), 'first line');
        const logs = follow(bin, ['logs', '-f', n('logger')]);
        await logs.until('first line\n');
        kube.log('team', n('logger'), 'second line');
        await logs.until('second line\n');
        const watch = follow(bin, ['get', 'pods', '-w']);
        await watch.until(n('logger'));
        kube.put('pods', 'team', JSON.parse(pod(n('later'))));
        await watch.until(n('later'));
        logs.stop();
        watch.stop();
      });

      it('acts as the impersonated user, whose RBAC decides', async () => {
        const before = kube.requests.length;
        const ok = await kubectl(bin, ['--as', 'alice', 'get', 'pods']);
        expect(ok.code).toBe(0);
        const denied = await kubectl(bin, ['--as', 'alice', 'get', 'pods', '-n', 'default']);
        expect(denied.stderr).toContain(
          'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
        );
        const mine = kube.requests.slice(before).filter((r) => r.resource === 'pods');
        expect(mine.map((r) => [r.user, r.impersonated, r.caller, r.status])).toEqual([
          ['alice', true, 'system:serviceaccount:hoop:hoop-agent', 200],
          ['alice', true, 'system:serviceaccount:hoop:hoop-agent', 403],
        ]);
      });

      // exec over WebSocket is kubectl 1.30 on; older builds speak SPDY (spdy.test.ts)
      it.skipIf(minor < 30)('execs over the WebSocket channel protocol: output, stdin, exit code, and RBAC on pods/exec', async () => {
        kube.put('pods', 'team', JSON.parse(pod(n('shell'))));
        expect((await kubectl(bin, ['exec', n('shell'), '--', 'echo', 'hello', 'there'])).stdout).toBe('hello there\n');
        expect((await kubectl(bin, ['exec', '-i', n('shell'), '--', 'cat'], 'from stdin\n')).stdout).toBe('from stdin\n');
        const failed = await kubectl(bin, ['exec', n('shell'), '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
        expect([failed.code, failed.stdout]).toEqual([3, 'out\n']);
        expect(failed.stderr).toContain('err\n');
        const denied = await kubectl(bin, ['--as', 'alice', 'exec', n('shell'), '--', 'echo', 'x']);
        expect(denied.stderr).toContain(`pods "${n('shell')}" is forbidden: User "alice" cannot create resource "pods/exec"`);
        expect((await kubectl(bin, ['--as', 'alice', '--as-group', 'ops', 'exec', n('shell'), '--', 'hostname'])).stdout).toBe(`${n('shell')}\n`);
        const last = kube.execs.at(-1)!;
        expect([last.user, last.command, last.protocol, last.exitCode]).toEqual(['alice', ['hostname'], 'v5.channel.k8s.io', 0]);
      });
    });
  }
});
