/**
 * RFC 6902 JSON Patch (`application/json-patch+json`, what client-node sends for patch calls): add, remove, replace,
 * test, copy and move on RFC 6901 pointers. An operation that cannot apply throws; the caller answers 422.
 */

type Json = unknown;
type Container = Record<string, Json> | Json[];

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`the path "${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, path: string[]): { parent: Container; key: string } {
  let at: Json = doc;
  for (const t of path.slice(0, -1)) {
    if (!at || typeof at !== 'object') throw new Error(`the path /${path.join('/')} does not exist`);
    at = Array.isArray(at) ? at[Number(t)] : (at as Record<string, Json>)[t];
  }
  if (!at || typeof at !== 'object') throw new Error(`the path /${path.join('/')} does not exist`);
  return { parent: at as Container, key: path.at(-1)! };
}

function get(doc: Json, pointer: string): Json {
  let at = doc;
  for (const t of tokens(pointer)) {
    if (!at || typeof at !== 'object' || !(t in (at as object))) throw new Error(`the path ${pointer} does not exist`);
    at = Array.isArray(at) ? at[Number(t)] : (at as Record<string, Json>)[t];
  }
  return at;
}

function remove(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, tokens(pointer));
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
  if (!(key in parent)) throw new Error(`the path ${pointer} does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function add(doc: Json, pointer: string, value: Json): Json {
  const path = tokens(pointer);
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
  else parent[key] = value;
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new Error('a JSON patch is an array of operations');
  let doc = structuredClone(target);
  for (const op of ops as { op?: string; path?: string; from?: string; value?: Json }[]) {
    const path = String(op.path ?? '');
    if (op.op === 'add') doc = add(doc, path, structuredClone(op.value));
    else if (op.op === 'remove') remove(doc, path);
    else if (op.op === 'replace') {
      remove(doc, path);
      doc = add(doc, path, structuredClone(op.value));
    } else if (op.op === 'test') {
      if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value)) throw new Error(`the test of ${path} failed`);
    } else if (op.op === 'copy') doc = add(doc, path, structuredClone(get(doc, String(op.from))));
    else if (op.op === 'move') doc = add(doc, path, remove(doc, String(op.from)));
    else throw new Error(`unknown JSON patch operation ${String(op.op)}`);
  }
  return doc;
}
