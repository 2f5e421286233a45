import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { apiGroupList, apiVersions, coreResources, table, VERSION, wantsTable } from './discovery';
import { BUILTIN_COMMANDS, type BuiltinCommand, channelServer, type ExecRecord, serveChannels } from './exec';
import type { Identity, RbacRule } from './rbac';
import { allowed } from './rbac';
import { jsonPatch } from './jsonpatch';
import { identify, type KubeRequestRecord, queryRecord, type Route, route } from './request';
import { badRequest, failure, forbidden, type KubeStatus } from './status';
import { type KubeObject, KubeStore, mergePatch, resourceType } from './store';
import { type ForwardRecord, upgradePortForward } from './portforward';
import { negotiate } from './spdy-conn';
import { SPDY_EXEC_PROTOCOLS, serveSpdyExec } from './spdy-exec';
import { serveLog, serveWatch } from './streams';

export const SERVICE_ACCOUNT = 'system:serviceaccount:hoop:hoop-agent';

export interface KubeApiOptions {
  /** the RBAC rules; the service account may always do everything and impersonate anyone */
  rbac?: RbacRule[];
  /** more bearer tokens and whom they authenticate (the service account's token is made here) */
  tokens?: Record<string, Identity>;
  /** namespaces made at the start (default: `default`) */
  namespaces?: string[];
  /** commands the containers know beyond the built-in ones */
  commands?: Record<string, BuiltinCommand>;
}

export interface KubeApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  /** the CA (PEM) that signed the server's certificate */
  caPem: string;
  /** the service account's bearer token */
  token: string;
  /** every request as it came, with the user it acted as */
  requests: KubeRequestRecord[];
  /** every exec and attach, with its command, stdin and exit code */
  execs: ExecRecord[];
  /** every port-forward, with its connections */
  forwards: ForwardRecord[];
  /** a pod's port → the port on 127.0.0.1 that port-forward connects to (a test's own server) */
  ports: Map<number, number>;
  store: KubeStore;
  /** creates (or replaces) an object directly, as a controller would */
  put(resource: string, namespace: string | undefined, object: { metadata: KubeObject['metadata'] } & Record<string, unknown>): KubeObject;
  /** a line the pod's container writes to its log */
  log(namespace: string, pod: string, line: string): void;
  stop(): Promise<void>;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache, private' });
  res.end(text);
};

function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error('request entity too large'));
      else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** A list kind's JSON: items without their own kind and apiVersion, as the real server writes them. */
function listOf(kind: string, items: KubeObject[], rv: string): Record<string, unknown> {
  return { kind: `${kind}List`, apiVersion: 'v1', metadata: { resourceVersion: rv }, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) };
}

/**
 * A Kubernetes API server for tests: HTTPS with a CA of its own, bearer tokens, impersonation, a tiny RBAC table,
 * core/v1 namespaces, pods, secrets and configmaps, watch, logs, exec and attach over WebSocket. See README.md for
 * exactly what it serves; everything else is 404 as on a server without that API.
 */
