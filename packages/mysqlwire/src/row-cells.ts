import { FIXED_SIZE, isDateOrTime, readBinaryValue } from './binary-values';
import { COLUMN_FLAG } from './constants';
import { MysqlWireError } from './errors';
import { PayloadReader } from './reader';
import { lenencSize } from './writer';

/**
 * Where the values of one row lie in the bytes it came in, found without copying anything: what masking a row costs
 * is then the values it changes. `cells` holds three entries per column (the caller's, reused across rows):
 * `cells[3i]` where value i's bytes start (its length prefix included), `cells[3i + 1]` where its content starts (-1:
 * NULL), `cells[3i + 2]` where its bytes end. Offsets are into the buffer the row is in (`buf[start, end)`).
 */
export const CELL_ENTRIES = 3;

/** The values of a text-protocol row: each a length-encoded string, or NULL (0xFB). */
export function textCells(buf: Uint8Array, start: number, end: number, columns: number, cells: Int32Array): void {
  if (cells.length < CELL_ENTRIES * columns) throw new RangeError(`textCells: room for ${cells.length / CELL_ENTRIES} columns, the row has ${columns}`);
  let at = start;
  for (let i = 0; i < columns; i++) {
    const k = CELL_ENTRIES * i;
    if (at >= end) throw new MysqlWireError('text row: packet is shorter than its contents');
    cells[k] = at;
    if (buf[at] === 0xfb) {
      cells[k + 1] = -1;
      cells[k + 2] = ++at;
      continue;
    }
    at = lenencAt(buf, at, end, 'text row');
    cells[k + 1] = at;
    at += lengthRead;
    if (at > end) throw new MysqlWireError('text row: packet is shorter than its contents');
    cells[k + 2] = at;
  }
  if (at !== end) throw new MysqlWireError(`text row: ${end - at} unexpected trailing bytes`);
}

/** How a binary row holds a value of `type`: its size when fixed, -1 length-encoded, -2 a date or time (a length byte first). */
export function binaryLayout(type: number): number {
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined) return fixed;
  return isDateOrTime(type) ? -2 : -1;
}

/**
 * The values of a binary-protocol row (0x00, a NULL bitmap, then each non-NULL value), each column's layout given by
 * `binaryLayout` of its type. A NULL value takes no bytes: its three entries are where it would be, content -1.
 */
export function binaryCells(buf: Uint8Array, start: number, end: number, layouts: ArrayLike<number>, cells: Int32Array): void {
  const columns = layouts.length;
  if (cells.length < CELL_ENTRIES * columns) throw new RangeError(`binaryCells: room for ${cells.length / CELL_ENTRIES} columns, the row has ${columns}`);
  const bitmap = start + 1;
  let at = bitmap + ((columns + 9) >> 3);
  if (at > end || buf[start] !== 0x00) throw new MysqlWireError('binary row: does not start with 0x00 and a NULL bitmap');
  for (let i = 0; i < columns; i++) {
    const k = CELL_ENTRIES * i;
    cells[k] = at;
    const bit = i + 2;
    if ((buf[bitmap + (bit >> 3)]! & (1 << (bit & 7))) !== 0) {
      cells[k + 1] = -1;
      cells[k + 2] = at;
      continue;
    }
    const layout = layouts[i]!;
    if (layout >= 0) {
      cells[k + 1] = at;
      at += layout;
    } else if (layout === -2) {
      if (at >= end) throw new MysqlWireError('binary row: packet is shorter than its contents');
      cells[k + 1] = at + 1;
      at += 1 + buf[at]!;
    } else {
      at = lenencAt(buf, at, end, 'binary row');
      cells[k + 1] = at;
      at += lengthRead;
    }
    if (at > end) throw new MysqlWireError('binary row: packet is shorter than its contents');
    cells[k + 2] = at;
  }
  if (at !== end) throw new MysqlWireError(`binary row: ${end - at} unexpected trailing bytes`);
}

/** the length `lenencAt` read last (a second return value without an object per call) */
let lengthRead = 0;

/** Reads the length-encoded integer at `at` into `lengthRead`; returns where its value starts. */
function lenencAt(buf: Uint8Array, at: number, end: number, what: string): number {
  const first = buf[at]!;
  let n: number;
  let size: number;
  if (first < 0xfb) {
    lengthRead = first;
    return at + 1;
  }
  if (first === 0xfc) size = 2;
  else if (first === 0xfd) size = 3;
  else if (first === 0xfe) size = 8;
  else throw new MysqlWireError(`${what}: 0x${first.toString(16)} does not start a length-encoded integer`);
  if (at + 1 + size > end) throw new MysqlWireError(`${what}: packet is shorter than its contents`);
  n = buf[at + 1]! | (buf[at + 2]! << 8);
  if (size >= 3) n += buf[at + 3]! * 0x10000;
  if (size === 8) {
    n += buf[at + 4]! * 0x1000000;
    for (let j = 5; j <= 8; j++) if (buf[at + j] !== 0) throw new MysqlWireError(`${what}: length is out of range`);
  }
  lengthRead = n;
  return at + 1 + size;
}

