import { TYPE } from './constants';
import { MysqlWireError } from './errors';
import type { PayloadReader } from './reader';
import type { PayloadWriter } from './writer';

/** DATE, DATETIME and TIMESTAMP values of the binary protocol. */
export interface MysqlDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

/** TIME values of the binary protocol (a duration: days and a sign). */
export interface MysqlTime {
  negative: boolean;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  microseconds: number;
}

/**
 * A value of the binary protocol: integers (LONGLONG as a bigint, the others as numbers), FLOAT and DOUBLE as numbers,
 * dates and times as their fields, and every string-like type (DECIMAL, VARCHAR, BLOB, JSON, BIT, ENUM, SET,
 * GEOMETRY, …) as its bytes. A string may be given to a writer in place of bytes (written as UTF-8).
 */
export type BinaryValue = number | bigint | Buffer | string | MysqlDateTime | MysqlTime | null;

/** The string-like types: a length-encoded string in the binary protocol. */
const LENENC_TYPES = new Set<number>([
  TYPE.DECIMAL,
  TYPE.NEWDECIMAL,
  TYPE.VARCHAR,
  TYPE.BIT,
  TYPE.ENUM,
  TYPE.SET,
  TYPE.TINY_BLOB,
  TYPE.MEDIUM_BLOB,
  TYPE.LONG_BLOB,
  TYPE.BLOB,
  TYPE.VAR_STRING,
  TYPE.STRING,
  TYPE.GEOMETRY,
  TYPE.JSON,
  TYPE.VECTOR,
  TYPE.TYPED_ARRAY,
]);
const DATE_TYPES = new Set<number>([TYPE.DATE, TYPE.NEWDATE, TYPE.DATETIME, TYPE.TIMESTAMP, TYPE.DATETIME2, TYPE.TIMESTAMP2]);
const TIME_TYPES = new Set<number>([TYPE.TIME, TYPE.TIME2]);

/** A date or a time: a length byte, then that many bytes of fields. */
export const isDateOrTime = (type: number) => DATE_TYPES.has(type) || TIME_TYPES.has(type);

/** True for a type the binary protocol encodes (an unknown type cannot be skipped: its length is not known). */
export function isKnownType(type: number): boolean {
  return LENENC_TYPES.has(type) || DATE_TYPES.has(type) || TIME_TYPES.has(type) || FIXED_SIZE[type] !== undefined;
}

/** Bytes of the fixed-size values, by type (absent: length-encoded, a date or time, or unknown). */
export const FIXED_SIZE: Readonly<Record<number, number>> = {
  [TYPE.TINY]: 1,
  [TYPE.BOOL]: 1,
  [TYPE.SHORT]: 2,
  [TYPE.YEAR]: 2,
  [TYPE.LONG]: 4,
  [TYPE.INT24]: 4,
  [TYPE.FLOAT]: 4,
  [TYPE.LONGLONG]: 8,
  [TYPE.DOUBLE]: 8,
  [TYPE.NULL]: 0,
};

