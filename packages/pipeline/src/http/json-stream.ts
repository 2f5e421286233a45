import type { ColumnMasker, ColumnRef } from '../mask/types';
import { TextStreamMasker } from './text-stream';

/**
 * A JSON body masked as it streams, one token held at a time (a 1 GB array of objects passes in bounded memory):
 * structure and whitespace pass through as they come; each key is the column name of the values under it, so the
 * column maskers decide (a key named like PII — `email`, `phone`, `card_number` — replaces its values whole and
 * everything below it; a key in the policy's `allowColumns` passes its values and everything below; other strings are
 * searched for PII like free text; integers that are card numbers are masked); the key of the enclosing object is the
 * "table" (`customers` makes a bare `name` a person's). Escapes are read as the characters they stand for (a key
 * `em\u0061il` is `email`); a changed value is written again as JSON; a number replaced becomes a string.
 * Several values in a row (NDJSON) are read one after another. Text that stops being JSON is masked as free text from
 * there on (TextStreamMasker), so nothing passes unread.
 */

export interface JsonMaskers {
  columnMasker(column: ColumnRef): ColumnMasker;
  maskText(text: string): string;
}

interface Container {
  kind: 'object' | 'array';
  /** the key this container sits under (an array's elements sit under the array's key) */
  key: string | undefined;
  /** the masker of a PII-named key above, which replaces every value below */
  ctx: ColumnMasker | null;
  /** an allow-listed key above: nothing below is masked */
  allowed: boolean;
  /** an object waiting for a key (after `{` or `,`) */
  expectKey: boolean;
  /** the key of the value being read in an object */
  current: string | undefined;
}

export class JsonStreamError extends Error {}

