/**
 * kubernetes connections end to end: real kubectl → hoop connect's local TLS port (the kubeconfig context it writes)
 * → gateway → agent → the test kit's Kubernetes API server. Each request is made as the hoop user (impersonation);
 * the client's own Impersonate-* headers never reach the server; guardrails refuse and hold requests; Secret values
 * are redacted in gets, lists and watches; logs and watches stream as they come; each request is recorded.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  callMcpTool,
  hoopMcpServer,
  type KubeApiServer,
  kubectlBinaries,
  type StackUser,
  startKubeApiServer,
  startTestStack,
  type TestStack,
  waitFor,
} from '@hoop/devstack';

const REDACTED_B64 = Buffer.from('[REDACTED]').toString('base64');
const HUNTER = Buffer.from('hunter2').toString('base64');
const POLICY = {
  name: 'k8s-guard',
  connections: { names: ['prod-k8s'] },
  kubernetes: {
    productionNamespaces: ['payments'],
    rules: [{ id: 'pod-deletes-reviewed', action: 'review', match: { verbs: ['delete'], resources: ['pods'], namespaces: ['payments'] } }],
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

const bins = kubectlBinaries();
const dir = mkdtempSync(path.join(tmpdir(), 'hoop-k8s-e2e-'));
const kubeconfig = path.join(dir, 'kubeconfig');
let kube: KubeApiServer;
let stack: TestStack;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let rita: StackUser;

const exists = (resource: string, namespace: string | undefined, name: string) => kube.store.get(resource, namespace, name).kind !== 'Status';
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });

beforeAll(async () => {
  kube = await startKubeApiServer({
    namespaces: ['default', 'payments', 'dev'],
    rbac: [{ subjects: ['group:hoop:admin'], verbs: ['*'], resources: ['*'] }],
  });
  kube.put('pods', 'payments', pod('web-1'));
  kube.put('secrets', 'payments', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds' }, data: { config: HUNTER }, type: 'Opaque' });
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

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (cmd: string, args: string[]) =>
  new Promise<Run>((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

const env = () => ({ HOME: dir, PATH: '/usr/bin:/bin', KUBECONFIG: kubeconfig });

function kubectl(bin: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(bin, ['--context', 'hoop-prod-k8s', ...args], { timeout: 90_000, env: env() }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** a kubectl left running (logs -f, get -w): its output as it comes, and a wait for a text in it */
function follow(bin: string, args: string[]) {
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
}

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

  it.skipIf(bins.at(-1)!.minor < 30)('execs through the upgrade relay in a namespace not marked production', async () => {
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

  it.skipIf(bins.at(-1)!.minor < 30)('holds an exec into a production namespace for review, then runs it', async () => {
    kube.put('pods', 'payments', pod('prod-shell'));
    const held = kubectl(bin, ['exec', 'prod-shell', '-n', 'payments', '--', 'echo', 'approved', 'run']);
    const review = await waitFor(
      'a pending review of the exec',
      async () => (await stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: 'prod-shell' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review.ruleId).toBe('kubernetes-exec-production');
    expect(kube.execs.some((e) => e.pod === 'prod-shell')).toBe(false);
    await stack.vote(review.id, rita, 'approve');
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
    await stack.vote(review.id, rita, 'approve');
    const r = await held;
    expect(r.stdout, r.stderr).toContain('pod "doomed" deleted');
    expect(exists('pods', 'payments', 'doomed')).toBe(false);
  });
});

/** one request to the local port with the run's token, its answer read until `enough` holds of it or it ends */
function local(pathAndQuery: string, headers: Record<string, string> = {}, enough: (body: string) => boolean = () => false) {
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
}

describe('Secret redaction and impersonation cannot be talked around', () => {
  const SECRET_PATH = '/api/v1/namespaces/payments/secrets/db-creds';
  it('asks the API server for JSON whatever the client accepts, and redacts every spelling of the path', async () => {
    for (const [p, h] of [
      [SECRET_PATH, { accept: 'application/vnd.kubernetes.protobuf' }],
      [SECRET_PATH, { accept: 'application/vnd.kubernetes.protobuf, application/yaml;q=0.9, */*;q=0.1' }],
      [SECRET_PATH, { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' }],
      [`${SECRET_PATH}/`, {}],
      ['/api/v1/namespaces/dev/../payments/secrets/db-creds', {}],
      ['/api/v1/namespaces/payments/./secrets//db-creds', {}],
      ['/api/v1/namespaces/%70ayments/secrets/db-creds', {}],
      ['/api/v1/namespaces/payments/secrets?fieldSelector=metadata.name%3Ddb-creds', {}],
      ['/api/v1/secrets', {}],
    ] as const) {
      const r = await local(p, h);
      expect(r.body, p).not.toContain(HUNTER);
      expect(r.type, p).toContain('application/json');
    }
    const seen = kube.requests.filter((r) => r.resource === 'secrets');
    expect(
      seen.every((r) =>
        String(r.headers.accept)
          .split(',')
          .every((a) => a.trim().startsWith('application/json')),
      ),
    ).toBe(true);
  });

  it('redacts a watch asked for with watch=1, event by event as they come', async () => {
    const r = await local('/api/v1/namespaces/payments/secrets?watch=1', {}, (b) => b.includes('db-creds'));
    expect(r.body).toContain('"type":"ADDED"');
    expect(r.body).not.toContain(HUNTER);
  });

  it('refuses paths read differently by servers and proxying to pods', async () => {
    const encoded = await local('/api/v1/namespaces/payments%2Fsecrets/db-creds');
    expect(encoded.status).toBe(400);
    expect(JSON.parse(encoded.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const proxy = await local('/api/v1/namespaces/payments/pods/web-1/proxy/');
    expect(JSON.parse(proxy.body)).toMatchObject({ kind: 'Status', code: 403, message: expect.stringContaining('kubernetes-proxy') });
  });

  it('drops every Impersonate-* header a client sends, whatever its case', async () => {
    const before = kube.requests.length;
    const r = await local('/api/v1/namespaces/payments/pods', {
      'Impersonate-User': 'system:admin',
      'impersonate-group': 'system:masters',
      'IMPERSONATE-UID': 'x',
      'Impersonate-Extra-Scopes': 'all',
    });
    expect(r.status).toBe(200);
    const [rec] = kube.requests.slice(before);
    expect([rec!.user, rec!.groups.includes('system:masters')]).toEqual(['admin@test.local', false]);
    expect(
      Object.keys(rec!.headers)
        .filter((k) => k.startsWith('impersonate-'))
        .sort(),
    ).toEqual(['impersonate-group', 'impersonate-user']);
  });
});

describe('hoop exec and hoop policy test on a kubernetes connection', () => {
  it('runs one request and prints its answer, Secrets redacted', async () => {
    const r = await stack.cli(['exec', 'prod-k8s', '-i', 'GET /api/v1/namespaces/payments/secrets/db-creds']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).data).toEqual({ config: REDACTED_B64 });
    const denied = await stack.cli(['exec', 'prod-k8s', '-i', 'DELETE /api/v1/namespaces/dev']);
    expect(denied.code).toBe(3);
    expect(denied.stdout).toContain('"kind":"Status"');
  });

  it('judges a kubectl command line as the agent would', async () => {
    const r = await stack.cli(['policy', 'test', '-c', 'prod-k8s', 'kubectl delete ns payments']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/DENY\s+kubernetes-delete-namespace\s+delete\s+namespaces/);
    const ok = await stack.cli(['policy', 'test', '-c', 'prod-k8s', 'kubectl get pods -n payments']);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining('result: allow')]);
    const raw = await stack.cli(['policy', 'test', '-c', 'prod-k8s', 'DELETE /api/v1/namespaces/payments/pods/web-1']);
    expect(raw.stdout).toContain('needs approval by "pod-deletes-reviewed"');
  });

  it('tests the connection: the API server version, the token, and timings', async () => {
    const r = await stack.cli(['admin', 'connection', 'test', 'prod-k8s', '-o', 'json']);
    const got = JSON.parse(r.stdout);
    expect(got, r.stderr).toMatchObject({ ok: true, target: { ok: true, serverVersion: 'v1.32.0-hoop-testkit' } });
    expect(got.target.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['credential', 'pass'],
      ['settings', 'pass'],
      ['connect', 'pass'],
      ['login', 'pass'],
      ['impersonate', expect.stringMatching(/^(pass|warn)$/)],
    ]);
    expect(got.target.steps.every((s: { ms: unknown }) => typeof s.ms === 'number')).toBe(true);
    expect(JSON.stringify(got)).not.toContain(kube.token);
  });

  it('serves @kubernetes/client-node through the kubeconfig hoop wrote', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext('hoop-prod-k8s');
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'db-creds', namespace: 'payments' });
    expect(secret.data).toEqual({ config: REDACTED_B64 });
    const pods = await core.listNamespacedPod({ namespace: 'payments' });
    expect(pods.items.map((p) => p.metadata?.name)).toContain('web-1');
    await expect(core.deleteNamespace({ name: 'payments' })).rejects.toThrow(/kubernetes-delete-namespace/);
  });

  it('answers MCP http_request on the kubernetes connection, Secrets redacted and refusals in words', async () => {
    const mcp = new Client({ name: 'k8s-test', version: '1' });
    await mcp.connect(new StdioClientTransport(hoopMcpServer({ HOOP_CONFIG: stack.configFile })));
    try {
      const got = await callMcpTool(mcp, 'http_request', {
        connection: 'prod-k8s',
        method: 'GET',
        path: '/api/v1/namespaces/payments/secrets',
        reason: 'which secrets exist',
      });
      expect(got.isError, got.content[0]?.text).toBeFalsy();
      const answer = got.structuredContent as { status: number; body: string };
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain(HUNTER);
      expect(JSON.parse(answer.body).items[0].metadata.name).toBe('db-creds');
      const denied = await callMcpTool(mcp, 'http_request', {
        connection: 'prod-k8s',
        method: 'DELETE',
        path: '/api/v1/namespaces/payments',
        reason: 'clean up',
      });
      expect(denied.isError).toBe(true);
      expect(denied.content[0]!.text).toMatch(/^blocked by hoop guardrail "kubernetes-delete-namespace"/);
    } finally {
      await mcp.close();
    }
  });

  it('records each request with its verb, resource, namespace and name', async () => {
    const events = await waitFor(
      'the requests in the trail',
      async () => {
        const rows = await stack.db.auditEvent.findMany({ where: { type: 'statement' }, orderBy: [{ at: 'asc' }] });
        const data = rows.map((e) => e.data as Record<string, unknown>);
        return data.some((d) => String(d.sql) === 'DELETE /api/v1/namespaces/payments') ? data : null;
      },
      { timeoutMs: 15_000 },
    );
    expect(events.find((d) => d.sql === 'DELETE /api/v1/namespaces/payments')).toMatchObject({
      decision: 'deny',
      ruleId: 'kubernetes-delete-namespace',
      status: 403,
      kubernetes: { verb: 'delete', resource: 'namespaces', name: 'payments' },
    });
    const secret = events.find((d) => String(d.sql).startsWith('GET /api/v1/namespaces/payments/secrets/db-creds'))!;
    expect(secret).toMatchObject({ decision: 'allow', status: 200, kubernetes: { verb: 'get', resource: 'secrets', namespace: 'payments', name: 'db-creds' } });
    expect(JSON.stringify(events)).not.toContain(HUNTER);
  });
});