/** Reads one value of `type`; `unsigned`: the column's UNSIGNED flag (or a parameter's 0x80). */
export function readBinaryValue(r: PayloadReader, type: number, unsigned: boolean): BinaryValue {
  switch (type) {
    case TYPE.TINY:
    case TYPE.BOOL: {
      const v = r.int1();
      return unsigned ? v : (v << 24) >> 24;
    }
    case TYPE.SHORT:
    case TYPE.YEAR: {
      const v = r.int2();
      return unsigned ? v : (v << 16) >> 16;
    }
    case TYPE.LONG:
    case TYPE.INT24: {
      const v = r.int4();
      return unsigned ? v : v | 0;
    }
    case TYPE.LONGLONG: {
      const v = r.int8();
      return unsigned ? v : BigInt.asIntN(64, v);
    }
    case TYPE.FLOAT:
      return r.bytes(4).readFloatLE(0);
    case TYPE.DOUBLE:
      return r.bytes(8).readDoubleLE(0);
    case TYPE.NULL:
      return null;
  }
  if (LENENC_TYPES.has(type)) return r.lenencBytes();
  if (DATE_TYPES.has(type)) {
    const len = r.int1();
    if (len !== 0 && len !== 4 && len !== 7 && len !== 11) throw new MysqlWireError(`binary value: date length ${len}`);
    const d: MysqlDateTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, microsecond: 0 };
    if (len >= 4) Object.assign(d, { year: r.int2(), month: r.int1(), day: r.int1() });
    if (len >= 7) Object.assign(d, { hour: r.int1(), minute: r.int1(), second: r.int1() });
    if (len === 11) d.microsecond = r.int4();
    return d;
  }
  if (TIME_TYPES.has(type)) {
    const len = r.int1();
    if (len !== 0 && len !== 8 && len !== 12) throw new MysqlWireError(`binary value: time length ${len}`);
    const t: MysqlTime = { negative: false, days: 0, hours: 0, minutes: 0, seconds: 0, microseconds: 0 };
    if (len >= 8) Object.assign(t, { negative: r.int1() === 1, days: r.int4(), hours: r.int1(), minutes: r.int1(), seconds: r.int1() });
    if (len === 12) t.microseconds = r.int4();
    return t;
  }
  throw new MysqlWireError(`binary value: unknown column type ${type}`);
}

const isObj = (v: BinaryValue): v is MysqlDateTime | MysqlTime => typeof v === 'object' && v !== null && !Buffer.isBuffer(v);

/** Writes one non-NULL value of `type`; a value of the wrong kind for the type is a RangeError (a caller's bug). */
export function writeBinaryValue(w: PayloadWriter, type: number, value: BinaryValue): void {
  const size = FIXED_SIZE[type];
  if (size !== undefined) {
    if (size === 0) return;
    if (type === TYPE.LONGLONG) {
      if (typeof value !== 'bigint' && typeof value !== 'number') throw new RangeError(`LONGLONG value must be a bigint: ${String(value)}`);
      w.int8(BigInt(value));
      return;
    }
    if (typeof value !== 'number') throw new RangeError(`type ${type} value must be a number: ${String(value)}`);
    if (type === TYPE.FLOAT) {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatLE(value);
      w.bytes(b);
    } else if (type === TYPE.DOUBLE) {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleLE(value);
      w.bytes(b);
    } else if (size === 1) w.int1(value);
    else if (size === 2) w.int2(value);
    else w.int4(value);
    return;
  }
  if (LENENC_TYPES.has(type)) {
    if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw new RangeError(`type ${type} value must be bytes or a string`);
    w.lenencString(value);
    return;
  }
  if (!isObj(value)) throw new RangeError(`type ${type} value must be a date or time`);
  if (DATE_TYPES.has(type)) {
    const d = value as MysqlDateTime;
    const len = d.microsecond ? 11 : d.hour || d.minute || d.second ? 7 : d.year || d.month || d.day ? 4 : 0;
    w.int1(len);
    if (len >= 4) w.int2(d.year).int1(d.month).int1(d.day);
    if (len >= 7) w.int1(d.hour).int1(d.minute).int1(d.second);
    if (len === 11) w.int4(d.microsecond);
    return;
  }
  if (TIME_TYPES.has(type)) {
    const t = value as MysqlTime;
    const len = t.microseconds ? 12 : t.negative || t.days || t.hours || t.minutes || t.seconds ? 8 : 0;
    w.int1(len);
    if (len >= 8)
      w.int1(t.negative ? 1 : 0)
        .int4(t.days)
        .int1(t.hours)
        .int1(t.minutes)
        .int1(t.seconds);
    if (len === 12) w.int4(t.microseconds);
    return;
  }
  throw new RangeError(`binary value: unknown column type ${type}`);
}
