import { canonicalPath } from '../http/path';

/**
 * A request to a Kubernetes API server read as the API server reads it: the verb RBAC would check (with exec, attach,
 * portforward, proxy and log named for what they do), the API group and version, the resource and subresource, the
 * namespace and the object's name. The path is read one way first (pipeline/src/http/path.ts: decoded once, `.` and
 * `..` resolved, repeated and trailing slashes dropped; `%2F` in a segment, `;`, double encoding refused), and what
 * is judged is what the API server is sent.
 *
 * Shapes read: `/api/v1/…` (the core group) and `/apis/GROUP/VERSION/…`, each as `RESOURCE[/NAME[/SUBRESOURCE]]`
 * (cluster-scoped objects, or lists across namespaces) or `namespaces/NS/RESOURCE[/NAME[/SUBRESOURCE]]`; the legacy
 * `watch/` and `proxy/` prefixes; `namespaces/NAME/status|finalize`; anything after a `proxy` subresource (its path
 * on the pod or service). Discovery (`/api`, `/apis/apps/v1`) and other paths (`/version`, `/healthz`, `/openapi/v2`)
 * are non-resource requests. A resource path of another shape is refused (fail closed).
 */

export const KUBE_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'exec',
  'attach',
  'portforward',
  'proxy',
  'log',
] as const;
export type KubeVerb = (typeof KUBE_VERBS)[number];

/** Verbs that change nothing (a read-only connection lets only these through). */
export const KUBE_READ_VERBS: ReadonlySet<KubeVerb> = new Set(['get', 'list', 'watch', 'log']);

export interface KubeRequest {
  verb: KubeVerb;
  /** '' for the core group (`/api/v1`) */
  group: string;
  version: string;
  /** lower case plural (`pods`, `deployments`); '' for a non-resource path */
  resource: string;
  /** `log`, `exec`, `status`, `scale`, `proxy`… or '' */
  subresource: string;
  /** '' for cluster-scoped objects and lists across every namespace */
  namespace: string;
  /** the object's name; '' for a collection */
  name: string;
  /** a named object outside any namespace (a Namespace, a Node, a ClusterRole…) */
  clusterScoped: boolean;
  /** discovery, /version, /healthz, /openapi… */
  nonResource: boolean;
  /** the path as read (decoded), without its query */
  path: string;
  /** what the API server is sent: the path re-encoded, then the query as given */
  target: string;
  query: string;
}

const TRUE = new Set(['1', 't', 'true']);
const CONNECT = new Set(['exec', 'attach', 'portforward']);

/** The values of a query parameter, its name decoded and read without regard to case (so `%77atch` and `Watch` count). */
export function queryValues(query: string, name: string): string[] {
  const out: string[] = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    try {
      const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replaceAll('+', ' '));
      if (k.toLowerCase() === name) out.push(decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replaceAll('+', ' ')));
    } catch {
      // an undecodable parameter is not this one; the API server refuses it
    }
  }
  return out;
}

export function parseKubeRequest(method: string, raw: string): KubeRequest | { error: string } {
  const p = canonicalPath(raw);
  if ('error' in p) return { error: p.error };
  const m = method.toUpperCase();
  if (!['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(m)) return { error: `the API server does not take ${m} requests` };
  const segs = p.path === '/' ? [] : p.path.split('/').slice(1);
  // the API server reads these words in lower case only; read here in any case, so another spelling is judged the same
  const word = (i: number, w: string, from: string[] = segs) => from[i]?.toLowerCase() === w;
  const base = {
    group: '',
    version: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    clusterScoped: false,
    path: p.path,
    target: p.target,
    query: p.query,
  };
  const nonResource = (): KubeRequest => ({ ...base, verb: plainVerb(m, true), nonResource: true });
  let rest: string[];
  if (word(0, 'api')) {
    if (segs.length < 3) return nonResource();
    base.version = segs[1]!;
    rest = segs.slice(2);
  } else if (word(0, 'apis')) {
    if (segs.length < 4) return nonResource();
    base.group = segs[1]!;
    base.version = segs[2]!;
    rest = segs.slice(3);
  } else return nonResource();
  let watch = queryValues(p.query, 'watch').some((v) => TRUE.has(v.toLowerCase()));
  let proxy = false;
  if (word(0, 'watch', rest)) {
    watch = true;
    rest = rest.slice(1);
  } else if (word(0, 'proxy', rest)) {
    proxy = true;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return { error: `${p.path} names no resource` };
  if (word(0, 'namespaces', rest) && rest.length >= 3 && !(rest.length === 3 && (word(2, 'status', rest) || word(2, 'finalize', rest)))) {
    base.namespace = rest[1]!;
    rest = rest.slice(2);
  }
  base.resource = rest[0]!.toLowerCase();
  base.name = rest[1] ?? '';
  base.subresource = (rest[2] ?? '').toLowerCase();
  if (rest.length > 3 && base.subresource !== 'proxy' && !proxy) return { error: `${p.path} is not a resource path the API server serves` };
  if (proxy && !base.name) return { error: `${p.path}: a proxy path names a pod, service or node` };
  base.clusterScoped = base.namespace === '' && base.name !== '';
  let verb: KubeVerb;
  if (proxy || base.subresource === 'proxy') verb = 'proxy';
  else if (CONNECT.has(base.subresource)) verb = base.subresource as KubeVerb;
  else if (base.subresource === 'log' && (m === 'GET' || m === 'HEAD')) verb = 'log';
  else if (watch && (m === 'GET' || m === 'HEAD')) verb = 'watch';
  else verb = plainVerb(m, base.name !== '');
  return { ...base, verb, nonResource: false };
}

function plainVerb(method: string, named: boolean): KubeVerb {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return named ? 'get' : 'list';
  }
}

/** `pods/log`, `deployments.apps`, `namespaces`: how a request's resource reads in rules, records and messages. */
export function resourceLabel(r: Pick<KubeRequest, 'resource' | 'subresource' | 'group'>): string {
  return `${r.resource}${r.group ? `.${r.group}` : ''}${r.subresource ? `/${r.subresource}` : ''}`;
}

/** One line for the trail and for reviewers: `delete namespaces/payments`, `exec pods/web-1/exec in prod`. */
export function describeKubeRequest(r: KubeRequest): string {
  if (r.nonResource) return `${r.verb} ${r.path}`;
  const obj = `${r.resource}${r.group ? `.${r.group}` : ''}${r.name ? `/${r.name}` : ''}${r.subresource ? `/${r.subresource}` : ''}`;
  return `${r.verb} ${obj}${r.namespace ? ` in ${r.namespace}` : r.name ? '' : ' in every namespace'}`;
}
