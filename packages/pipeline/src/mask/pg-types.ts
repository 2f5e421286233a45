/**
 * Postgres type OIDs, grouped by what a masked value may look like.
 *
 * Text-like types (text 25, varchar 1043, bpchar 1042, name 19, "char" 18, json 114, jsonb 3802, xml 142,
 * unknown 705) take a textual replacement. Extension types such as citext and enums have OIDs assigned per database,
 * so every OID not listed here is treated as text-like as well: their text form is read by drivers as a string.
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
const put = (kind: TypeKind, oids: number[]) => oids.forEach((o) => KINDS.set(o, kind));

put('text', [18, 19, 25, 142, 705, 1042, 1043]);
put('json', [114, 3802]);
put('text_array', [143, 199, 1003, 1009, 1014, 1015, 3807]);
put('scalar', [
  20, 21, 23, 26, 700, 701, 790, 1700, // integers, oid, floats, money, numeric
  1082, 1083, 1114, 1184, 1186, 1266, // date, time, timestamp(tz), interval, timetz
  1005, 1007, 1016, 1021, 1022, 1028, 1231, 791, // their arrays
  1182, 1183, 1115, 1185, 1187, 1270,
  1041, 651, // inet[], cidr[]
]);
put('inet', [650, 869]);
put('never', [16, 17, 2950, 829, 774, 1000, 1001, 2951, 1040]);

export function typeKind(oid: number | undefined): TypeKind {
  return oid === undefined ? 'text' : (KINDS.get(oid) ?? 'text');
}

/** Whether a textual replacement such as `[EMAIL]` is a valid value of this type; unknown OIDs count as text-like. */
export function isTextLikeType(oid: number): boolean {
  const kind = typeKind(oid);
  return kind === 'text' || kind === 'json';
}
