/**
 * kubernetes connections end to end: real kubectl → hoop connect's local TLS port (the kubeconfig context it writes)
 * → gateway → agent → the test kit's Kubernetes API server (kube-stack.ts). Each request is made as the hoop user
 * (impersonation); kubectl's own --as never reaches the server; guardrails refuse and hold requests; Secret values are
 * redacted in gets, lists and watches; logs and watches stream as they come.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { waitFor } from '@hoop/devstack';
import { bins, HUNTER, type KubeStack, pod, REDACTED_B64, run, startKubeStack } from './kube-stack';

let k: KubeStack;
let kube: KubeStack['kube'];
let stack: KubeStack['stack'];
let conn: KubeStack['conn'];
let kubeconfig: string;
let dir: string;
const kubectl = (...a: Parameters<KubeStack['kubectl']>) => k.kubectl(...a);
const follow = (...a: Parameters<KubeStack['follow']>) => k.follow(...a);
const exists = (...a: Parameters<KubeStack['exists']>) => k.exists(...a);

beforeAll(async () => {
  k = await startKubeStack();
  ({ kube, stack, conn, kubeconfig, dir } = k);
}, 180_000);

afterAll(async () => {
  await k?.stop();
});

describe('hoop connect on a kubernetes connection', () => {
  it('writes a kubeconfig context that trusts hoop’s local CA, never skipping verification', () => {
    const text = readFileSync(kubeconfig, 'utf8');
    expect(text).toContain('name: hoop-prod-k8s');
    expect(text).toContain(`server: https://127.0.0.1:${conn.port}`);
    expect(text).toContain('certificate-authority-data:');
    expect(text).not.toContain('insecure-skip-tls-verify');
    expect(text).not.toContain(kube.token);
    expect(conn.output()).toContain('kubectl --context hoop-prod-k8s get pods');
  });

  it('asks every local request for the run’s token, over TLS that verifies against hoop’s CA', async () => {
    const doc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
    const ca = path.join(dir, 'local-ca.pem');
    writeFileSync(ca, Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64'));
    const url = `https://127.0.0.1:${conn.port}/api/v1/namespaces`;
    const anon = await run('curl', ['-sS', '--cacert', ca, url]);
    expect(JSON.parse(anon.stdout)).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    const wrong = await run('curl', ['-sS', '--cacert', ca, '-H', 'authorization: Bearer hoop-local-guess', url]);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ code: 401 });
    const ok = await run('curl', ['-sS', '--cacert', ca, '-H', `authorization: Bearer ${doc.users[0].user.token}`, url]);
    expect(JSON.parse(ok.stdout).kind).toBe('NamespaceList');
  });

  it('merges into a kubeconfig of hoop’s own by default and says how to use it', async () => {
    const second = await stack.connect('prod-k8s');
    try {
      const file = /export KUBECONFIG=(\S+)/.exec(second.output())?.[1];
      expect(file, second.output()).toBe(path.join(path.dirname(stack.configFile), 'kubeconfig'));
      const doc = YAML.parse(readFileSync(file!, 'utf8'));
      expect(doc['current-context']).toBe('hoop-prod-k8s');
      expect(doc.clusters.map((c: { cluster: { server: string } }) => c.cluster.server)).toEqual([`https://127.0.0.1:${second.port}`]);
    } finally {
      await second.stop();
    }
  });
});

// needs a kubectl: npm test installs Debian's kubernetes-client where none is found
describe.skipIf(bins.length === 0)('kubectl through hoop', () => {
  const bin = bins.at(-1)!.path;

  it('gets, lists and describes as the hoop user: impersonated, with the client’s own Impersonate-* headers dropped', async () => {
    const before = kube.requests.length;
    const pods = await kubectl(bin, ['get', 'pods', '-n', 'payments']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/web-1\s+1\/1\s+Running/);
    const described = await kubectl(bin, ['describe', 'pod', 'web-1', '-n', 'payments']);
    expect(described.stdout).toMatch(/Name:\s+web-1/);
    // kubectl's own --as and --as-group become Impersonate-* headers: hoop drops them, the request is still the user's
    const spoof = await kubectl(bin, ['get', 'pods', '-n', 'payments', '--as', 'system:admin', '--as-group', 'system:masters']);
    expect(spoof.code, spoof.stderr).toBe(0);
    const seen = kube.requests.slice(before).filter((r) => r.resource === 'pods');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const r of seen) {
      expect([r.user, r.impersonated, r.caller]).toEqual(['admin@test.local', true, 'system:serviceaccount:hoop:hoop-agent']);
      expect(r.groups).toContain('hoop:admin');
      expect(r.groups).not.toContain('system:masters');
      expect(JSON.stringify(r.headers)).not.toContain('hoop-local-');
    }
  });

  it('redacts Secret data in get -o yaml and -o json, lists and watches, while the cluster keeps the value', async () => {
    const yaml = await kubectl(bin, ['get', 'secret', 'db-creds', '-n', 'payments', '-o', 'yaml']);
    expect(yaml.stdout).toContain(`config: ${REDACTED_B64}`);
    expect(yaml.stdout).not.toContain(HUNTER);
    const list = JSON.parse((await kubectl(bin, ['get', 'secrets', '-n', 'payments', '-o', 'json'])).stdout);
    expect(list.items[0].data).toEqual({ config: REDACTED_B64 });
    const table = await kubectl(bin, ['get', 'secrets', '-n', 'payments']);
    expect(table.stdout).toMatch(/db-creds\s+Opaque\s+1/);
    const raw = await kubectl(bin, ['get', '--raw', '/api/v1/namespaces/payments/secrets?fieldSelector=metadata.name%3Ddb-creds']);
    expect(raw.stdout).not.toContain(HUNTER);
    const watch = follow(bin, ['get', 'secrets', '-n', 'payments', '-w', '-o', 'json']);
    await watch.until('db-creds');
    kube.put('secrets', 'payments', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'later' },
      data: { token: Buffer.from('s3cr3t-later').toString('base64') },
    });
    await watch.until('"later"');
    watch.stop();
    expect(watch.out).not.toContain(Buffer.from('s3cr3t-later').toString('base64'));
    expect(watch.out).not.toContain(HUNTER);
    const kept = kube.store.get('secrets', 'payments', 'db-creds') as { data?: Record<string, string> };
    expect(Buffer.from(kept.data?.config ?? '', 'base64').toString()).toBe('hunter2');
  });

  it('follows logs and watches as the lines and changes come', async () => {
    kube.log('payments', 'web-1', 'first line');
    const logs = follow(bin, ['logs', '-f', 'web-1', '-n', 'payments']);
    await logs.until('first line\n');
    kube.log('payments', 'web-1', 'second line');
    await logs.until('second line\n');
    const watch = follow(bin, ['get', 'pods', '-n', 'payments', '-w']);
    await watch.until('web-1');
    kube.put('pods', 'payments', pod('web-2'));
    await watch.until('web-2');
    logs.stop();
    watch.stop();
  });

  it('applies manifests; refuses deleting a namespace with a Status kubectl prints', async () => {
    const file = path.join(dir, 'cm.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'dev' }, data: { a: 'b' } }));
    const applied = await kubectl(bin, ['apply', '--validate=false', '-f', file]);
    expect(applied.stdout, applied.stderr).toContain('configmap/app created');
    const denied = await kubectl(bin, ['delete', 'ns', 'payments']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error from server (Forbidden): blocked by hoop guardrail "kubernetes-delete-namespace"');
    expect(exists('namespaces', undefined, 'payments')).toBe(true);
  });

  it('execs through the upgrade relay in a namespace not marked production', async () => {
    kube.put('pods', 'dev', pod('shell'));
    const r = await kubectl(bin, ['exec', 'shell', '-n', 'dev', '--', 'echo', 'hello', 'there']);
    expect([r.code, r.stdout], r.stderr).toEqual([0, 'hello there\n']);
    expect(kube.execs.at(-1)).toMatchObject({ user: 'admin@test.local' });
  });

  it('applies a Secret: its value reaches the cluster, never the answers, the last-applied copy or the trail', async () => {
    const file = path.join(dir, 'applied-secret.json');
    const value = Buffer.from('applied-s3cret').toString('base64');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'applied', namespace: 'dev' }, data: { key: value } }));
    const applied = await kubectl(bin, ['apply', '--validate=false', '-f', file]);
    expect(applied.stdout, applied.stderr).toContain('secret/applied created');
    const kept = kube.store.get('secrets', 'dev', 'applied') as { data?: Record<string, string> };
    expect(kept.data?.key).toBe(value);
    const got = await kubectl(bin, ['get', 'secret', 'applied', '-n', 'dev', '-o', 'json']);
    expect(got.stdout).not.toContain(value);
    expect(JSON.parse(JSON.parse(got.stdout).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data).toEqual({ key: REDACTED_B64 });
    const trail = await waitFor(
      'the apply in the trail',
      async () => {
        const rows = await stack.db.auditEvent.findMany({ where: { type: 'statement' } });
        return rows.some((e) => String((e.data as { sql?: unknown }).sql).includes('/namespaces/dev/secrets')) ? rows : null;
      },
      { timeoutMs: 15_000 },
    );
    expect(JSON.stringify(trail.map((e) => e.data))).not.toContain(value);
  });

  it('masks other answers like an http connection’s: personal data in a ConfigMap', async () => {
    kube.put('configmaps', 'dev', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contacts' }, data: { oncall: 'ann.lee@example.com' } });
    const r = await kubectl(bin, ['get', 'cm', 'contacts', '-n', 'dev', '-o', 'json']);
    expect(r.stdout).not.toContain('ann.lee@example.com');
    expect(JSON.parse(r.stdout).data.oncall).toContain('[EMAIL]');
  });

  it('holds an exec into a production namespace for review, then runs it', async () => {
    kube.put('pods', 'payments', pod('prod-shell'));
    const held = kubectl(bin, ['exec', 'prod-shell', '-n', 'payments', '--', 'echo', 'approved', 'run']);
    const review = await waitFor(
      'a pending review of the exec',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: 'prod-shell' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review.ruleId).toBe('kubernetes-exec-production');
    expect(kube.execs.some((e) => e.pod === 'prod-shell')).toBe(false);
    await stack.vote(review.id, k.rita, 'approve');
    const r = await held;
    expect([r.code, r.stdout], r.stderr).toEqual([0, 'approved run\n']);
  });

  it('holds a pod delete for review and runs it once approved', async () => {
    kube.put('pods', 'payments', pod('doomed'));
    const held = kubectl(bin, ['delete', 'pod', 'doomed', '-n', 'payments', '--wait=false']);
    const review = await waitFor(
      'a pending review',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: '/pods/doomed' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review.ruleId).toBe('pod-deletes-reviewed');
    expect(exists('pods', 'payments', 'doomed')).toBe(true);
    await stack.vote(review.id, k.rita, 'approve');
    const r = await held;
    expect(r.stdout, r.stderr).toContain('pod "doomed" deleted');
    expect(exists('pods', 'payments', 'doomed')).toBe(false);
  });
});