/** A value that replaces one of a row's: undefined keeps it, null makes it NULL, else its new bytes or text (UTF-8). */
export type Replacement = Uint8Array | string | null | undefined;

const byteLength = (r: Uint8Array | string) => (typeof r === 'string' ? Buffer.byteLength(r, 'utf8') : r.length);

/**
 * The size of the row `buf[start, end)` (its cells as textCells / binaryCells found them) with the values in
 * `replaced` put in place. In a binary row, a replacement other than null is written as a length-encoded string (the
 * caller replaces only values of such types with text).
 */
export function rewrittenSize(start: number, end: number, cells: Int32Array, replaced: readonly Replacement[], binary: boolean): number {
  let size = end - start;
  for (let i = 0; i < replaced.length; i++) {
    const r = replaced[i];
    if (r === undefined) continue;
    const k = CELL_ENTRIES * i;
    const now = cells[k + 2]! - cells[k]!;
    if (r === null) size += (binary ? 0 : 1) - now;
    else size += lenencSize(byteLength(r)) + byteLength(r) - now;
  }
  return size;
}

/**
 * Writes the row `buf[start, end)` with the values in `replaced` put in place into `out` at `at` (room for
 * `rewrittenSize` bytes); returns where it ended. The unchanged values are copied as runs of bytes; a binary row's
 * NULL bitmap says which values are NULL now.
 */
export function rewriteRowInto(
  buf: Buffer,
  start: number,
  end: number,
  cells: Int32Array,
  replaced: readonly Replacement[],
  binary: boolean,
  out: Buffer,
  at: number,
): number {
  let pos = at;
  let run = start;
  if (binary) {
    const bitmapEnd = start + 1 + ((replaced.length + 9) >> 3);
    pos += copyRange(buf, start, bitmapEnd, out, pos);
    for (let i = 0; i < replaced.length; i++) {
      if (replaced[i] === undefined) continue;
      const byte = at + 1 + ((i + 2) >> 3);
      const bit = 1 << ((i + 2) & 7);
      out[byte] = replaced[i] === null ? out[byte]! | bit : out[byte]! & ~bit;
    }
    run = bitmapEnd;
  }
  for (let i = 0; i < replaced.length; i++) {
    const r = replaced[i];
    if (r === undefined) continue;
    const k = CELL_ENTRIES * i;
    pos += copyRange(buf, run, cells[k]!, out, pos);
    run = cells[k + 2]!;
    if (r === null) {
      if (!binary) out[pos++] = 0xfb;
      continue;
    }
    const len = byteLength(r);
    if (len < 0xfb) out[pos++] = len;
    else if (len <= 0xffff) {
      out[pos] = 0xfc;
      pos = out.writeUInt16LE(len, pos + 1);
    } else if (len <= 0xffffff) {
      out[pos] = 0xfd;
      pos = out.writeUIntLE(len, pos + 1, 3);
    } else {
      out[pos] = 0xfe;
      pos = out.writeBigUInt64LE(BigInt(len), pos + 1);
    }
    if (typeof r === 'string') pos += out.write(r, pos, 'utf8');
    else {
      out.set(r, pos);
      pos += r.length;
    }
  }
  return pos + copyRange(buf, run, end, out, pos);
}

/**
 * runs at most this long are copied here, four bytes at a time through DataViews of the two buffers: Buffer#copy makes
 * a typed-array view per call (garbage, per row), and a byte at a time costs about twice as much as four
 */
const SHORT_RUN = 64;

/** a DataView of the buffer `copyRange` read (or wrote) last: rows come many to a buffer, so a view serves many calls */
let fromView: DataView = new DataView(new ArrayBuffer(0));
let fromBuf: Buffer | null = null;
let toView = fromView;
let toBuf: Buffer | null = null;

/**
 * Copies `buf[from, to)` into `out` at `at` (not overlapping: two buffers, or two parts of one apart); returns the bytes
 * copied. The views it keeps hold the last buffers it was given until it is given others.
 */
export function copyRange(buf: Buffer, from: number, to: number, out: Buffer, at: number): number {
  const n = to - from;
  if (n > SHORT_RUN) return buf.copy(out, at, from, to);
  if (buf !== fromBuf) {
    fromBuf = buf;
    fromView = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  if (out !== toBuf) {
    toBuf = out;
    toView = new DataView(out.buffer, out.byteOffset, out.length);
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) toView.setUint32(at + i, fromView.getUint32(from + i));
  for (; i < n; i++) out[at + i] = buf[from + i]!;
  return n;
}

/** A binary row's value of a number column (integer or floating point) read as text, for a detector (null for other layouts, NULL). */
export function binaryValueText(buf: Buffer, cells: Int32Array, i: number, type: number, flags: number): string | null {
  const from = cells[CELL_ENTRIES * i + 1]!;
  if (from < 0 || !FIXED_SIZE[type]) return null;
  const value = new PayloadReader(buf, 'binary row', from, cells[CELL_ENTRIES * i + 2]!);
  return String(readBinaryValue(value, type, (flags & COLUMN_FLAG.UNSIGNED) !== 0));
}
