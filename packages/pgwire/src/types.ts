/**
 * Postgres type OIDs under their `pg_type.typname`: the built-in types, whose OIDs are fixed across servers and
 * versions (the `typeOid` of a RowDescription field, of a Parse parameter). Types from extensions and user types
 * (citext, enums, domains) get an OID per database and are not here. Arrays are `_` and the element's name, as in
 * pg_type.
 */
export const PgType = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  cidr: 650,
  float4: 700,
  float8: 701,
  unknown: 705,
  macaddr8: 774,
  money: 790,
  macaddr: 829,
  inet: 869,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  _xml: 143,
  _json: 199,
  _cidr: 651,
  _money: 791,
  _bool: 1000,
  _bytea: 1001,
  _name: 1003,
  _int2: 1005,
  _int4: 1007,
  _text: 1009,
  _bpchar: 1014,
  _varchar: 1015,
  _int8: 1016,
  _float4: 1021,
  _float8: 1022,
  _oid: 1028,
  _macaddr: 1040,
  _inet: 1041,
  _timestamp: 1115,
  _date: 1182,
  _time: 1183,
  _timestamptz: 1185,
  _interval: 1187,
  _numeric: 1231,
  _timetz: 1270,
  _uuid: 2951,
  _jsonb: 3807,
} as const;

export type PgTypeName = keyof typeof PgType;

/** Types whose binary format is their UTF-8 text, as the text format is (jsonb adds a version byte, so it is not one). */
const BINARY_AS_TEXT: ReadonlySet<number> = new Set([
  PgType.char,
  PgType.name,
  PgType.text,
  PgType.json,
  PgType.xml,
  PgType.unknown,
  PgType.bpchar,
  PgType.varchar,
]);

export function binaryFormatIsText(typeOid: number): boolean {
  return BINARY_AS_TEXT.has(typeOid);
}
