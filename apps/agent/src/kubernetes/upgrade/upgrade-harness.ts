import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { type BuiltinCommand, type KubeApiServer, startKubeApiServer } from '@hoop/devstack';
import { ExchangeClient, ExchangeFrameParser, FrameKind, parseRequestHead, relayUpgrade } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import { evaluateKubernetes, parseKubeRequest, type Policy } from '@hoop/pipeline';
import type { AgentConnection, KubernetesTargetConfig } from '@hoop/protocol';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import type { ExchangeContext } from '../../http/context';
import { forwardedHeaders } from '../../http/upstream';
import type { ReviewUpdate } from '../../session/hooks';
import { MemoryBudget } from '../../session/memory-budget';
import { hooksFor, policyFor } from '../../session/policy-hooks';
import { kubeUpgradeHandler } from './index';
import { withSize } from './tar-codec';

/**
 * Upgraded Kubernetes requests through hoop's relay: a local port (httpwire's relayUpgrade, as hoop connect runs
 * it) → exchange frames → the agent's upgrade handler → the test-kit API server, with client-node and raw WebSocket
 * clients. The command guard, impersonation, masking and the recording are the real code.
 */

/** the state the tests share: the test-kit API server, the audit events, the local port, the reviewers' answer */
export const h = {
  kube: null as unknown as KubeApiServer,
  port: 0,
  /** bytes the agent wrote toward the client, on every session */
  sent: 0,
  /** the `tar` command of the kit has written all of its FLOOD bytes */
  flooded: false,
  review: null as ((sql: string, on: (u: ReviewUpdate) => void) => void) | null,
};
export const events: { type: string; data: Record<string, unknown> }[] = [];

/**
 * two ends of one stream, as the tunnel gives the CLI and the agent, with its backpressure: a write waits while the
 * other end holds more than its buffer unread (a tunnel stream's window), so what a slow reader leaves is bounded
 */
function pair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  /** per end: the write of the other end that waits for this one to read */
  const waiting: ((() => void) | null)[] = [null, null];
  const end = (me: number) =>
    new Duplex({
      read() {
        const go = waiting[me];
        waiting[me] = null;
        go?.();
      },
      write(chunk: Buffer, _e, cb) {
        if (ends[1 - me]!.push(chunk)) cb();
        else waiting[1 - me] = cb;
      },
      final(cb) {
        ends[1 - me]!.push(null);
        cb();
      },
    });
  ends.push(end(0), end(1));
  return [ends[0]!, ends[1]!];
}

/** the agent's end of a session: each request frame served by the upgrade handler */
function agentSession(stream: Duplex, server: KubernetesTargetConfig, token: string): void {
  const conn: AgentConnection = { id: 'k1', name: 'prod-k8s', type: 'kubernetes', config: {}, secretRef: null, readOnly: false, policy: null };
  const hooks = hooksFor(() => conn, 'k');
  const ctx: ExchangeContext = {
    target: { origin: server.server, call: () => ({ write: () => true, onDrain: () => undefined, end: () => undefined, abort: () => undefined }) },
    config: { baseUrl: server.server, authType: 'bearer', connectTimeoutMs: 5000 },
    secret: token,
    hooks: {
      ...hooks,
      requestReview: (r, on) => {
        if (!h.review) on({ status: 'unavailable' });
        else h.review(r.sql, on);
        return () => undefined;
      },
    },
    policy: () => policyFor(conn),
    readOnly: () => false,
    budget: new MemoryBudget(64 * 1024 * 1024),
    log: createLogger('test', 'error'),
    audit: (type, data) => events.push({ type, data }),
    send: (buf) => {
      h.sent += buf.length;
      return stream.write(buf);
    },
    onDrain: (fn) => void stream.once('drain', fn),
    pauseInput: () => stream.pause(),
    resumeInput: () => stream.resume(),
    tally: () => undefined,
  };
  const handler = kubeUpgradeHandler();
  const open = new Map<number, ReturnType<typeof handler>>();
  const parser = new ExchangeFrameParser();
  stream.on('data', (chunk: Buffer) =>
    parser.push(chunk, (f) => {
      if (f.kind === FrameKind.request) {
        const head = parseRequestHead(f.payload);
        if (typeof head === 'string') throw new Error(head);
        const d = evaluateKubernetes(head.method, head.path, (policyFor(conn) as { policy: Policy }).policy);
        const request = d.request ?? parseKubeRequest(head.method, head.path);
        if ('error' in request) throw new Error(request.error);
        const verdict = { action: d.action, ...(d.ruleId ? { ruleId: d.ruleId } : {}), ...(d.reason ? { message: d.reason } : {}) };
        const headers = forwardedHeaders(head.headers, ctx.config, token);
        const served = handler({
          id: f.exchange,
          head,
          request,
          verdict,
          server,
          headers,
          impersonate: { user: 'alice@example.com', groups: ['ops'] },
          ctx,
          onDone: () => open.delete(f.exchange),
        });
        open.set(f.exchange, served);
      } else if (f.kind === FrameKind.body) open.get(f.exchange)?.body(Buffer.from(f.payload));
      else if (f.kind === FrameKind.end) open.get(f.exchange)?.end();
      else if (f.kind === FrameKind.abort) open.get(f.exchange)?.abort('the client went away');
    }),
  );
}

