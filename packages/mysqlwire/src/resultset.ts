import { type BinaryValue, readBinaryValue, writeBinaryValue } from './binary-values';
import { COLUMN_FLAG } from './constants';
import { MysqlWireError } from './errors';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

/** Protocol::ColumnDefinition41. */
export interface ColumnDefinition {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  type: number;
  flags: number;
  decimals: number;
  /** COM_FIELD_LIST's default value (absent in result sets) */
  defaultValue?: Buffer | null;
}

/** A result set's first packet: the column count (MySQL 8's optional metadata flag is not negotiated). */
export function parseColumnCount(payload: Buffer): number {
  const r = new PayloadReader(payload, 'column count');
  const n = r.lenenc();
  r.done();
  if (n === 0) throw new MysqlWireError('column count: a result set has at least one column');
  // a packet holds at most 2^24 - 1 bytes and a column definition takes at least 13: MySQL caps columns at 4096
  if (n > 0xffff) throw new MysqlWireError(`column count ${n} is out of range`);
  return n;
}

export function writeColumnCount(n: number): Buffer {
  return new PayloadWriter(9).lenenc(n).finish();
}

export function parseColumnDefinition(payload: Buffer, fieldList = false): ColumnDefinition {
  const r = new PayloadReader(payload, 'ColumnDefinition41');
  const col: ColumnDefinition = {
    catalog: r.lenencString(),
    schema: r.lenencString(),
    table: r.lenencString(),
    orgTable: r.lenencString(),
    name: r.lenencString(),
    orgName: r.lenencString(),
    characterSet: 0,
    columnLength: 0,
    type: 0,
    flags: 0,
    decimals: 0,
  };
  const fixed = r.lenenc();
  if (fixed < 12) throw new MysqlWireError(`ColumnDefinition41: fixed-length fields of ${fixed} bytes`);
  const end = r.offset + fixed;
  col.characterSet = r.int2();
  col.columnLength = r.int4();
  col.type = r.int1();
  col.flags = r.int2();
  col.decimals = r.int1();
  r.skip(end - r.offset);
  if (fieldList && r.left > 0) {
    if (r.peek() === 0xfb) {
      r.skip(1);
      col.defaultValue = null;
    } else col.defaultValue = r.lenencBytes();
  }
  r.done();
  return col;
}

export function writeColumnDefinition(c: Partial<ColumnDefinition> & { name: string; type: number }): Buffer {
  const w = new PayloadWriter(64);
  w.lenencString(c.catalog ?? 'def')
    .lenencString(c.schema ?? '')
    .lenencString(c.table ?? '')
    .lenencString(c.orgTable ?? '')
    .lenencString(c.name)
    .lenencString(c.orgName ?? '');
  w.lenenc(12)
    .int2(c.characterSet ?? 33)
    .int4(c.columnLength ?? 0)
    .int1(c.type)
    .int2(c.flags ?? 0)
    .int1(c.decimals ?? 0)
    .zeros(2);
  if (c.defaultValue !== undefined) {
    if (c.defaultValue === null) w.int1(0xfb);
    else w.lenencString(c.defaultValue);
  }
  return w.finish();
}

/** The values of a text-protocol row: each a length-encoded string, or NULL (0xFB). */
export function parseTextRow(payload: Buffer, columns: number): (Buffer | null)[] {
  const r = new PayloadReader(payload, 'text row');
  const values: (Buffer | null)[] = new Array(r.count(columns, 1, 'column'));
  for (let i = 0; i < columns; i++) {
    if (r.peek() === 0xfb) {
      r.skip(1);
      values[i] = null;
    } else values[i] = r.lenencBytes();
  }
  r.done();
  return values;
}

export function writeTextRow(values: readonly (Uint8Array | string | null)[]): Buffer {
  const w = new PayloadWriter(64);
  for (const v of values) {
    if (v === null) w.int1(0xfb);
    else w.lenencString(v);
  }
  return w.finish();
}

/** The column types (and UNSIGNED flags) a binary row is read with. */
export type BinaryColumns = readonly Pick<ColumnDefinition, 'type' | 'flags'>[];

/** The values of a binary-protocol row: 0x00, a NULL bitmap (offset 2), then each non-NULL value by its type. */
export function parseBinaryRow(payload: Buffer, columns: BinaryColumns): BinaryValue[] {
  const r = new PayloadReader(payload, 'binary row');
  if (r.int1() !== 0x00) throw new MysqlWireError('binary row: does not start with 0x00');
  const bitmap = r.bytes((columns.length + 7 + 2) >> 3);
  const values: BinaryValue[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const bit = i + 2;
    if ((bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0) values[i] = null;
    else values[i] = readBinaryValue(r, columns[i]!.type, (columns[i]!.flags & COLUMN_FLAG.UNSIGNED) !== 0);
  }
  r.done();
  return values;
}

export function writeBinaryRow(columns: BinaryColumns, values: readonly BinaryValue[]): Buffer {
  if (values.length !== columns.length) throw new RangeError(`binary row: ${values.length} values for ${columns.length} columns`);
  const w = new PayloadWriter(64).int1(0x00);
  const bitmap = Buffer.alloc((columns.length + 7 + 2) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] === null) bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
  w.bytes(bitmap);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) writeBinaryValue(w, columns[i]!.type, values[i]!);
  return w.finish();
}
