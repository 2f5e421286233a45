import type { Policy } from '../policy/schema';
import type { HttpBodyCondition, HttpRule } from '../policy/http';
import { fieldValues, type JsonNode, parseJsonBody } from './json-fields';
import { type CanonicalPath, canonicalPath, pathMatches } from './path';

/**
 * Guardrails for one HTTP request (policy/http.ts): the first rule of the policy's `http.rules` that matches decides,
 * then the built-ins, else allow. A request is judged as every method it may be read as — its own, and the one a
 * method-override header or `_method` query field names (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override) —
 * and gets the strictest verdict of them. GET rules cover HEAD. A path that cannot be read one way is refused.
 */

export interface HttpRequestFacts {
  method: string;
  /** the path and query as the client sent them */
  path: string;
  /** header names in lower case */
  headers: Record<string, string>;
}

export interface HttpDecision {
  action: 'allow' | 'deny' | 'review';
  ruleId?: string;
  reason?: string;
  /** the method the verdict is for (an override's when that is stricter) */
  method: string;
}

const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const STRICTNESS = { allow: 0, review: 1, deny: 2 } as const;

/** The methods a request may be read as: its own, and any an override names. */
export function methodsOf(r: HttpRequestFacts, query: string): string[] | { error: string } {
  const out = new Set([r.method.toUpperCase()]);
  const named: string[] = [];
  for (const h of OVERRIDE_HEADERS) if (r.headers[h] !== undefined) named.push(...r.headers[h].split(','));
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replaceAll('+', ' '));
      v = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replaceAll('+', ' '));
    } catch {
      continue;
    }
    if (k.toLowerCase() === '_method') named.push(v);
  }
  for (const n of named) {
    const m = n.trim().toUpperCase();
    if (!/^[A-Z]{1,16}$/.test(m)) return { error: `the method override "${n.slice(0, 40)}" is not a method name` };
    out.add(m);
  }
  return [...out];
}

/** Whether a rule of this policy reads the body of this request (it is then held whole, up to http.maxJudgedBody). */
export function needsBody(policy: Policy, method: string, path: CanonicalPath, methods: string[] = [method]): boolean {
  return policy.http.rules.some((r) => r.match.body?.length && methods.some((m) => headMatches(r, m, path.path)));
}

export interface JudgeOptions {
  readOnly?: boolean;
  /** the request's body when a rule reads it (needsBody); null when it was not read */
  body?: Buffer | null;
}

export function evaluateHttp(r: HttpRequestFacts, policy: Policy, o: JudgeOptions = {}): HttpDecision {
  const path = canonicalPath(r.path);
  if ('error' in path) return { action: 'deny', ruleId: 'http-ambiguous-path', reason: `${path.error}; send the path in its plain form`, method: r.method };
  const methods = methodsOf(r, path.query);
  if ('error' in methods) return { action: 'deny', ruleId: 'http-method-override', reason: methods.error, method: r.method };
  let worst: HttpDecision | null = null;
  const doc = lazyBody(o.body ?? null);
  for (const m of methods) {
    const d = judgeOne(m, path, policy, o.readOnly ?? false, doc);
    if (!worst || STRICTNESS[d.action] > STRICTNESS[worst.action]) worst = d;
  }
  return worst!;
}

function judgeOne(method: string, path: CanonicalPath, policy: Policy, readOnly: boolean, doc: () => JsonNode | undefined): HttpDecision {
  if (readOnly && !READ_METHODS.has(method))
    return { action: 'deny', ruleId: 'read-only', reason: `the connection is read-only: ${method} is not allowed (only GET, HEAD and OPTIONS)`, method };
  for (const rule of policy.http.rules) {
    if (!headMatches(rule, method, path.path)) continue;
    if (rule.match.body?.length && !bodyMatches(rule.match.body, doc(), rule.action)) continue;
    return {
      action: rule.action,
      ruleId: rule.id,
      reason: rule.message ?? `${method} ${path.path} matches rule "${rule.id}"`,
      method,
    };
  }
  const del = policy.http.builtins['http-delete'];
  if (method === 'DELETE' && del?.enabled !== false) {
    const action = del?.action ?? 'review';
    return {
      action,
      ruleId: 'http-delete',
      reason: `${method} ${path.path}: deleting through an API ${action === 'review' ? 'needs approval' : 'is not allowed'}`,
      method,
    };
  }
  return { action: 'allow', method };
}

function headMatches(rule: HttpRule, method: string, path: string): boolean {
  const ms = rule.match.methods;
  if (ms?.length && !ms.some((m) => m === '*' || m === method || (m === 'GET' && method === 'HEAD'))) return false;
  const ps = rule.match.paths;
  return !ps?.length || ps.some((g) => pathMatches(g, path));
}

/** The body parsed once, on first need; undefined when absent or not JSON. */
function lazyBody(body: Buffer | null): () => JsonNode | undefined {
  let done = false;
  let doc: JsonNode | undefined;
  return () => {
    if (done) return doc;
    done = true;
    if (!body) return undefined;
    try {
      doc = parseJsonBody(body.toString('utf8').replace(/^\uFEFF/, ''));
    } catch {
      doc = undefined;
    }
    return doc;
  };
}

/**
 * Whether every condition holds. A body that is not JSON (or was not read) cannot be shown to hold or not: a deny or
 * review rule fires on it (fail closed), an allow rule does not. A field with several values (duplicate keys, arrays)
 * holds for a deny or review rule when any value does, for an allow rule only when all do.
 */
function bodyMatches(conds: HttpBodyCondition[], doc: JsonNode | undefined, action: HttpRule['action']): boolean {
  if (doc === undefined) return action !== 'allow';
  const strict = action === 'allow';
  return conds.every((c) => {
    const values = fieldValues(doc, c.field);
    if (c.present !== undefined && values.length > 0 !== c.present) return false;
    if (c.present === false) return true;
    const tests: ((v: JsonNode) => boolean)[] = [];
    if (c.equals !== undefined) {
      const wanted = Array.isArray(c.equals) ? c.equals : [c.equals];
      tests.push((v) => wanted.some((w) => w === v || (typeof w === 'string' && typeof v === 'string' && w.toLowerCase() === v.toLowerCase())));
    }
    if (c.above !== undefined) tests.push((v) => num(v) !== null && num(v)! > c.above!);
    if (c.below !== undefined) tests.push((v) => num(v) !== null && num(v)! < c.below!);
    if (tests.length === 0) return values.length > 0;
    const holds = (v: JsonNode) => tests.every((t) => t(v));
    return values.length > 0 && (strict ? values.every(holds) : values.some(holds));
  });
}

function num(v: JsonNode): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return null;
}
