/**
 * The stack the kubernetes tests share: the test kit's Kubernetes API server (namespaces default, payments, dev; a
 * pod web-1 and a Secret db-creds in payments; RBAC for hoop admins), gateway and agent with the connection prod-k8s
 * and a policy that marks payments as production and holds pod deletes there, and `hoop connect prod-k8s` writing its
 * context into a kubeconfig of the run's own. Helpers run real kubectl on that context and requests on the port.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import YAML from 'yaml';
import { type BuiltinCommand, type KubeApiServer, kubectlBinaries, type StackUser, startKubeApiServer, startTestStack, type TestStack } from '@hoop/devstack';

export const REDACTED_B64 = Buffer.from('[REDACTED]').toString('base64');
export const HUNTER = Buffer.from('hunter2').toString('base64');
const POLICY = {
  name: 'k8s-guard',
  connections: { names: ['prod-k8s'] },
  kubernetes: {
    productionNamespaces: ['payments'],
    rules: [{ id: 'pod-deletes-reviewed', action: 'review', match: { verbs: ['delete'], resources: ['pods'], namespaces: ['payments'] } }],
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

export const bins = kubectlBinaries();
export const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export const run = (cmd: string, args: string[]) =>
  new Promise<Run>((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

/** `commands`: what the kit's containers run beyond its built-in commands (see startKubeApiServer) */
export async function startKubeStack(o: { commands?: Record<string, BuiltinCommand> } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoop-k8s-e2e-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const kube: KubeApiServer = await startKubeApiServer({
    namespaces: ['default', 'payments', 'dev'],
    rbac: [{ subjects: ['group:hoop:admin'], verbs: ['*'], resources: ['*'] }],
    ...(o.commands ? { commands: o.commands } : {}),
  });
  kube.put('pods', 'payments', pod('web-1'));
  kube.put('secrets', 'payments', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds' }, data: { config: HUNTER }, type: 'Opaque' });
  const stack: TestStack = await startTestStack();
  await stack.addConnection('prod-k8s', 'kubernetes', { server: kube.url, caCert: kube.caPem }, kube.token);
  const rita: StackUser = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = path.join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  const conn = await stack.connect('prod-k8s', { args: ['--kubeconfig', kubeconfig] });
  const env = () => ({ HOME: dir, PATH: '/usr/bin:/bin', KUBECONFIG: kubeconfig });

  return {
    dir,
    kubeconfig,
    kube,
    stack,
    rita,
    conn,
    exists: (resource: string, namespace: string | undefined, name: string) => kube.store.get(resource, namespace, name).kind !== 'Status',
    kubectl(bin: string, args: string[], input?: string): Promise<Run> {
      return new Promise((resolve) => {
        const child = execFile(bin, ['--context', 'hoop-prod-k8s', ...args], { timeout: 90_000, env: env() }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        if (input !== undefined) child.stdin!.end(input);
      });
    },
    /** a kubectl left running (logs -f, get -w): its output as it comes, and a wait for a text in it */
    follow(bin: string, args: string[]) {
      const child = spawn(bin, ['--context', 'hoop-prod-k8s', ...args], { env: env() });
      let out = '';
      const waiters: { text: string; resolve(): void }[] = [];
      const feed = (d: Buffer) => {
        out += d.toString();
        for (const w of waiters.filter((x) => out.includes(x.text))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      };
      child.stdout.on('data', feed);
      child.stderr.on('data', feed);
      return {
        get out() {
          return out;
        },
        until: (text: string) => (out.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }))),
        stop: () => child.kill(),
      };
    },
    /** one request to the local port with the run's token, its answer read until `enough` holds of it or it ends */
    local(pathAndQuery: string, headers: Record<string, string> = {}, enough: (body: string) => boolean = () => false) {
      const doc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
      const ca = Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64');
      return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port: conn.port, path: pathAndQuery, ca, headers: { authorization: `Bearer ${doc.users[0].user.token}`, ...headers } },
          (res) => {
            let body = '';
            const done = () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) });
            res.on('data', (d: Buffer) => {
              body += d.toString();
              if (enough(body)) {
                done();
                req.destroy();
              }
            });
            res.on('end', done);
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    async stop() {
      await conn.stop();
      await stack.stop();
      await kube.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type KubeStack = Awaited<ReturnType<typeof startKubeStack>>;
