import http from 'node:http';
import https from 'node:https';
import { type AgentConnection, kubernetesConfigFrom, kubernetesHttpTarget, type ProbeResult } from '@hoop/protocol';
import type { ProbeRecorder } from '../session/probe-recorder';
import { httpTarget, type Target } from '../http/upstream';

interface Got {
  status: number;
  body: string;
}

/** One request to the API server, its answer read whole (a few KB at most: /version, an access review). */
function ask(target: Target, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Got | { error: string }> {
  return new Promise((resolve) => {
    const call = target.call(method, path, headers, {
      response: (r) => {
        const parts: Buffer[] = [];
        let size = 0;
        r.body.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) parts.push(c);
        });
        r.body.on('end', () => resolve({ status: r.head.status, body: Buffer.concat(parts).toString('utf8') }));
        r.body.on('error', (e) => resolve({ error: e.message }));
      },
      failed: (message) => resolve({ error: message }),
    });
    call.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const json = (text: string): Record<string, unknown> | null => {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/**
 * "Test connection" for a Kubernetes cluster: the settings; the API server's version (GET /version) over TLS checked
 * against the connection's CA, with its time; the token accepted (GET /api); and whether the service account may
 * impersonate users and groups, as a SelfSubjectAccessReview tells (a cluster that cannot answer it is a warning).
 */
export async function probeKubernetes(conn: AgentConnection, secret: string | null, rec: ProbeRecorder): Promise<ProbeResult> {
  const server = kubernetesConfigFrom(conn.config);
  if (typeof server === 'string') {
    rec.step('settings', 'Settings', 'fail', server);
    return rec.fail('settings', `connection "${conn.name}": ${server}`);
  }
  rec.step('settings', 'Settings', 'pass', `${server.server}${server.caCert ? ' (CA given)' : " (the system's CAs)"}`);
  if (!secret) {
    rec.step('credential', 'Service account token', 'fail', 'the connection has no token');
    return rec.fail('credential', `connection "${conn.name}" has no service account token; set it as the connection's credential`);
  }
  rec.hide(secret);
  const config = kubernetesHttpTarget(server);
  const target = httpTarget(config, { http: new http.Agent(), https: (ca) => new https.Agent(ca ? { ca } : {}) });
  const auth = { accept: 'application/json', authorization: `Bearer ${secret}` };
  const version = await ask(target, 'GET', '/version', auth);
  if ('error' in version) {
    const tls = /certificate|self.signed|SSL|TLS/i.test(version.error);
    rec.step(tls ? 'tls' : 'connect', tls ? 'TLS' : 'Reach the API server', 'fail', version.error);
    return rec.fail(tls ? 'tls' : /no connection within/.test(version.error) ? 'timeout' : 'unreachable', version.error);
  }
  const v = json(version.body);
  const serverVersion = typeof v?.gitVersion === 'string' ? v.gitVersion.slice(0, 100) : undefined;
  rec.step(
    'connect',
    'Reach the API server',
    version.status < 400 ? 'pass' : 'warn',
    `GET /version answered ${version.status}${serverVersion ? `: ${serverVersion}` : ''}`,
  );
  const api = await ask(target, 'GET', '/api', auth);
  if ('error' in api || api.status === 401 || api.status >= 500) {
    const why = 'error' in api ? api.error : `the API server answered ${api.status} to GET /api with the token`;
    rec.step('login', 'Service account token', 'fail', why);
    return rec.fail('auth', why, serverVersion ? { serverVersion } : {});
  }
  rec.step('login', 'Service account token', 'pass', `GET /api answered ${api.status}`);
  const review = JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'impersonate', resource: 'users' } },
  });
  const can = await ask(target, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { ...auth, 'content-type': 'application/json' }, review);
  const allowed = 'error' in can ? null : (json(can.body)?.status as { allowed?: unknown } | undefined)?.allowed;
  if (allowed === false) {
    rec.step(
      'impersonate',
      'Impersonation',
      'fail',
      'the service account may not impersonate users: bind it to a ClusterRole with impersonate on users and groups',
    );
    return rec.fail(
      'auth',
      'the service account may not impersonate users, so no request can be made as the hoop user',
      serverVersion ? { serverVersion } : {},
    );
  }
  rec.step(
    'impersonate',
    'Impersonation',
    allowed === true ? 'pass' : 'warn',
    allowed === true ? 'the service account may impersonate users' : 'the API server did not say whether the service account may impersonate users',
  );
  return rec.finish(true, `${server.server} answers${serverVersion ? ` (Kubernetes ${serverVersion})` : ''} with the service account's token`, {
    ...(serverVersion ? { serverVersion } : {}),
  });
}
