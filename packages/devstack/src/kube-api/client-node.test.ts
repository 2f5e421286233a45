import https from 'node:https';
import { PassThrough, Writable } from 'node:stream';
import { ApiException, CoreV1Api, Exec, KubeConfig, Log, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigFor } from './kubectl';
import { type KubeApiServer, startKubeApiServer } from './server';

/** @kubernetes/client-node against the test-kit API server directly: typed calls, watch, log follow, exec over WebSocket. */

let kube: KubeApiServer;
let kc: KubeConfig;
let api: CoreV1Api;

beforeAll(async () => {
  kube = await startKubeApiServer({
    namespaces: ['default', 'shop'],
    tokens: { 'carol-token': { user: 'carol', groups: ['system:authenticated'] } },
    rbac: [{ subjects: ['carol'], verbs: ['list'], resources: ['pods'] }],
  });
  kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor({ server: kube.url, caPem: kube.caPem, token: kube.token, namespace: 'shop' }));
  api = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await kube?.stop();
});

const podBody = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
});

/** a writable that keeps what it is given and wakes waiters when a text appears */
function sink() {
  let text = '';
  const waiters: { want: string; resolve(): void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      text += chunk.toString();
      for (const w of waiters.filter((x) => text.includes(x.want))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      cb();
    },
  });
  return {
    stream,
    get text() {
      return text;
    },
    until: (want: string) => (text.includes(want) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ want, resolve }))),
  };
}

/** a raw request with the headers given, its status and JSON body */
function raw(path: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${kube.url}${path}`, { ca: kube.caPem, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => void (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('@kubernetes/client-node against the test-kit API server', () => {
  it('creates, reads, lists by label, and deletes a collection; errors are Status objects', async () => {
    await api.createNamespacedPod({ namespace: 'shop', body: podBody('a', { tier: 'web' }) });
    await api.createNamespacedPod({ namespace: 'shop', body: podBody('b', { tier: 'db' }) });
    const secret = await api.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 'card' }, stringData: {}, data: { n: 'NDI0Mg==' } } });
    expect(secret.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await api.readNamespacedSecret({ namespace: 'shop', name: 'card' })).data).toEqual({ n: 'NDI0Mg==' });
    const web = await api.listNamespacedPod({ namespace: 'shop', labelSelector: 'tier in (web)' });
    expect(web.items.map((p) => p.metadata?.name)).toEqual(['a']);
    const missing = await api.readNamespacedPod({ namespace: 'shop', name: 'zzz' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiException);
    const err = missing as ApiException<string>;
    expect(err.code).toBe(404);
    expect(JSON.parse(err.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "zzz" not found',
      reason: 'NotFound',
      details: { name: 'zzz', kind: 'pods' },
      code: 404,
    });
    await api.deleteCollectionNamespacedPod({ namespace: 'shop', labelSelector: 'tier' });
    expect((await api.listNamespacedPod({ namespace: 'shop' })).items).toEqual([]);
  });

  it('watches from a resourceVersion: the changes after it, one JSON event a line, as they happen', async () => {
    const list = await api.listNamespacedPod({ namespace: 'shop' });
    const events: string[] = [];
    let wake: (() => void) | null = null;
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/shop/pods',
      { resourceVersion: list.metadata?.resourceVersion },
      (type: string, obj: { metadata: { name: string } }) => {
        events.push(`${type} ${obj.metadata.name}`);
        wake?.();
      },
      () => undefined,
    );
    const seen = (n: number) => new Promise<void>((resolve) => (events.length >= n ? resolve() : (wake = () => events.length >= n && resolve())));
    await api.createNamespacedPod({ namespace: 'shop', body: podBody('w') });
    await api.patchNamespacedPod({ namespace: 'shop', name: 'w', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] });
    await api.deleteNamespacedPod({ namespace: 'shop', name: 'w' });
    await seen(3);
    expect(events).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
    req.abort();
  });

  it('follows a log line by line until the pod goes', async () => {
    await api.createNamespacedPod({ namespace: 'shop', body: podBody('logs') });
    kube.log('shop', 'logs', 'one');
    const out = sink();
    const ended = new Promise<void>((resolve) => out.stream.on('finish', resolve));
    await new Log(kc).log('shop', 'logs', 'app', out.stream, { follow: true });
    await out.until('one\n');
    kube.log('shop', 'logs', 'two');
    await out.until('two\n');
    await api.deleteNamespacedPod({ namespace: 'shop', name: 'logs' });
    await ended;
    expect(out.text).toBe('one\ntwo\n');
  });

  it('execs over v5.channel.k8s.io: stdin closed by the close signal, stdout and stderr apart, the final Status', async () => {
    await api.createNamespacedPod({ namespace: 'shop', body: podBody('box') });
    const stdout = sink();
    const stderr = sink();
    const stdin = new PassThrough();
    const status = new Promise<unknown>((resolve) => {
      void new Exec(kc).exec('shop', 'box', 'app', ['cat'], stdout.stream, stderr.stream, stdin, false, resolve);
    });
    stdin.write('line 1\n');
    await stdout.until('line 1\n');
    stdin.end('line 2\n');
    expect(await status).toEqual({ metadata: {}, status: 'Success' });
    expect(stdout.text).toBe('line 1\nline 2\n');
    const out2 = sink();
    const err2 = sink();
    const failed = await new Promise<unknown>((resolve) => {
      void new Exec(kc).exec('shop', 'box', 'app', ['sh', '-c', 'echo oops >&2; exit 7'], out2.stream, err2.stream, null, false, resolve);
    });
    expect(failed).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
    expect([out2.text, err2.text, stderr.text]).toEqual(['', 'oops\n', '']);
    expect(kube.execs.map((e) => [e.command.join(' '), e.protocol, e.exitCode, e.user])).toEqual([
      ['cat', 'v5.channel.k8s.io', 0, 'system:serviceaccount:hoop:hoop-agent'],
      ['sh -c echo oops >&2; exit 7', 'v5.channel.k8s.io', 7, 'system:serviceaccount:hoop:hoop-agent'],
    ]);
  });

  it('refuses an unknown token, and impersonation by a caller not allowed to impersonate', async () => {
    expect(await raw('/api/v1/namespaces/shop/pods', { authorization: 'Bearer wrong' })).toMatchObject({
      status: 401,
      body: { reason: 'Unauthorized', code: 401 },
    });
    const r = await raw('/api/v1/namespaces/shop/pods', { authorization: 'Bearer carol-token', 'impersonate-user': 'admin' });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('users "admin" is forbidden: User "carol" cannot impersonate resource "users" in API group "" at the cluster scope');
    const groups = await raw('/api/v1/namespaces/shop/pods', {
      authorization: `Bearer ${kube.token}`,
      'impersonate-user': 'carol',
      'impersonate-group': ['g1', 'g2'],
    });
    expect(groups.status).toBe(200);
    expect(kube.requests.at(-1)).toMatchObject({ user: 'carol', groups: ['g1', 'g2', 'system:authenticated'], impersonated: true, status: 200 });
  });
});
