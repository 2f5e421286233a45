/** Generic helpers over libpg_query's JSON AST: every node is `{ NodeType: { …fields } }`. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The node type and its fields, for a wrapped node `{ DeleteStmt: {...} }`. */
export function unwrap(node: Json | undefined): [string, Obj] | null {
  if (!isObj(node)) return null;
  const keys = Object.keys(node);
  if (keys.length !== 1) return null;
  const k = keys[0]!;
  const v = node[k];
  return /^[A-Z]/.test(k) && isObj(v) ? [k, v] : null;
}

/**
 * Calls `visit` for every node below (and including) `root`, depth first. `visit` may name fields of the node not to
 * descend into (a routine's body, which is judged statement by statement on its own).
 */
export function walk(root: Json | undefined, visit: (type: string, fields: Obj) => readonly string[] | void): void {
  const stack: Json[] = [root ?? null];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (Array.isArray(cur)) {
      for (let i = cur.length - 1; i >= 0; i--) stack.push(cur[i]!);
      continue;
    }
    if (!isObj(cur)) continue;
    const node = unwrap(cur);
    // fields of a fixed node type are not wrapped (`relation: { relname }`, `setstmt: { kind, name }`)
    const [type, fields] = node ?? [inferType(cur), cur];
    const skip = type ? visit(type, fields) : undefined;
    for (const k in fields) {
      const v = fields[k];
      if (typeof v === 'object' && v !== null && !skip?.includes(k)) stack.push(v);
    }
  }
}

/** Every node of the given types below `root`. */
export function findAll(root: Json | undefined, types: ReadonlySet<string>): [string, Obj][] {
  const out: [string, Obj][] = [];
  walk(root, (t, f) => {
    if (types.has(t)) out.push([t, f]);
  });
  return out;
}

/** The string values of a `[{ String: { sval } }]` name list. */
export function names(list: Json | undefined): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const n = unwrap(item);
    if (n && n[0] === 'String' && typeof n[1].sval === 'string') out.push(n[1].sval);
  }
  return out;
}

/** A constant's value as text, or undefined for anything that is not a plain constant. */
export function constValue(node: Json | undefined): string | number | boolean | null | undefined {
  const n = unwrap(node);
  if (!n) return undefined;
  const [t, f] = n;
  if (t === 'A_Const') {
    if (f.isnull) return null;
    for (const [k, v] of Object.entries(f)) {
      const inner = isObj(v) ? v : null;
      if (!inner) continue;
      if (k === 'ival') return typeof inner.ival === 'number' ? inner.ival : 0;
      if (k === 'fval' && typeof inner.fval === 'string') return Number(inner.fval);
      if (k === 'sval' && typeof inner.sval === 'string') return inner.sval;
      if (k === 'boolval') return inner.boolval === true;
      if (k === 'bsval' && typeof inner.bsval === 'string') return inner.bsval;
    }
    return undefined;
  }
  if (t === 'TypeCast') return constValue(f.arg);
  if (t === 'String' && typeof f.sval === 'string') return f.sval;
  return undefined;
}

function inferType(o: Obj): string | null {
  if (typeof o.relname === 'string') return 'RangeVar';
  if (typeof o.kind === 'string' && o.kind.startsWith('VAR_') && 'name' in o) return 'VariableSetStmt';
  // CALL's `funccall`, CREATE CAST's `func`
  if (Array.isArray(o.funcname) && typeof o.funcformat === 'string') return 'FuncCall';
  if (Array.isArray(o.objname)) return 'ObjectWithArgs';
  return null;
}
