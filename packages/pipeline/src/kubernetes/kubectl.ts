/**
 * A kubectl command line read as the requests it makes to the API server, for `hoop policy test -c prod-k8s "kubectl
 * delete ns payments"`: get, describe, delete, logs, exec, attach, port-forward, apply, create, edit, scale, rollout
 * restart, label and annotate, with the resource types of a stock cluster by name, plural, short name or Kind.
 * Objects from files (`apply -f`, `create -f`) are given by the caller, which reads the files.
 */

export interface KubeResourceType {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

const T = (group: string, version: string, resource: string, namespaced: boolean, ...names: string[]) => ({
  type: { group, version, resource, namespaced },
  names,
});

const TYPES = [
  T('', 'v1', 'pods', true, 'po', 'pod'),
  T('', 'v1', 'services', true, 'svc', 'service'),
  T('', 'v1', 'namespaces', false, 'ns', 'namespace'),
  T('', 'v1', 'nodes', false, 'no', 'node'),
  T('', 'v1', 'secrets', true, 'secret'),
  T('', 'v1', 'configmaps', true, 'cm', 'configmap'),
  T('', 'v1', 'serviceaccounts', true, 'sa', 'serviceaccount'),
  T('', 'v1', 'persistentvolumeclaims', true, 'pvc', 'persistentvolumeclaim'),
  T('', 'v1', 'persistentvolumes', false, 'pv', 'persistentvolume'),
  T('', 'v1', 'events', true, 'ev', 'event'),
  T('', 'v1', 'endpoints', true, 'ep'),
  T('', 'v1', 'replicationcontrollers', true, 'rc', 'replicationcontroller'),
  T('', 'v1', 'resourcequotas', true, 'quota', 'resourcequota'),
  T('', 'v1', 'limitranges', true, 'limits', 'limitrange'),
  T('apps', 'v1', 'deployments', true, 'deploy', 'deployment'),
  T('apps', 'v1', 'statefulsets', true, 'sts', 'statefulset'),
  T('apps', 'v1', 'daemonsets', true, 'ds', 'daemonset'),
  T('apps', 'v1', 'replicasets', true, 'rs', 'replicaset'),
  T('batch', 'v1', 'jobs', true, 'job'),
  T('batch', 'v1', 'cronjobs', true, 'cj', 'cronjob'),
  T('networking.k8s.io', 'v1', 'ingresses', true, 'ing', 'ingress'),
  T('networking.k8s.io', 'v1', 'networkpolicies', true, 'netpol', 'networkpolicy'),
  T('rbac.authorization.k8s.io', 'v1', 'roles', true, 'role'),
  T('rbac.authorization.k8s.io', 'v1', 'rolebindings', true, 'rolebinding'),
  T('rbac.authorization.k8s.io', 'v1', 'clusterroles', false, 'clusterrole'),
  T('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false, 'clusterrolebinding'),
  T('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false, 'crd', 'crds', 'customresourcedefinition'),
  T('storage.k8s.io', 'v1', 'storageclasses', false, 'sc', 'storageclass'),
  T('autoscaling', 'v2', 'horizontalpodautoscalers', true, 'hpa', 'horizontalpodautoscaler'),
  T('policy', 'v1', 'poddisruptionbudgets', true, 'pdb', 'poddisruptionbudget'),
];

/** A resource type from what kubectl takes: `po`, `pod`, `pods`, `Pod`, `deployments.apps`, `deploy`. */
export function resourceType(word: string): KubeResourceType | null {
  const w = word.toLowerCase();
  const dot = w.indexOf('.');
  const name = dot < 0 ? w : w.slice(0, dot);
  const group = dot < 0 ? null : w.slice(dot + 1);
  for (const t of TYPES) {
    if (t.type.resource !== name && !t.names.includes(name)) continue;
    if (group !== null && group !== t.type.group && !(group === 'core' && t.type.group === '')) continue;
    return t.type;
  }
  return null;
}

/** The path of a resource type, optionally in a namespace and for one object. */
export function resourcePath(t: KubeResourceType, namespace: string | null, name?: string, sub?: string): string {
  const root = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${t.resource}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

/** An object named in a manifest (apply -f, create -f). */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface KubectlRequest {
  method: string;
  path: string;
}

/** Flags that take a value (the word after them is not a name). */
const VALUED = new Set([
  '-n',
  '--namespace',
  '-o',
  '--output',
  '-l',
  '--selector',
  '-c',
  '--container',
  '-f',
  '--filename',
  '--context',
  '--kubeconfig',
  '--replicas',
  '--image',
  '--field-selector',
  '--since',
  '--tail',
  '--type',
  '--from-literal',
  '--from-file',
  '--grace-period',
  '--timeout',
  '--cascade',
  '-p',
  '--patch',
  '--server',
  '--user',
  '--cluster',
  '--sort-by',
  '-L',
  '--label-columns',
  '--address',
]);

/**
 * The requests `kubectl ARGS` makes that a policy judges (its discovery and the reads before a write are left out).
 * `args` are the words after `kubectl`. A string says why the line cannot be read.
 */
export function kubectlRequests(args: string[], manifests: ManifestObject[] = []): KubectlRequest[] | string {
  let namespace: string | null = null;
  let all = false;
  let watch = false;
  let follow = false;
  let selector = false;
  const files: string[] = [];
  const words: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest = args.slice(i + 1);
      break;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    // `logs -f` follows; elsewhere -f names a file
    const followFlag = flag === '-f' && words[0] === 'logs';
    const value = eq > 0 ? a.slice(eq + 1) : VALUED.has(flag) && !followFlag ? args[++i] : undefined;
    if (flag === '-n' || flag === '--namespace') namespace = value ?? null;
    else if (/^-n.+/.test(a)) namespace = a.slice(2);
    else if (flag === '-A' || flag === '--all-namespaces') all = true;
    else if (flag === '--all') selector = true;
    else if (flag === '-w' || flag === '--watch') watch = true;
    else if (followFlag) follow = true;
    else if (flag === '--follow') follow = true;
    else if (flag === '-l' || flag === '--selector') selector = true;
    else if (flag === '-f' || flag === '--filename') files.push(value ?? '');
    else if (/^-it$|^-ti$|^-i$|^-t$/.test(a) || a.startsWith('-')) continue;
    else words.push(a);
  }
  const verb = words.shift();
  if (!verb) return 'give a kubectl command, such as kubectl get pods -n payments';
  const ns = namespace ?? 'default';
  const objects = (list: string[]): { t: KubeResourceType; name: string | null }[] | string => {
    if (list.length === 0) return 'name a resource type, such as pods or deployment/web';
    const out: { t: KubeResourceType; name: string | null }[] = [];
    if (list[0]!.includes('/')) {
      for (const w of list) {
        const [type, name] = w.split('/', 2) as [string, string];
        const t = resourceType(type);
        if (!t) return `kubectl does not know the resource type "${type}" here (hoop reads the stock ones: pods, deployments, secrets…)`;
        out.push({ t, name: name || null });
      }
      return out;
    }
    const types = list[0]!.split(',');
    for (const type of types) {
      const t = resourceType(type);
      if (!t) return `kubectl does not know the resource type "${type}" here (hoop reads the stock ones: pods, deployments, secrets…)`;
      if (list.length === 1) out.push({ t, name: null });
      for (const name of list.slice(1)) out.push({ t, name });
    }
    return out;
  };
  const at = (t: KubeResourceType, name: string | null, sub?: string) => resourcePath(t, all && !name ? null : ns, name ?? undefined, sub);
  const fromFiles = (method: string): KubectlRequest[] | string => {
    if (files.length === 0) return `kubectl ${verb} without -f: hoop reads ${verb} from a manifest only`;
    if (manifests.length === 0) return `no objects read from ${files.join(', ')}`;
    return manifests.map((m) => {
      const [group, version] = m.apiVersion.includes('/') ? (m.apiVersion.split('/', 2) as [string, string]) : ['', m.apiVersion];
      const known = resourceType(m.kind);
      const t = known ?? { group, version, resource: `${m.kind.toLowerCase()}s`, namespaced: true };
      return { method, path: resourcePath({ ...t, group, version }, m.namespace ?? ns, method === 'POST' ? undefined : m.name) };
    });
  };
  const each = (method: string, sub?: string, q = ''): KubectlRequest[] | string => {
    const o = objects(words);
    if (typeof o === 'string') return o;
    return o.map(({ t, name }) => ({ method, path: `${at(t, name, name ? sub : undefined)}${q}` }));
  };
  switch (verb) {
    case 'get':
    case 'describe': {
      const o = objects(words);
      if (typeof o === 'string') return o;
      return o.map(({ t, name }) => ({ method: 'GET', path: `${at(t, name)}${watch ? '?watch=true' : ''}` }));
    }
    case 'delete': {
      if (files.length) return fromFiles('DELETE');
      const o = objects(words);
      if (typeof o === 'string') return o;
      // --all and -l make one request per object found; hoop judges them as deleting the whole collection
      return o.map(({ t, name }) => ({ method: 'DELETE', path: at(t, name && !selector ? name : null) }));
    }
    case 'logs': {
      const target = words[0];
      if (!target) return 'name the pod: kubectl logs POD';
      const [type, name] = target.includes('/') ? (target.split('/', 2) as [string, string]) : ['pods', target];
      const t = resourceType(type);
      if (!t) return `unknown resource type "${type}"`;
      return [{ method: 'GET', path: `${resourcePath(t, ns, name, 'log')}${follow ? '?follow=true' : ''}` }];
    }
    case 'exec':
    case 'attach':
    case 'port-forward': {
      const target = words[0];
      if (!target) return `name the pod: kubectl ${verb} POD`;
      const [type, name] = target.includes('/') ? (target.split('/', 2) as [string, string]) : ['pods', target];
      if (!resourceType(type)) return `unknown resource type "${type}"`;
      const sub = verb === 'port-forward' ? 'portforward' : verb;
      const q = verb === 'exec' && rest.length ? `?${rest.map((w) => `command=${encodeURIComponent(w)}`).join('&')}` : '';
      // kubectl finds a pod behind a deployment or service first; the request judged is on a pod of that name
      return [{ method: 'POST', path: `${resourcePath(resourceType('pods')!, ns, name, sub)}${q}` }];
    }
    case 'apply':
      return fromFiles('PATCH');
    case 'create': {
      if (files.length) return fromFiles('POST');
      const type = words.shift();
      const t = type ? resourceType(type) : null;
      if (!t) return `kubectl create ${type ?? ''}: name a resource type, or give -f FILE`;
      return [{ method: 'POST', path: resourcePath(t, ns) }];
    }
    case 'edit':
    case 'label':
    case 'annotate':
      return each('PATCH');
    case 'scale':
      return each('PATCH', 'scale');
    case 'rollout': {
      const action = words.shift();
      if (action === 'restart' || action === 'pause' || action === 'resume' || action === 'undo') return each('PATCH');
      if (action === 'status' || action === 'history') return each('GET');
      return `kubectl rollout ${action ?? ''}: hoop reads restart, pause, resume, undo, status and history`;
    }
    default:
      return `hoop does not read kubectl ${verb}; give the request instead, such as DELETE /api/v1/namespaces/payments`;
  }
}
