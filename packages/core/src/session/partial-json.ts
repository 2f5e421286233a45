/**
 * JSON read from a prefix of its text. The trail keeps the first 64 KB of each model API request, so a long request's
 * JSON stops mid-way: this reads it as far as it goes, and says which objects and arrays the cut left open (`open`).
 * A value the cut leaves incomplete is dropped (a number, a literal, a key) or kept as far as it goes (a string, an
 * object, an array). Text that is not JSON up to the cut is refused (null): it is shown as it is.
 */

export interface JsonPrefix {
  value: unknown;
  /** the text held the whole value (and nothing else but white space) */
  complete: boolean;
  /** objects and arrays the text ended inside of */
  open: ReadonlySet<object>;
}

/** Deeper than this, the text is shown raw rather than read (no stack to exhaust). */
const MAX_DEPTH = 256;

class NotJson extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NUMBER_CHARS = /[-+0-9.eE]+/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJsonPrefix(text: string): JsonPrefix | null {
  let pos = 0;
  /** the text ended inside the value being read */
  let ended = false;
  const open = new Set<object>();

  const ws = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
  };
  const atEnd = () => {
    if (pos < text.length) return false;
    ended = true;
    return true;
  };

  const string = (): string => {
    pos++; // the opening quote
    let out = '';
    for (;;) {
      let i = pos;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 0x22 || c === 0x5c) break;
        if (c < 0x20) throw new NotJson('a control character in a string');
        i++;
      }
      out += text.slice(pos, i);
      pos = i;
      if (atEnd()) return out;
      if (text[pos] === '"') {
        pos++;
        return out;
      }
      // a backslash
      const e = text[pos + 1];
      if (e === undefined) {
        pos = text.length;
        ended = true;
        return out;
      }
      if (e === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (hex.length < 4 && /^[0-9a-fA-F]*$/.test(hex)) {
          pos = text.length;
          ended = true;
          return out;
        }
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new NotJson('a bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        pos += 6;
        continue;
      }
      const ch = ESCAPES[e];
      if (ch === undefined) throw new NotJson('a bad escape');
      out += ch;
      pos += 2;
    }
  };

  const literal = (word: string, v: unknown): unknown => {
    const got = text.slice(pos, pos + word.length);
    if (got === word) {
      pos += word.length;
      return v;
    }
    if (pos + got.length === text.length && word.startsWith(got)) {
      pos = text.length;
      ended = true;
      return undefined;
    }
    throw new NotJson('an unknown word');
  };

  const value = (depth: number): unknown => {
    ws();
    if (atEnd()) return undefined;
    if (depth > MAX_DEPTH) throw new NotJson('nested too deep');
    const c = text[pos];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    NUMBER_CHARS.lastIndex = pos;
    const run = NUMBER_CHARS.exec(text)?.[0] ?? '';
    if (run === '') throw new NotJson('an unexpected character');
    // a number up to the cut may be the start of a longer one
    if (pos + run.length === text.length) {
      pos = text.length;
      ended = true;
      return undefined;
    }
    NUMBER.lastIndex = pos;
    if (NUMBER.exec(text)?.[0] !== run) throw new NotJson('a bad number');
    pos += run.length;
    return Number(run);
  };

  const array = (depth: number): unknown[] => {
    pos++;
    const out: unknown[] = [];
    for (;;) {
      ws();
      if (atEnd()) return leftOpen(out);
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      if (out.length > 0) {
        if (text[pos] !== ',') throw new NotJson('a missing comma');
        pos++;
      }
      const v = value(depth + 1);
      if (v !== undefined) out.push(v);
      if (ended) return leftOpen(out);
    }
  };

  const object = (depth: number): Record<string, unknown> => {
    pos++;
    const out: Record<string, unknown> = {};
    let first = true;
    for (;;) {
      ws();
      if (atEnd()) return leftOpen(out);
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      if (!first) {
        if (text[pos] !== ',') throw new NotJson('a missing comma');
        pos++;
        ws();
        if (atEnd()) return leftOpen(out);
      }
      first = false;
      if (text[pos] !== '"') throw new NotJson('a key that is not a string');
      const key = string();
      if (ended) return leftOpen(out);
      ws();
      if (atEnd()) return leftOpen(out);
      if (text[pos] !== ':') throw new NotJson('a missing colon');
      pos++;
      const v = value(depth + 1);
      if (v !== undefined) Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      if (ended) return leftOpen(out);
    }
  };

  const leftOpen = <T extends object>(o: T): T => {
    open.add(o);
    return o;
  };

  try {
    const v = value(0);
    if (!ended) {
      ws();
      if (pos < text.length) throw new NotJson('text after the value');
    }
    return { value: v, complete: !ended, open };
  } catch (err) {
    if (err instanceof NotJson) return null;
    throw err;
  }
}
