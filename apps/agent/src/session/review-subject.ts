import { createHash } from 'node:crypto';
import { binaryFormatIsText, PgType } from '@hoop/pgwire';

/** A prepared statement a text runs by name: what reviewers are shown of it, and what the review's digest covers. */
export interface RunsPrepared {
  name: string;
  /** its PREPARE statement, or the text of its Parse */
  definition: string;
}

/**
 * What one approval is for: a statement with the values bound to it and the prepared statements it runs by name. The
 * review's digest covers all of it, and reviewers see all of it (masked like the audit trail), so an approval runs
 * exactly what was approved: other values, or a prepared statement redefined under the same name, are another review.
 */
export interface ReviewSubject {
  /** the statement's text (for a statement made by SQL PREPARE, that PREPARE: it holds the parameter types) */
  sql: string;
  runs?: RunsPrepared[];
  /** the values of a Bind, with the types of the statement's Parse */
  params?: BoundParams | null;
  /**
   * why it is asked for, in the words of whoever asks (a model's text before its tool call): shown to reviewers, not
   * covered by the digest — the approval is for the statement, whatever was said of it
   */
  intent?: string;
}

export interface BoundParams {
  /** Postgres type OIDs, or another protocol's type codes with `typeNames` */
  types: readonly number[];
  formats: readonly number[];
  values: readonly (Buffer | null)[];
  /** how reviewers are shown each type when `types` are not Postgres OIDs (MySQL: `bigint unsigned`, `varchar`) */
  typeNames?: readonly string[];
}

/** sha256 of a statement text: the digest of a review with no values and nothing run by name (what it always was) */
export function statementDigest(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** The format Bind gave parameter `i`: none given means text, one means all, else one per parameter. */
function formatOf(formats: readonly number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
}

export function reviewDigest(s: ReviewSubject): string {
  const runs = s.runs ?? [];
  const values = s.params?.values ?? [];
  if (runs.length === 0 && values.length === 0) return statementDigest(s.sql);
  const h = createHash('sha256');
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    h.update(b);
  };
  const str = (t: string) => {
    const b = Buffer.from(t, 'utf8');
    u32(b.length);
    h.update(b);
  };
  h.update('hoop review subject 2\0');
  str(s.sql);
  u32(runs.length);
  for (const r of runs) {
    str(r.name);
    str(r.definition);
  }
  u32(values.length);
  values.forEach((v, i) => {
    u32(s.params!.types[i] ?? 0);
    u32(formatOf(s.params!.formats, i));
    if (v === null) {
      u32(0xffffffff);
    } else {
      u32(v.length);
      h.update(v);
    }
  });
  return h.digest('hex');
}

/** How much of a stated intent reviewers are shown: its end, nearest the call. */
const MAX_INTENT_CHARS = 4000;

/** How much of one value reviewers are shown. */
const MAX_VALUE_CHARS = 2000;

/** The types reviewers see named; others are shown by OID. */
const TYPE_NAMES = new Map<number, string>(
  (
    [
      'bool',
      'bytea',
      'char',
      'name',
      'int8',
      'int2',
      'int4',
      'text',
      'oid',
      'json',
      'xml',
      'float4',
      'float8',
      'bpchar',
      'varchar',
      'date',
      'timestamp',
      'timestamptz',
      'numeric',
      'uuid',
      'jsonb',
    ] as const
  ).map((n) => [PgType[n], n]),
);

/** A binary value as text, for the types whose binary format says plainly what it is; null: not readable here. */
function binaryText(type: number, v: Buffer): string | null {
  if (binaryFormatIsText(type)) return v.toString('utf8');
  if (type === PgType.jsonb) return v.length >= 1 && v[0] === 1 ? v.toString('utf8', 1) : null;
  if (type === PgType.bool && v.length === 1) return v[0] ? 'true' : 'false';
  if (type === PgType.int2 && v.length === 2) return String(v.readInt16BE(0));
  if ((type === PgType.int4 || type === PgType.oid) && v.length === 4) return String(type === PgType.int4 ? v.readInt32BE(0) : v.readUInt32BE(0));
  if (type === PgType.int8 && v.length === 8) return v.readBigInt64BE(0).toString();
  if (type === PgType.float4 && v.length === 4) return String(v.readFloatBE(0));
  if (type === PgType.float8 && v.length === 8) return String(v.readDoubleBE(0));
  if (type === PgType.uuid && v.length === 16) {
    const h = v.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return null;
}

/** Characters shown escaped: controls, and the invisible ones that reorder or hide text (bidi overrides, zero widths). */
const UNSEEN = '\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff';
const HAS_UNSEEN = new RegExp(`[${UNSEEN}]`);
const TO_ESCAPE = new RegExp(`[${UNSEEN}\\\\]`, 'g');

/** Text as a SQL string literal on one line: E'…' with escapes when it holds anything that would not show as itself. */
export function sqlLiteral(text: string): string {
  const quoted = text.replace(/'/g, "''");
  if (!HAS_UNSEEN.test(text)) return `'${quoted}'`;
  const escaped = quoted.replace(TO_ESCAPE, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `E'${escaped}'`;
}

/** One line per bound value, `$1 = 'masked value' (text)`, masked by `mask` (the audit trail's masking). */
export function describeParams(p: BoundParams, mask: (text: string) => string): string[] {
  return p.values.map((v, i) => {
    const type = p.types[i] ?? 0;
    const binary = formatOf(p.formats, i) === 1;
    const typeName = p.typeNames ? (p.typeNames[i] ?? '') : type === 0 ? '' : (TYPE_NAMES.get(type) ?? `type ${type}`);
    const about = [typeName, binary ? 'binary' : ''].filter(Boolean).join(', ');
    const suffix = about ? ` (${about})` : '';
    if (v === null) return `$${i + 1} = NULL${suffix}`;
    const text = binary ? binaryText(type, v) : v.toString('utf8');
    if (text === null) return `$${i + 1} = ${v.length} bytes in binary, not shown${suffix}`;
    const masked = mask(text);
    const shown = masked.length > MAX_VALUE_CHARS ? `${sqlLiteral(masked.slice(0, MAX_VALUE_CHARS))}… (${masked.length} characters, cut)` : sqlLiteral(masked);
    return `$${i + 1} = ${shown}${suffix}`;
  });
}

/**
 * The subject as reviewers read it: the statement, then, as SQL comments, each prepared statement it runs and each
 * value bound to it. Every part is masked by `mask`; a value is one line, so it cannot pass for statement text.
 */
export function reviewText(s: ReviewSubject, mask: (text: string) => string): string {
  const lines = [mask(s.sql)];
  for (const r of s.runs ?? []) {
    lines.push(`-- prepared statement ${sqlLiteral(r.name)}, which EXECUTE runs, as prepared:`);
    for (const l of mask(r.definition).split(/\r\n|[\n\r\u2028\u2029]/)) lines.push(`--   ${l}`);
  }
  if (s.params && s.params.values.length > 0) {
    lines.push('-- with the values:');
    for (const l of describeParams(s.params, mask)) lines.push(`--   ${l}`);
  }
  const intent = s.intent?.trim();
  if (intent) {
    lines.push('-- asked for with these words (the intent stated before it):');
    const cut = intent.length > MAX_INTENT_CHARS ? `…${intent.slice(-MAX_INTENT_CHARS)}` : intent;
    for (const l of mask(cut).split(/\r\n|[\n\r\u2028\u2029]/)) lines.push(`--   ${l}`);
  }
  return lines.join('\n');
}