/** the longest string or number held to be masked */
export const MAX_JSON_TOKEN = 4 * 1024 * 1024;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export class JsonStreamMasker {
  private readonly stack: Container[] = [];
  /** the token being read: a string (from its quote) or a number or literal */
  private token: Buffer[] = [];
  private tokenBytes = 0;
  private state: 'between' | 'string' | 'escape' | 'literal' = 'between';
  private fallback: TextStreamMasker | null = null;
  /** values masked (a key or value changed) */
  changed = 0;
  private readonly maskers = new Map<string, ColumnMasker>();

  constructor(
    private readonly m: JsonMaskers,
    private readonly maxToken = MAX_JSON_TOKEN,
  ) {}

  /** whether the body stopped being JSON and the rest is masked as text */
  get asText(): boolean {
    return this.fallback !== null;
  }

  push(chunk: Buffer): Buffer {
    if (this.fallback) return this.fallback.push(chunk);
    const out: Buffer[] = [];
    let passFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.state === 'string' || this.state === 'escape') {
        if (this.state === 'escape') this.state = 'string';
        else if (c === 0x5c) this.state = 'escape';
        else if (c === 0x22) {
          this.hold(chunk.subarray(passFrom, i + 1));
          passFrom = i + 1;
          this.state = 'between';
          out.push(this.finishString());
        }
        continue;
      }
      if (this.state === 'literal') {
        if (isLiteralByte(c)) continue;
        this.hold(chunk.subarray(passFrom, i));
        passFrom = i;
        this.state = 'between';
        const lit = this.finishLiteral();
        if (lit === null) return this.toText(out, chunk.subarray(i));
        out.push(lit);
      }
      // between tokens
      if (WS.has(c)) continue;
      const err = this.structural(c);
      if (err === 'token') {
        out.push(chunk.subarray(passFrom, i));
        passFrom = i;
        this.state = c === 0x22 ? 'string' : 'literal';
        continue;
      }
      if (err) {
        out.push(chunk.subarray(passFrom, i));
        return this.toText(out, chunk.subarray(i));
      }
    }
    if (this.state === 'between') out.push(chunk.subarray(passFrom));
    else this.hold(chunk.subarray(passFrom));
    return Buffer.concat(out);
  }

  /** the end of the body: a number at the very end is complete; a string or container left open is masked as text */
  end(): Buffer {
    if (this.fallback) return this.fallback.end();
    if (this.state === 'literal') {
      this.state = 'between';
      const lit = this.finishLiteral();
      if (lit === null) return this.toText([], Buffer.alloc(0), true);
      return lit;
    }
    if (this.state !== 'between') return this.toText([], Buffer.alloc(0), true);
    return Buffer.alloc(0);
  }

  private hold(piece: Buffer): void {
    if (piece.length === 0) return;
    this.tokenBytes += piece.length;
    if (this.tokenBytes > this.maxToken)
      throw new JsonStreamError(`a JSON value of the response is over ${this.maxToken / 1048576} MiB, more than hoop holds to mask one value`);
    this.token.push(Buffer.from(piece));
  }

  private takeToken(): Buffer {
    const t = Buffer.concat(this.token, this.tokenBytes);
    this.token = [];
    this.tokenBytes = 0;
    return t;
  }

  /** Reads a structural byte; 'token' when a string or literal starts; a message when it cannot be here. */
  private structural(c: number): string | null | 'token' {
    const top = this.stack[this.stack.length - 1];
    if (c === 0x22) return 'token';
    if (top?.kind === 'object' && top.expectKey) {
      if (c === 0x7d && top.current === undefined) return this.close('object');
      return 'a key expected';
    }
    if (c === 0x7b || c === 0x5b) {
      const v = this.valueContext();
      this.stack.push({ kind: c === 0x7b ? 'object' : 'array', key: v.key, ctx: v.ctx, allowed: v.allowed, expectKey: c === 0x7b, current: undefined });
      return null;
    }
    if (c === 0x7d) return this.close('object');
    if (c === 0x5d) return this.close('array');
    if (c === 0x3a) return top?.kind === 'object' && top.current !== undefined ? null : 'unexpected ":"';
    if (c === 0x2c) {
      if (!top) return 'unexpected ","';
      if (top.kind === 'object') {
        top.expectKey = true;
        top.current = undefined;
      }
      return null;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) return 'token';
    return `unexpected byte 0x${c.toString(16)}`;
  }

  private close(kind: 'object' | 'array'): string | null {
    const top = this.stack[this.stack.length - 1];
    if (!top || top.kind !== kind) return `unexpected "${kind === 'object' ? '}' : ']'}"`;
    this.stack.pop();
    return null;
  }

  /** How the value about to be read is masked: the column masker of its key, or a context from above. */
  private valueContext(): { key: string | undefined; masker: ColumnMasker; ctx: ColumnMasker | null; allowed: boolean } {
    const top = this.stack[this.stack.length - 1];
    const key = top?.kind === 'object' ? top.current : top?.key;
    const table = top?.kind === 'object' ? top.key : undefined;
    const masker = this.maskerOf(key ?? '', table);
    if (top?.kind === 'array') return { key, masker: top.ctx ?? masker, ctx: top.ctx, allowed: top.allowed };
    const allowed = (top?.allowed ?? false) || (key !== undefined && masker.passthrough);
    const ctx = masker.context !== null ? masker : (top?.ctx ?? null);
    return { key, masker: ctx ?? masker, ctx, allowed };
  }

  /** the column masker of a key (under a table), kept for the keys seen last: each row of a list names the same ones */
  private maskerOf(name: string, table: string | undefined): ColumnMasker {
    const k = `${table ?? ''}\u0000${name}`;
    let m = this.maskers.get(k);
    if (!m) {
      m = this.m.columnMasker({ name, ...(table ? { table } : {}) });
      if (this.maskers.size >= 256) this.maskers.clear();
      this.maskers.set(k, m);
    }
    return m;
  }

  private finishString(): Buffer {
    const raw = this.takeToken();
    let text: string;
    try {
      text = JSON.parse(raw.toString('utf8')) as string;
    } catch {
      // not a JSON string (a bad escape): masked as text, kept as a string
      text = raw.toString('utf8').slice(1, -1);
    }
    const top = this.stack[this.stack.length - 1];
    if (top?.kind === 'object' && top.expectKey) {
      top.expectKey = false;
      top.current = text;
      const masked = this.m.maskText(text);
      if (masked === text) return raw;
      this.changed++;
      return Buffer.from(JSON.stringify(masked));
    }
    const v = this.valueContext();
    if (v.allowed) return raw;
    const masked = v.masker.mask(text);
    if (masked === text) return raw;
    this.changed++;
    return Buffer.from(masked === null ? 'null' : JSON.stringify(masked));
  }

  /** a number, true, false or null; null when it is none of them */
  private finishLiteral(): Buffer | null {
    const raw = this.takeToken();
    const lit = raw.toString('latin1');
    if (lit === 'true' || lit === 'false' || lit === 'null') return raw;
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(lit)) {
      this.token = [raw];
      this.tokenBytes = raw.length;
      return null;
    }
    const v = this.valueContext();
    if (v.allowed) return raw;
    if (!v.ctx && !/^\d{13,19}$/.test(lit)) return raw;
    const masked = v.masker.mask(lit);
    if (masked === lit) return raw;
    this.changed++;
    return Buffer.from(masked === null ? 'null' : JSON.stringify(masked));
  }

  /** The body is not JSON from here: what is held and `rest` go through a text masker, and so does all that follows. */
  private toText(out: Buffer[], rest: Buffer, ending = false): Buffer {
    const held = this.takeToken();
    this.fallback = new TextStreamMasker(this.m.maskText);
    out.push(this.fallback.push(Buffer.concat([held, rest])));
    if (ending) out.push(this.fallback.end());
    return Buffer.concat(out);
  }
}

/** bytes that continue a number or a literal (true, false, null) */
function isLiteralByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b || c === 0x2d || (c >= 0x41 && c <= 0x5a);
}
