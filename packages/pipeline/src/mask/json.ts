/**
 * JSON masking, by key names and by values.
 *
 * - A key named like PII (`email`, `phone`, `password`, `first_name`, …) masks its whole value, and everything below
 *   it unless a deeper key says otherwise. Numbers under such a key become the replacement string (or null).
 * - Other strings are searched like free text; integers that are valid card numbers are masked too.
 * - A bare `name` key is a person's name when its object is about a person: the parent key names people
 *   (`customer`, `users[]`) or a sibling key is personal (`email`, `phone`, `dob`, …). `{"name": "nginx"}` stays.
 * - Keys are searched as text as well (`{"bob@x.io": 3}`).
 * Values are never mutated; unchanged subtrees are returned as they are.
 */
import { classifyNormalized, isPersonTable, normalizeName } from './columns';
import type { MaskEngine } from './engine';
import type { PiiType } from './types';
import { isCardNumber } from './validate';

const MAX_DEPTH = 200;
/** Integer literals that JSON.parse would round (beyond 2^53) travel as marked strings through a masking round trip. */
const LONG_INT = /\d{16}/;
const MARK = '\u0000int:';
const PERSONAL: ReadonlySet<PiiType> = new Set(['email', 'phone', 'name', 'dob', 'address', 'ssn']);

export function maskJsonValue(engine: MaskEngine, value: unknown): unknown {
  return walk(engine, value, null, undefined, 0);
}

function walk(engine: MaskEngine, v: unknown, ctx: PiiType | null, parentKey: string | undefined, depth: number): unknown {
  if (typeof v === 'string') {
    if (v.startsWith(MARK)) return keep(maskInteger(engine, v.slice(MARK.length), ctx), v);
    return ctx ? engine.whole(ctx, v) : engine.value(v);
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) return ctx ? engine.whole(ctx, String(v)) : v;
    return keep(maskInteger(engine, String(v), ctx), v);
  }
  if (typeof v !== 'object' || v === null) return v;
  // deeper than any real document: dropped rather than risk the stack
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const m = walk(engine, v[i], ctx, parentKey, depth + 1);
      if (m !== v[i] && out === null) out = v.slice(0, i);
      if (out !== null) out.push(m);
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  return walkObject(engine, v as Record<string, unknown>, ctx, parentKey, depth);
}

function walkObject(engine: MaskEngine, obj: Record<string, unknown>, ctx: PiiType | null, parentKey: string | undefined, depth: number): unknown {
  const keys = Object.keys(obj);
  const normalized = keys.map(normalizeName);
  const types = normalized.map((n) => (n === 'name' || n === 'names' ? null : enabled(engine, classifyNormalized(n))));
  const bareName = normalized.some((n) => n === 'name' || n === 'names');
  const personal = bareName && ((parentKey !== undefined && isPersonTable(parentKey)) || types.some((t) => t !== null && PERSONAL.has(t)));
  let out: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const n = normalized[i]!;
    const keyType = n === 'name' || n === 'names' ? (personal ? enabled(engine, 'name') : null) : types[i]!;
    const value = obj[key];
    const masked = walk(engine, value, keyType ?? ctx, key, depth + 1);
    const maskedKey = engine.text(key);
    if (out === null && (masked !== value || maskedKey !== key)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = obj[keys[j]!];
    }
    if (out !== null) out[uniqueKey(out, maskedKey)] = masked;
  }
  return out ?? obj;
}

/** The replacement of an integer (under a PII key, or a valid card number), or undefined to keep it. */
function maskInteger(engine: MaskEngine, literal: string, ctx: PiiType | null): string | null | undefined {
  if (ctx) return engine.whole(ctx, literal);
  if (literal.length >= 13 && engine.isOn('card') && isCardNumber(literal)) return engine.whole('card', literal);
  return undefined;
}

const keep = (masked: string | null | undefined, v: unknown) => (masked === undefined ? v : masked);

function enabled(engine: MaskEngine, t: PiiType | null): PiiType | null {
  return t !== null && engine.isOn(t) ? t : null;
}

/** Two keys masked to the same text (`[EMAIL]`) are both kept: `[EMAIL]`, `[EMAIL]#2`. */
function uniqueKey(obj: Record<string, unknown>, key: string): string {
  if (!Object.hasOwn(obj, key)) return key;
  for (let i = 2; ; i++) if (!Object.hasOwn(obj, `${key}#${i}`)) return `${key}#${i}`;
}

/**
 * A JSON document as text (a json/jsonb cell): parsed, masked, and serialized again when something changed. Text
 * that is not JSON is masked as free text (`notJson`: a whole-value match may become null, as in a column).
 */
export function maskJsonText(engine: MaskEngine, text: string, notJson: (text: string) => string | null = (t) => engine.value(t)): string | null {
  const source = LONG_INT.test(text) ? quoteLongIntegers(text) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return notJson(text);
  }
  const masked = walk(engine, parsed, null, undefined, 0);
  if (masked === parsed) return text;
  const json = JSON.stringify(masked) ?? 'null';
  return source === text ? json : json.replace(/"\\u0000int:(-?[0-9.eE+-]+)"/g, '$1');
}

/** Wraps integer literals of 16+ digits outside strings in marked strings, so they survive JSON.parse exactly. */
function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if ((c >= 48 && c <= 57) || c === 45) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const literal = text.slice(i, j);
      if (/^-?\d{16,}$/.test(literal)) {
        out += `${text.slice(last, i)}"\\u0000int:${literal}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return out + text.slice(last);
}
