import { PgType, type PgTypeName } from '@hoop/pgwire';

/**
 * Postgres types, grouped by what a masked value may look like.
 *
 * Text-like types (text, varchar, bpchar, name, "char", json, jsonb, xml, unknown) take a textual replacement. Extension
 * types such as citext and enums have OIDs assigned per database, so every OID not listed here is treated as text-like as
 * well: their text form is read by drivers as a string.
 */

export type TypeKind =
  /** text-like: replacements are text */
  | 'text'
  | 'json'
  /** an array of text values: spans inside are replaced, a whole value becomes NULL */
  | 'text_array'
  /** numbers, dates, times, non-text arrays: a PII-named column becomes NULL, others pass */
  | 'scalar'
  /** inet/cidr: always an address; NULL when IPs are masked */
  | 'inet'
  /** cannot hold readable PII: bool, uuid, bytea, macaddr */
  | 'never';

const KINDS = new Map<number, TypeKind>();
const put = (kind: TypeKind, types: PgTypeName[]) => types.forEach((t) => KINDS.set(PgType[t], kind));

put('text', ['char', 'name', 'text', 'xml', 'unknown', 'bpchar', 'varchar']);
put('json', ['json', 'jsonb']);
put('text_array', ['_xml', '_json', '_name', '_text', '_bpchar', '_varchar', '_jsonb']);
put('scalar', [
  'int8',
  'int2',
  'int4',
  'oid',
  'float4',
  'float8',
  'money',
  'numeric',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
  'timetz',
  '_int2',
  '_int4',
  '_int8',
  '_float4',
  '_float8',
  '_oid',
  '_numeric',
  '_money', // their arrays
  '_date',
  '_time',
  '_timestamp',
  '_timestamptz',
  '_interval',
  '_timetz',
  '_inet',
  '_cidr',
]);
put('inet', ['cidr', 'inet']);
put('never', ['bool', 'bytea', 'uuid', 'macaddr', 'macaddr8', '_bool', '_bytea', '_uuid', '_macaddr']);

export function typeKind(oid: number | undefined): TypeKind {
  return oid === undefined ? 'text' : (KINDS.get(oid) ?? 'text');
}

/** Whether a textual replacement such as `[EMAIL]` is a valid value of this type; unknown OIDs count as text-like. */
export function isTextLikeType(oid: number): boolean {
  const kind = typeKind(oid);
  return kind === 'text' || kind === 'json';
}
