import { type BinaryValue, type BoundParam, type MysqlDateTime, type MysqlTime, TYPE } from '@hoop/mysqlwire';
import type { BoundParams } from '../session/review-subject';

/** The names reviewers read for the parameter types a client binds. */
const NAMES = new Map<number, string>([
  [TYPE.DECIMAL, 'decimal'],
  [TYPE.NEWDECIMAL, 'decimal'],
  [TYPE.TINY, 'tinyint'],
  [TYPE.SHORT, 'smallint'],
  [TYPE.LONG, 'int'],
  [TYPE.INT24, 'mediumint'],
  [TYPE.LONGLONG, 'bigint'],
  [TYPE.FLOAT, 'float'],
  [TYPE.DOUBLE, 'double'],
  [TYPE.NULL, 'null'],
  [TYPE.TIMESTAMP, 'timestamp'],
  [TYPE.DATE, 'date'],
  [TYPE.TIME, 'time'],
  [TYPE.DATETIME, 'datetime'],
  [TYPE.YEAR, 'year'],
  [TYPE.VARCHAR, 'varchar'],
  [TYPE.VAR_STRING, 'varchar'],
  [TYPE.STRING, 'char'],
  [TYPE.BIT, 'bit'],
  [TYPE.JSON, 'json'],
  [TYPE.ENUM, 'enum'],
  [TYPE.SET, 'set'],
  [TYPE.TINY_BLOB, 'blob'],
  [TYPE.MEDIUM_BLOB, 'blob'],
  [TYPE.LONG_BLOB, 'blob'],
  [TYPE.BLOB, 'blob'],
  [TYPE.GEOMETRY, 'geometry'],
]);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dateText(v: MysqlDateTime, type: number): string {
  const date = `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}`;
  if (type === TYPE.DATE) return date;
  return `${date} ${pad(v.hour)}:${pad(v.minute)}:${pad(v.second)}${v.microsecond ? `.${pad(v.microsecond, 6)}` : ''}`;
}

function timeText(v: MysqlTime): string {
  const hours = v.days * 24 + v.hours;
  return `${v.negative ? '-' : ''}${pad(hours)}:${pad(v.minutes)}:${pad(v.seconds)}${v.microseconds ? `.${pad(v.microseconds, 6)}` : ''}`;
}

/** One bound value as the bytes of its text: numbers in decimal, dates as MySQL writes them, strings as sent. */
function valueBytes(type: number, v: BinaryValue): Buffer | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'number' || typeof v === 'bigint') return Buffer.from(String(v), 'utf8');
  if ('days' in v) return Buffer.from(timeText(v), 'utf8');
  return Buffer.from(dateText(v, type), 'utf8');
}

/**
 * The values of a COM_STMT_EXECUTE as a review binds them: each value's type (with UNSIGNED) goes into the review's
 * digest, so `1` bound as a number and `'1'` bound as a string are different approvals; reviewers read the values as
 * text with MySQL's type names.
 */
export function boundParams(params: readonly BoundParam[]): BoundParams {
  return {
    types: params.map((p) => (p.type | (p.unsigned ? 0x8000 : 0)) >>> 0),
    formats: [],
    values: params.map((p) => valueBytes(p.type, p.value)),
    typeNames: params.map((p) => `${NAMES.get(p.type) ?? `type ${p.type}`}${p.unsigned ? ' unsigned' : ''}`),
  };
}
