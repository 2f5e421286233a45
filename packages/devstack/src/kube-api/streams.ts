import type { ServerResponse } from 'node:http';
import { table } from './discovery';
import { fieldSelector, labelSelector } from './selectors';
import { type KubeObject, type KubeStore, resourceType, type StoreEvent } from './store';

export interface WatchRequest {
  resource: string;
  namespace: string | undefined;
  resourceVersion: string | null;
  labelSelector: string | null;
  fieldSelector: string | null;
  timeoutSeconds: number | null;
  /** watch events carry Tables (`kubectl get -w`), with `includeObject` */
  table: { include: string | null } | null;
}

/**
 * A watch as the API server streams it: 200, chunked, one JSON object per line — `{"type":"ADDED","object":{…}}` —
 * as the changes happen. Without a resourceVersion (or "0") it starts with an ADDED event for each object there is;
 * with one, it replays the changes after it first. It ends at `timeoutSeconds`, when the client goes, or at `stop`.
 */
export function serveWatch(store: KubeStore, w: WatchRequest, res: ServerResponse, onEnd: (end: () => void) => () => void): void {
  const kind = resourceType(w.resource)!.kind;
  const labels = labelSelector(w.labelSelector);
  const fields = fieldSelector(w.fieldSelector);
  const matches = (e: { resource: string; object: KubeObject }) =>
    e.resource === w.resource &&
    (w.namespace === undefined || e.object.metadata.namespace === w.namespace) &&
    labels(e.object.metadata.labels ?? {}) &&
    fields(e.object.metadata);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
  const write = (type: string, object: KubeObject) => {
    const out = w.table ? table(kind, [object], object.metadata.resourceVersion ?? store.resourceVersion, w.table.include) : object;
    res.write(`${JSON.stringify({ type, object: out })}\n`);
  };
  const from = w.resourceVersion && w.resourceVersion !== '0' ? Number(w.resourceVersion) : null;
  if (from === null) for (const o of store.list(w.resource, w.namespace, w)) write('ADDED', o);
  else for (const e of store.history) if (e.rv > from && matches(e)) write(e.type, e.object);
  const stopWatch = store.watch((e: StoreEvent) => matches(e) && write(e.type, e.object));
  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    stopWatch();
    clearTimeout(timer);
    unregister();
    if (!res.writableEnded) res.end();
  };
  const unregister = onEnd(end);
  if (w.timeoutSeconds) timer = setTimeout(end, w.timeoutSeconds * 1000);
  res.on('close', end);
}

/** GET …/pods/NAME/log: the log as text; with `follow`, each line as it is written until the pod goes or the client does. */
export function serveLog(
  store: KubeStore,
  namespace: string,
  pod: string,
  o: { follow: boolean; tailLines: number | null },
  res: ServerResponse,
  onEnd: (end: () => void) => () => void,
): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
  const end = () => {
    log.stop();
    unregister();
    if (!res.writableEnded) res.end();
  };
  const log = store.readLog(namespace, pod, o.follow ? (line) => (line === null ? end() : res.write(line)) : null);
  const lines = o.tailLines !== null ? log.lines.slice(Math.max(0, log.lines.length - o.tailLines)) : log.lines;
  if (lines.length) res.write(lines.join(''));
  else res.flushHeaders();
  const unregister = onEnd(end);
  if (!o.follow) return end();
  res.on('close', end);
}
