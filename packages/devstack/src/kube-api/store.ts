import { randomUUID } from 'node:crypto';
import { fieldSelector, labelSelector } from './selectors';
import { alreadyExists, invalid, type KubeStatus, notFound } from './status';

/** The kinds the test-kit API server holds: core/v1 only. */
export interface ResourceType {
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

export const RESOURCES: readonly ResourceType[] = [
  { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'] },
  { name: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true },
  { name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
];

export function resourceType(name: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.name === name);
}

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  [k: string]: unknown;
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: WatchType;
  resource: string;
  object: KubeObject;
}

const keyOf = (resource: string, namespace: string | undefined, name: string) => `${resource}/${namespace ?? ''}/${name}`;
const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 JSON merge patch (also used for strategic merge patches: lists are replaced, not merged by key). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * The objects of the test-kit cluster with one resourceVersion counter (as etcd's revision), every change kept as a
 * watch event so a watch from any resourceVersion replays what came after it. Pods are "Running" as soon as created
 * (there is no kubelet); each pod has a log its tests append to.
 */
export class KubeStore {
  private rv = 1;
  private readonly objects = new Map<string, KubeObject>();
  readonly history: StoreEvent[] = [];
  private readonly watchers = new Set<(e: StoreEvent) => void>();
  private readonly logs = new Map<string, { lines: string[]; followers: Set<(line: string | null) => void> }>();

  get resourceVersion(): string {
    return String(this.rv);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | KubeStatus {
    const o = this.objects.get(keyOf(resource, namespace, name));
    return o ? clone(o) : notFound(resource, name);
  }

  list(resource: string, namespace: string | undefined, o: { labelSelector?: string | null; fieldSelector?: string | null } = {}): KubeObject[] {
    const labels = labelSelector(o.labelSelector ?? null);
    const fields = fieldSelector(o.fieldSelector ?? null);
    return [...this.objects.values()]
      .filter((x) => resourceType(resource)?.kind === x.kind)
      .filter((x) => namespace === undefined || x.metadata.namespace === namespace)
      .filter((x) => labels(x.metadata.labels ?? {}) && fields(x.metadata))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
      .map(clone);
  }

  create(resource: string, namespace: string | undefined, input: KubeObject): KubeObject | KubeStatus {
    const type = resourceType(resource)!;
    const o = clone(input);
    o.metadata = { ...(o.metadata ?? {}) } as Metadata;
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomUUID().slice(0, 5)}`;
    if (!o.metadata.name) return invalid(resource, '', 'metadata.name: Required value: name or generateName is required');
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.metadata.name) || o.metadata.name.length > 253)
      return invalid(
        resource,
        o.metadata.name,
        `metadata.name: Invalid value: "${o.metadata.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    if (type.namespaced) {
      if (o.metadata.namespace && o.metadata.namespace !== namespace)
        return invalid(
          resource,
          o.metadata.name,
          'metadata.namespace: Invalid value: the namespace of the provided object does not match the namespace sent on the request',
        );
      if (!this.objects.has(keyOf('namespaces', undefined, namespace!))) return notFound('namespaces', namespace!);
      o.metadata.namespace = namespace;
    } else delete o.metadata.namespace;
    const key = keyOf(resource, namespace, o.metadata.name);
    if (this.objects.has(key)) return alreadyExists(resource, o.metadata.name);
    o.apiVersion = 'v1';
    o.kind = type.kind;
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (type.kind === 'Pod') o.status = { phase: 'Running', podIP: '10.0.0.1', startTime: o.metadata.creationTimestamp };
    if (type.kind === 'Namespace') o.status = { phase: 'Active' };
    if (type.kind === 'Secret') o.type ??= 'Opaque';
    return this.commit('ADDED', resource, key, o);
  }

  /** PUT: the whole object; its resourceVersion, when given, must be the current one */
  replace(resource: string, namespace: string | undefined, name: string, input: KubeObject): KubeObject | KubeStatus {
    const key = keyOf(resource, namespace, name);
    const old = this.objects.get(key);
    if (!old) return notFound(resource, name);
    const rv = input.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion)
      return {
        ...notFound(resource, name),
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      };
    const o = clone(input);
    o.apiVersion = old.apiVersion;
    o.kind = old.kind;
    o.metadata = { ...o.metadata, name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp } as Metadata;
    if (namespace) o.metadata.namespace = namespace;
    if (old.status && !o.status) o.status = old.status;
    return this.commit('MODIFIED', resource, key, o);
  }

  patch(resource: string, namespace: string | undefined, name: string, patch: unknown): KubeObject | KubeStatus {
    const old = this.objects.get(keyOf(resource, namespace, name));
    if (!old) return notFound(resource, name);
    const merged = mergePatch(old, patch) as KubeObject;
    merged.metadata = { ...merged.metadata, name, resourceVersion: old.metadata.resourceVersion } as Metadata;
    return this.replace(resource, namespace, name, merged);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject | KubeStatus {
    const key = keyOf(resource, namespace, name);
    const old = this.objects.get(key);
    if (!old) return notFound(resource, name);
    if (resource === 'namespaces')
      for (const r of RESOURCES.filter((t) => t.namespaced)) for (const x of this.list(r.name, name)) this.delete(r.name, name, x.metadata.name);
    this.objects.delete(key);
    this.rv++;
    const gone = clone(old);
    gone.metadata.resourceVersion = String(this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', resource, object: gone });
    if (resource === 'pods') this.endLog(namespace!, name);
    return clone(gone);
  }

  /** a watcher gets every event from now on; the returned function stops it */
  watch(fn: (e: StoreEvent) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** a line the pod's container writes (ends with a newline when it has none) */
  appendLog(namespace: string, pod: string, line: string): void {
    const log = this.logOf(namespace, pod);
    const text = line.endsWith('\n') ? line : `${line}\n`;
    log.lines.push(text);
    for (const f of log.followers) f(text);
  }

  /** the pod's log so far, and (with `follow`) each line after it until the pod goes; the function stops following */
  readLog(namespace: string, pod: string, follow: ((line: string | null) => void) | null): { lines: string[]; stop(): void } {
    const log = this.logOf(namespace, pod);
    if (follow) log.followers.add(follow);
    return { lines: [...log.lines], stop: () => void (follow && log.followers.delete(follow)) };
  }

  private logOf(namespace: string, pod: string) {
    const key = `${namespace}/${pod}`;
    let log = this.logs.get(key);
    if (!log) {
      log = { lines: [], followers: new Set() };
      this.logs.set(key, log);
    }
    return log;
  }

  private endLog(namespace: string, pod: string): void {
    const log = this.logs.get(`${namespace}/${pod}`);
    if (!log) return;
    this.logs.delete(`${namespace}/${pod}`);
    for (const f of log.followers) f(null);
  }

  private commit(type: WatchType, resource: string, key: string, o: KubeObject): KubeObject {
    this.rv++;
    o.metadata.resourceVersion = String(this.rv);
    this.objects.set(key, o);
    this.emit({ rv: this.rv, type, resource, object: clone(o) });
    return clone(o);
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    for (const w of this.watchers) w(e);
  }
}
