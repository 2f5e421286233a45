import { type KubeObject, RESOURCES } from './store';

/** What the test-kit API server says it is (`kubectl version`): a 1.32 server, named as the test kit. */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-hoop-testkit',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** GET /api (APIVersions) */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** GET /apis: no groups beyond the core one */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** GET /api/v1 (APIResourceList): the kinds and the pod subresources the kit serves */
export function coreResources(): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of RESOURCES) {
    resources.push({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.namespaced ? VERBS : VERBS.filter((v) => v !== 'deletecollection'),
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.name === 'pods' ? { categories: ['all'] } : {}),
      storageVersionHash: Buffer.from(r.kind).toString('base64').slice(0, 11),
    });
    if (r.name === 'pods') {
      resources.push({ name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] });
      resources.push({ name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    }
  }
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}

/** Whether the client asks for a Table (`kubectl get` does: `application/json;as=Table;v=v1;g=meta.k8s.io,…`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((a) => /;\s*as=Table/.test(a) && /;\s*g=meta\.k8s\.io/.test(a));
}

function age(created: string | undefined): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 3600 * 2) return `${Math.floor(s / 60)}m`;
  if (s < 86400 * 2) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const col = (name: string, type: string, description: string, format = '', priority = 0) => ({ name, type, format, description, priority });

const NAME = col('Name', 'string', 'Name must be unique within a namespace.', 'name');
const AGE = col('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

function columns(kind: string): Record<string, unknown>[] {
  if (kind === 'Pod')
    return [
      NAME,
      col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'string', 'IP address allocated to the pod.', '', 1),
    ];
  if (kind === 'Namespace') return [NAME, col('Status', 'string', 'The status of the namespace'), AGE];
  if (kind === 'Secret') return [NAME, col('Type', 'string', 'The type of the secret'), col('Data', 'string', 'The number of entries in the secret'), AGE];
  return [NAME, col('Data', 'string', 'The number of entries in the config map'), AGE];
}

function cells(o: KubeObject): unknown[] {
  const created = o.metadata.creationTimestamp;
  const status = (o.status ?? {}) as Record<string, unknown>;
  if (o.kind === 'Pod') {
    const containers = ((o.spec as { containers?: unknown[] } | undefined)?.containers ?? []).length;
    const phase = o.metadata.deletionTimestamp ? 'Terminating' : String(status.phase ?? 'Pending');
    return [o.metadata.name, `${phase === 'Running' ? containers : 0}/${containers}`, phase, '0', age(created), status.podIP ?? '<none>'];
  }
  if (o.kind === 'Namespace') return [o.metadata.name, String(status.phase ?? 'Active'), age(created)];
  const data = Object.keys((o.data as object | undefined) ?? {}).length + Object.keys((o.binaryData as object | undefined) ?? {}).length;
  if (o.kind === 'Secret') return [o.metadata.name, String(o.type ?? 'Opaque'), data, age(created)];
  return [o.metadata.name, data, age(created)];
}

/** `includeObject`: what each row carries of its object (None, Metadata as the default, or Object) */
function rowObject(o: KubeObject, include: string | null): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A meta.k8s.io/v1 Table of `objects` (a list, or one object, or one watch event's object). */
export function table(kind: string, objects: KubeObject[], resourceVersion: string, include: string | null): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns(kind),
    rows: objects.map((o) => {
      const object = rowObject(o, include);
      return { cells: cells(o), ...(object ? { object } : {}) };
    }),
  };
}
