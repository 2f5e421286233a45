import * as crypto from 'node:crypto';

/**
 * The hashes of the audit trail, for the writer and every verifier: each event links to the one before it in its
 * session (`eventHash`), and each closed session's final hash is appended to one global chain (`chainHash`). The
 * gateway writes with these functions (its audit/writer.ts and audit/chain.ts); verify-audit.ts checks with them, for
 * the web app and for `hoop audit verify` alike.
 */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level: the same text whatever order Postgres' jsonb gives keys back in. Keys
 * are sorted by UTF-16 code units (`Array.prototype.sort`'s order for strings), keys whose value is undefined left out,
 * and an undefined array element written as null. Written as loops that build one string: the gateway hashes every
 * audit event with it, and the version made of entries/filter/sort/map/join cost 5–9 µs a statement event where
 * `JSON.stringify` costs about 1 (audit-hash.test.ts holds the two to the same output).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value ?? null);
  // keys already in order at every level (the agent makes its statement records so): JSON.stringify writes the same
  // text, natively, where the loops below cost three to four times as much
  if (inOrder(value, 0)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(k);
    out += ':';
    out += canonicalJson(v);
  }
  return `${out}}`;
}

/** strings up to this long are checked for characters JSON escapes; longer ones go to JSON.stringify at once */
const QUOTE_SCAN = 64;

/**
 * `JSON.stringify(s)`: the text in quotes where nothing in it needs escaping (a session id, an event type, a time —
 * the call costs more than the check), else JSON.stringify's own escaping (quotes, backslashes, control characters,
 * and surrogates, which it writes as escapes when lone).
 */
function quote(s: string): string {
  if (s.length > QUOTE_SCAN) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** how deep `inOrder` looks before it leaves a value to canonicalJson's loops */
const IN_ORDER_DEPTH = 32;

/**
 * Whether `JSON.stringify(v)` is `canonicalJson(v)`: JSON's own values (strings, numbers, booleans, null), arrays of
 * them (an undefined element is null in both), and plain objects whose keys come in sorted order already — their
 * `Object.keys` order, which is the order JSON.stringify writes them in (a key that looks like an array index comes
 * first there, wherever it sorts) — with values of the same kind or undefined (left out by both). Anything else (a
 * function, a Date or another class's object, whose toJSON JSON.stringify would call) is left to the loops.
 */
function inOrder(v: unknown, depth: number): boolean {
  if (v === null) return true;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  if (t !== 'object' || depth > IN_ORDER_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x !== undefined && !inOrder(x, depth + 1)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    const x = record[keys[i]!];
    if (x !== undefined && !inOrder(x, depth + 1)) return false;
  }
  return true;
}

/** What of an event its hash covers (an audit frame's body: @hoop/protocol's AuditEventBody). */
export interface HashedEvent {
  type: string;
  at: string;
  data: unknown;
}

/**
 * The hash that links an event to the one before it in its session: sha256 of the previous hash, a newline and the
 * canonical JSON of `[sessionId, seq, type, at, data]`. `dataJson` is `canonicalJson(event.data)` when the caller
 * already has it (the gateway's writer makes it once per event and stores the same text).
 */
export function eventHash(prevHash: string, sessionId: string, seq: number, event: HashedEvent, dataJson = canonicalJson(event.data)): string {
  return sha256Hex(`${prevHash}\n[${canonicalJson(sessionId)},${canonicalJson(seq)},${canonicalJson(event.type)},${canonicalJson(event.at)},${dataJson}]`);
}

/** node:crypto's one-shot digest (Node 20.12 and later), without a Hash object per event; the same bytes either way */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** The link of a sealed session in the global chain. */
export function chainHash(prev: string, sessionId: string, finalSeq: number, finalHash: string): string {
  return sha256Hex(`${prev}\n${sessionId}:${finalSeq}:${finalHash}`);
}

/** Timestamps are stored with millisecond precision in UTC: the writer hashes exactly what will be read back. */
export function normalizeEvent<E extends { at: string }>(event: E): E {
  if (isIsoMillis(event.at)) return event;
  const t = new Date(event.at);
  const at = Number.isNaN(t.getTime()) ? new Date().toISOString() : t.toISOString();
  // an agent's event carries its time as toISOString wrote it: nothing to change, nothing copied
  return at === event.at ? event : { ...event, at };
}

/** days in each month of a common year */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `s` is a time exactly as `Date.prototype.toISOString` writes one (YYYY-MM-DDTHH:mm:ss.sssZ, years 0000–9999,
 * a day that exists), i.e. `new Date(s).toISOString() === s`, read without a Date: what every agent sends.
 */
export function isIsoMillis(s: string): boolean {
  if (s.length !== 24 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || digits(s, 20, 3) < 0) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}

/** the decimal number written by `length` digits of `s` from `from`, or -1 if one of them is not a digit */
function digits(s: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
