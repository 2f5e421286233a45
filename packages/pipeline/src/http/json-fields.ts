/**
 * A JSON body read for guardrails: every value of a field, as a server could read it. `JSON.parse` keeps the last of
 * duplicate keys and some servers keep the first, so this reader keeps them all; escapes (`\u0061`) are read as the
 * characters they stand for; keys are compared without regard to case (a server may bind `Amount` to `amount`).
 */

export type JsonScalar = string | number | boolean | null;
export type JsonNode = JsonScalar | { kind: 'object'; entries: [string, JsonNode][] } | { kind: 'array'; items: JsonNode[] };

export class JsonBodyError extends Error {}

const MAX_DEPTH = 200;

/** Parses strict JSON (RFC 8259) into nodes that keep duplicate keys; throws JsonBodyError when it is not JSON. */
export function parseJsonBody(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (what: string): never => {
    throw new JsonBodyError(`the body is not JSON: ${what} at character ${i}`);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('a control character in a string');
      i++;
    }
    if (i >= text.length) fail('an unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('a bad escape in a string');
    }
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const entries: [string, JsonNode][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a key expected');
        const k = str();
        ws();
        if (text[i] !== ':') fail('":" expected');
        i++;
        entries.push([k, value(depth + 1)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', entries };
        }
        fail('"," or "}" expected');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', items };
        }
        fail('"," or "]" expected');
      }
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail('a value expected');
    i += m[0].length;
    return JSON.parse(m[0]) as JsonScalar;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('text after the value');
  return v;
}

/**
 * Every value at `field` (keys joined with dots; `*` any key or element), arrays crossed without naming them
 * (`items.amount` reads the amount of each item). Each duplicate key gives its own value.
 */
export function fieldValues(doc: JsonNode, field: string): JsonNode[] {
  const out: JsonNode[] = [];
  const keys = field.split('.').map((k) => k.toLowerCase());
  const visit = (n: JsonNode, at: number) => {
    if (n !== null && typeof n === 'object' && n.kind === 'array') {
      for (const item of n.items) visit(item, at);
      return;
    }
    if (at === keys.length) {
      out.push(n);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    const k = keys[at]!;
    for (const [name, v] of n.entries) if (k === '*' || name.toLowerCase() === k) visit(v, at + 1);
  };
  visit(doc, 0);
  return out;
}