/** what the kit's `tar` writes: an archive of FLOOD bytes, files of text lines, as fast as it can */
export const FLOOD = 32 * 1024 * 1024;
const FILE = 1024 * 1024;
/** the archive's bytes, written in that order: a header and a file's content, FLOOD / FILE times, then the end */
export function floodArchive(): Buffer[] {
  const content = Buffer.from(`${'x'.repeat(63)}\n`.repeat(FILE / 64));
  const parts: Buffer[] = [];
  for (let i = 0; i * FILE < FLOOD - 2 * 512; i++) {
    const h = Buffer.alloc(512);
    h.write(`data/f${i}.txt`, 0);
    h.write('0000644\0', 100);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    parts.push(withSize(h, FILE));
    // a container's output comes in pieces well under the largest channel message hoop reads
    for (let at = 0; at < FILE; at += 64 * 1024) parts.push(content.subarray(at, at + 64 * 1024));
  }
  parts.push(Buffer.alloc(1024));
  return parts;
}
const flood: BuiltinCommand = (_args, io) => {
  const parts = floodArchive();
  const step = () => {
    for (let i = 0; i < 16 && parts.length; i++) io.writeBytes!(1, parts.shift()!);
    if (parts.length) return void setImmediate(step);
    h.flooded = true;
    io.exit(0);
  };
  step();
};

/** the API server with pod shop/box, and a local port whose session the upgrade handler serves */
export async function setUp(): Promise<void> {
  h.kube = await startKubeApiServer({
    namespaces: ['default', 'shop'],
    rbac: [{ subjects: ['group:ops'], verbs: ['*'], resources: ['pods', 'pods/exec', 'pods/attach', 'pods/portforward'], namespaces: ['shop'] }],
    commands: { tar: flood },
  });
  h.kube.put('pods', 'shop', { metadata: { name: 'box' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
  const front = await startFront({ server: h.kube.url, caCert: h.kube.caPem, connectTimeoutMs: 5000 }, h.kube.token);
  h.port = (front.address() as AddressInfo).port;
}

export async function tearDown(): Promise<void> {
  for (const f of fronts) {
    f.closeAllConnections();
    f.close();
  }
  await h.kube?.stop();
}

const fronts: http.Server[] = [];

/** hoop connect's local port for upgrades, its session served by the agent's handler for `server` */
export async function startFront(server: KubernetesTargetConfig, token: string): Promise<http.Server> {
  const [cli, agent] = pair();
  agentSession(agent, server, token);
  const client = new ExchangeClient(cli);
  // plain requests (kubectl reads the pod before exec) are the http exchange's, not under test here: sent straight on
  const f = http.createServer((req, res) => {
    const up = https.request(
      `${server.server}${req.url}`,
      { method: req.method, headers: { accept: 'application/json', authorization: `Bearer ${token}` }, ca: server.caCert },
      (r) => {
        res.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'application/json' });
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  f.on('upgrade', (req, socket, head) => relayUpgrade(client, req, socket, head, () => undefined));
  await new Promise<void>((r) => f.listen(0, '127.0.0.1', r));
  fronts.push(f);
  return f;
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'hoop', server: `http://127.0.0.1:${h.port}`, skipTLSVerify: true }],
    users: [{ name: 'hoop', token: 'ignored-by-hoop' }],
    contexts: [{ name: 'hoop', cluster: 'hoop', user: 'hoop' }],
    currentContext: 'hoop',
  });
  return kc;
}

/** a kubeconfig for real kubectl, written into `dir`, to the local port (namespace shop); its path */
export function writeKubectlConfig(dir: string): string {
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'h', cluster: { server: `http://127.0.0.1:${h.port}` } }],
      users: [{ name: 'h', user: { token: 'x' } }],
      contexts: [{ name: 'h', context: { cluster: 'h', user: 'h', namespace: 'shop' } }],
      'current-context': 'h',
    }),
  );
  return file;
}

/** reviewers (for `h.review`) who approve the first request they are asked about and reject the next; the questions in `asked` */
export function approveFirstThenReject(asked: string[]): NonNullable<typeof h.review> {
  return (sql, on) => {
    asked.push(sql);
    on({ status: 'pending', reviewId: `r${asked.length}`, url: 'https://hoop.example/reviews/1' });
    setImmediate(() =>
      on(asked.length === 1 ? { status: 'approved', reviewId: 'r1', decidedBy: 'bob' } : { status: 'rejected', reviewId: 'r2', decidedBy: 'bob' }),
    );
  };
}

/** the last element of `list` for which `fn` holds */
export function last<T>(list: T[], fn: (x: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (fn(list[i]!)) return list[i];
  return undefined;
}

/** waits until `cond` holds (the agent records an exec at its end, after the client has its status) */
export async function until<T>(cond: () => T | undefined | false): Promise<T> {
  for (;;) {
    const v = cond();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const lastStatement = (n: number) =>
  until(() => events.filter((e) => e.type === 'statement').length >= n && last(events, (e) => e.type === 'statement')!.data);
export const statementCount = () => events.filter((e) => e.type === 'statement').length;

function sink() {
  let text = '';
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

export async function exec(command: string[], stdin?: string, tty = false) {
  const out = sink();
  const err = sink();
  const input = stdin === undefined ? null : new PassThrough();
  const status = new Promise<unknown>((resolve, reject) => {
    new Exec(kubeConfig()).exec('shop', 'box', 'app', command, out.stream, err.stream, input, tty, resolve).catch(reject);
  });
  if (input) input.end(stdin);
  return { status: await status, stdout: out.text(), stderr: err.text() };
}

/** a raw WebSocket upgrade with the path as given: the answer's status and body when it is refused */
export function rawUpgrade(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: h.port,
      path,
      method,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'sec-websocket-protocol': 'v5.channel.k8s.io',
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