export async function startKubeApiServer(o: KubeApiOptions = {}): Promise<KubeApiServer> {
  // loaded here, not with the test kit: most test files never start a Kubernetes API server
  const { generateServerTls } = await import('@hoop/pgfront');
  const tls = await generateServerTls(['127.0.0.1', 'localhost'], 'hoop test kube-apiserver');
  const token = randomBytes(24).toString('base64url');
  const tokens = new Map<string, Identity>([
    [token, { user: SERVICE_ACCOUNT, groups: ['system:serviceaccounts', 'system:serviceaccounts:hoop', 'system:authenticated'] }],
  ]);
  for (const [t, id] of Object.entries(o.tokens ?? {})) tokens.set(t, id);
  const rules: RbacRule[] = [{ subjects: [SERVICE_ACCOUNT], verbs: ['*'], resources: ['*'] }, ...(o.rbac ?? [])];
  const store = new KubeStore();
  for (const ns of o.namespaces ?? ['default']) store.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const requests: KubeRequestRecord[] = [];
  const execs: ExecRecord[] = [];
  const streams = new Set<() => void>();
  const onEnd = (end: () => void) => {
    streams.add(end);
    return () => void streams.delete(end);
  };
  const commands = { ...BUILTIN_COMMANDS, ...(o.commands ?? {}) };
  const wss = channelServer();
  const forwards: ForwardRecord[] = [];
  const ports = new Map<number, number>();
  const sockets = new Set<Duplex>();

  /** authentication, impersonation, routing and RBAC: the record and the route, or the Status that refuses it */
  const admit = (req: IncomingMessage): { rec: KubeRequestRecord; url: URL; r: Route | null } | { rec: KubeRequestRecord; refusal: KubeStatus } => {
    const url = new URL(req.url ?? '/', 'https://kube.invalid');
    const rec: KubeRequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: queryRecord(url.searchParams),
      caller: null,
      user: null,
      groups: [],
      impersonated: false,
      verb: null,
      resource: null,
      subresource: null,
      namespace: null,
      name: null,
      status: null,
      headers: req.headers,
    };
    requests.push(rec);
    const who = identify(req.headers, req.rawHeaders, tokens, rules);
    if ('kind' in who) return { rec, refusal: who };
    Object.assign(rec, { caller: who.caller.user, user: who.effective.user, groups: who.effective.groups, impersonated: who.impersonated });
    const r = route(rec.method, url.pathname, url.searchParams);
    if (r && 'kind' in r) return { rec, refusal: r };
    if (!r) return { rec, url, r: null };
    Object.assign(rec, { verb: r.verb, resource: r.resource, subresource: r.subresource, namespace: r.namespace ?? null, name: r.name ?? null });
    const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
    const ns = r.resource === 'namespaces' ? r.name : r.namespace;
    if (!allowed(rules, who.effective, { verb: r.verb, resource, namespace: ns }))
      return {
        rec,
        refusal: forbidden({
          user: who.effective.user,
          verb: r.verb,
          resource: r.resource,
          subresource: r.subresource ?? undefined,
          namespace: r.namespace,
          name: r.name,
        }),
      };
    return { rec, url, r };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const a = admit(req);
    const reply = (status: number, body: unknown) => {
      a.rec.status = status;
      sendJson(res, status, body);
    };
    res.on('close', () => void (a.rec.status ??= res.statusCode));
    if ('refusal' in a) return reply(a.refusal.code, a.refusal);
    const { url, r } = a;
    const q = url.searchParams;
    if (!r) {
      const p = url.pathname.replace(/\/$/, '');
      if (req.method !== 'GET') return reply(405, failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      if (p === '/version') return reply(200, VERSION);
      if (p === '/api') return reply(200, apiVersions(`127.0.0.1:${port}`));
      if (p === '/api/v1') return reply(200, coreResources());
      if (p === '/apis') return reply(200, apiGroupList());
      if (p === '/healthz' || p === '/livez' || p === '/readyz') {
        a.rec.status = 200;
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end('ok');
      }
      return reply(404, failure(404, 'NotFound', 'the server could not find the requested resource', {}));
    }
    const type = resourceType(r.resource)!;
    const asTable = wantsTable(req.headers.accept) ? { include: q.get('includeObject') } : null;
    const answer = (x: KubeObject | KubeStatus, created = false) => {
      if (x.kind === 'Status') return reply((x as KubeStatus).code, x);
      if (asTable) return reply(200, table(type.kind, [x as KubeObject], (x as KubeObject).metadata.resourceVersion ?? store.resourceVersion, asTable.include));
      reply(created ? 201 : 200, x);
    };
    if (r.subresource === 'log') {
      const pod = store.get('pods', r.namespace, r.name!);
      if (pod.kind === 'Status') return answer(pod);
      const container = q.get('container');
      const names = (((pod as KubeObject).spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
      if (container && !names.includes(container)) return reply(400, badRequest(`container ${container} is not valid for pod ${r.name}`));
      a.rec.status = 200;
      const tail = q.get('tailLines');
      return serveLog(store, r.namespace!, r.name!, { follow: q.get('follow') === 'true', tailLines: tail ? Number(tail) : null }, res, onEnd);
    }
    if (r.subresource === 'exec' || r.subresource === 'attach' || r.subresource === 'portforward') return reply(400, badRequest('Upgrade request required'));
    if (r.verb === 'get') return answer(store.get(r.resource, r.namespace, r.name!));
    const selectors = { labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') };
    if (r.verb === 'list' || r.verb === 'watch' || r.verb === 'deletecollection') {
      try {
        store.list(r.resource, r.namespace, selectors);
      } catch (err) {
        return reply(400, badRequest(`unable to parse requirement: ${(err as Error).message}`));
      }
    }
    if (r.verb === 'watch') {
      a.rec.status = 200;
      const timeout = q.get('timeoutSeconds');
      return serveWatch(
        store,
        {
          resource: r.resource,
          namespace: r.namespace,
          resourceVersion: q.get('resourceVersion'),
          ...selectors,
          timeoutSeconds: timeout ? Number(timeout) : null,
          table: asTable,
        },
        res,
        onEnd,
      );
    }
    if (r.verb === 'list') {
      const items = store.list(r.resource, r.namespace, selectors);
      if (asTable) return reply(200, table(type.kind, items, store.resourceVersion, asTable.include));
      return reply(200, listOf(type.kind, items, store.resourceVersion));
    }
    if (r.verb === 'deletecollection') {
      const gone = store.list(r.resource, r.namespace, selectors).map((x) => store.delete(r.resource, r.namespace, x.metadata.name) as KubeObject);
      return reply(200, listOf(type.kind, gone, store.resourceVersion));
    }
    if (r.verb === 'delete') {
      await readBody(req).catch(() => Buffer.alloc(0));
      return answer(store.delete(r.resource, r.namespace, r.name!));
    }
    const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct === 'application/vnd.kubernetes.protobuf')
      return reply(
        415,
        failure(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
        ),
      );
    let body: unknown;
    try {
      const raw = (await readBody(req)).toString('utf8');
      body = JSON.parse(raw);
    } catch (err) {
      return reply(400, badRequest(`the body of the request was in an unknown format: ${(err as Error).message}`));
    }
    if (ct === 'application/json-patch+json' && r.verb === 'patch') {
      const now = store.get(r.resource, r.namespace, r.name!);
      if (now.kind === 'Status') return answer(now);
      try {
        const next = jsonPatch(now, body) as KubeObject;
        return answer(store.replace(r.resource, r.namespace, r.name!, next));
      } catch (err) {
        return reply(422, failure(422, 'Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message}`));
      }
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return reply(400, badRequest('the body of the request must be a JSON object'));
    if (q.get('dryRun') === 'All') return answer(body as KubeObject);
    if (r.verb === 'create') return answer(store.create(r.resource, r.namespace, body as KubeObject), true);
    if (r.verb === 'update') return answer(store.replace(r.resource, r.namespace, r.name!, body as KubeObject));
    if (ct === 'application/apply-patch+yaml') {
      // server-side apply: create it, or merge it into what is there
      const now = store.get(r.resource, r.namespace, r.name!);
      if (now.kind === 'Status') return answer(store.create(r.resource, r.namespace, mergePatch({ metadata: { name: r.name } }, body) as KubeObject), true);
      return answer(store.patch(r.resource, r.namespace, r.name!, body));
    }
    if (ct !== 'application/merge-patch+json' && ct !== 'application/strategic-merge-patch+json')
      return reply(
        415,
        failure(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
        ),
      );
    return answer(store.patch(r.resource, r.namespace, r.name!, body));
  };

  /** an upgrade: exec and attach over WebSocket; anything else is refused with a Status, as plain HTTP */
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const a = admit(req);
    const refuse = (s: KubeStatus) => {
      a.rec.status = s.code;
      const text = JSON.stringify(s);
      socket.end(
        `HTTP/1.1 ${s.code} ${s.reason ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    if ('refusal' in a) return refuse(a.refusal);
    const { r, url } = a;
    if (!r || (r.subresource !== 'exec' && r.subresource !== 'attach' && r.subresource !== 'portforward'))
      return refuse(badRequest('the kit upgrades exec, attach and portforward only'));
    const spdy = (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' && !spdy) return refuse(badRequest(`unsupported upgrade: ${req.headers.upgrade}`));
    const pod = store.get('pods', r.namespace, r.name!);
    if (pod.kind === 'Status') return refuse(pod as KubeStatus);
    if (r.subresource === 'portforward') {
      const rec: ForwardRecord = { namespace: r.namespace!, pod: r.name!, user: a.rec.user!, protocol: '', connections: [] };
      forwards.push(rec);
      a.rec.status = 101;
      return upgradePortForward(req, socket, head, rec, ports, (m) => refuse(failure(403, 'Forbidden', m)));
    }
    const q = url.searchParams;
    const command = q.getAll('command');
    if (r.subresource === 'exec' && command.length === 0) return refuse(badRequest('you must specify at least 1 command'));
    const rec: ExecRecord = {
      kind: r.subresource,
      namespace: r.namespace!,
      pod: r.name!,
      container: q.get('container'),
      command,
      tty: q.get('tty') === 'true' || q.get('tty') === '1',
      protocol: '',
      user: a.rec.user!,
      stdin: '',
      resizes: [],
      exitCode: null,
    };
    if (spdy) {
      const offered = req.headers['x-stream-protocol-version'];
      const protocol = offered === undefined ? 'channel.k8s.io' : negotiate(offered, SPDY_EXEC_PROTOCOLS);
      if (!protocol)
        return refuse(failure(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: server supports [${SPDY_EXEC_PROTOCOLS.join(' ')}]`));
      rec.protocol = protocol;
      execs.push(rec);
      a.rec.status = 101;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
      serveSpdyExec(socket, head, q, rec, store, commands, () => undefined);
      return;
    }
    execs.push(rec);
    a.rec.status = 101;
    serveChannels(wss, req, socket, head, rec, store, commands, () => undefined);
  };

  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, failure(500, 'InternalError', `Internal error occurred: ${err.message}`));
      else res.destroy();
    });
  });
  server.on('upgrade', upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caCert,
    token,
    requests,
    execs,
    forwards,
    ports,
    store,
    put(resource, namespace, object) {
      const full = { apiVersion: 'v1', kind: resourceType(resource)!.kind, ...object } as KubeObject;
      const now = store.get(resource, namespace, object.metadata.name);
      const out = now.kind === 'Status' ? store.create(resource, namespace, full) : store.replace(resource, namespace, object.metadata.name, full);
      if (out.kind === 'Status') throw new Error(`put ${resource} ${object.metadata.name}: ${(out as KubeStatus).message}`);
      return out as KubeObject;
    },
    log: (namespace, pod, line) => store.appendLog(namespace, pod, line),
    async stop() {
      for (const end of [...streams]) end();
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
