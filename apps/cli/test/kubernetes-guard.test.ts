/**
 * kubernetes connections against bypasses and through hoop's other doors: Secret redaction and impersonation for
 * every spelling of a request (accept headers, path spellings, watch=1, proxy), hoop exec, hoop policy test, the
 * connection test, @kubernetes/client-node, MCP http_request, and the trail (kube-stack.ts is the shared stack).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { callMcpTool, hoopMcpServer, waitFor } from '@hoop/devstack';
import { HUNTER, type KubeStack, REDACTED_B64, startKubeStack } from './kube-stack';

let k: KubeStack;
let kube: KubeStack['kube'];
let stack: KubeStack['stack'];
let kubeconfig: string;
const local = (...a: Parameters<KubeStack['local']>) => k.local(...a);

beforeAll(async () => {
  k = await startKubeStack();
  ({ kube, stack, kubeconfig } = k);
}, 180_000);

afterAll(async () => {
  await k?.stop();
});

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
