/**
 * A row rewritten in place of its cells (rewriteRowInto) is what writeTextRow / writeBinaryRow write for the same
 * values, whatever is replaced, NULLs and long values included; the cells are found inside a larger buffer.
 */
import { describe, expect, it } from 'vitest';
import type { BinaryValue } from './binary-values';
import { TYPE } from './constants';
import { MysqlWireError } from './errors';
import { parseBinaryRow, writeBinaryRow, writeTextRow } from './resultset';
import { binaryCells, binaryLayout, binaryValueText, CELL_ENTRIES, copyRange, type Replacement, rewriteRowInto, rewrittenSize, textCells } from './row-cells';
import { COLUMN_FLAG } from './constants';

type V = string | Buffer | null;

/** the payload inside other bytes, as a row lies in a chunk read from a socket */
const embedded = (payload: Buffer) => Buffer.concat([Buffer.from('before'), payload, Buffer.from('after')]);

function rewritten(payload: Buffer, replaced: Replacement[], binary: boolean, types: number[] = []): Buffer {
  const buf = embedded(payload);
  const start = 6;
  const end = start + payload.length;
  const cells = new Int32Array(CELL_ENTRIES * replaced.length);
  if (binary) binaryCells(buf, start, end, types.map(binaryLayout), cells);
  else textCells(buf, start, end, replaced.length, cells);
  const size = rewrittenSize(start, end, cells, replaced, binary);
  const out = Buffer.alloc(size + 4, 0xee);
  expect(rewriteRowInto(buf, start, end, cells, replaced, binary, out, 2)).toBe(size + 2);
  expect([out[0], out[1], out[size + 2], out[size + 3]]).toEqual([0xee, 0xee, 0xee, 0xee]);
  return out.subarray(2, size + 2);
}

function check(values: V[], replaced: (V | undefined)[]) {
  const merged = values.map((v, i) => (replaced[i] === undefined ? v : replaced[i]!));
  expect(rewritten(writeTextRow(values), replaced, false)).toEqual(writeTextRow(merged));
}

let seed = 11;
const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const value = (): V => (r() < 0.2 ? null : r() < 0.5 ? 'é'.repeat(Math.floor(r() * 200)) : Buffer.alloc(Math.floor(r() * 400), 0x62));

describe('text rows', () => {
  it('replaces values in place of the old ones, keeps the others byte for byte', () => {
    check(['1', 'ann@example.com', 'order 1', null], [undefined, '[EMAIL]', undefined, undefined]);
    check(['1', 'ann@example.com', 'order 1', null], ['x', null, 'ü€ with more bytes than characters', 'was null']);
    check([null, null], [undefined, '']);
    check(['a'], [undefined]);
  });

  it('writes the length of each value in its shortest form, at every size', () => {
    for (const n of [0, 250, 251, 0xffff, 0x10000]) {
      check(['a', 'x'.repeat(n), 'b'], [undefined, 'y'.repeat(n === 0 ? 300 : 1), undefined]);
      check(['a', 'x', 'b'], [undefined, Buffer.alloc(n, 0x61), 'c'.repeat(n)]);
    }
  });

  it('agrees with writeTextRow on random rows and replacements', () => {
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(r() * 8);
      const values = Array.from({ length: n }, value);
      check(
        values,
        Array.from({ length: n }, () => (r() < 0.5 ? undefined : value())),
      );
    }
  });

  it('refuses a row shorter or longer than its cells, a bad length, and reads nothing past the row', () => {
    const cells = new Int32Array(CELL_ENTRIES * 2);
    const row = writeTextRow(['abc', 'de']);
    expect(() => textCells(row, 0, row.length - 1, 2, cells)).toThrow(MysqlWireError);
    expect(() => textCells(row, 0, row.length, 1, cells)).toThrow(/trailing bytes/);
    expect(() => textCells(Buffer.from([0xff, 0x01]), 0, 2, 1, cells)).toThrow(/length-encoded/);
    expect(() => textCells(Buffer.from([0xfc, 0x01]), 0, 2, 1, cells)).toThrow(/shorter/);
    // a length that runs into the bytes after the row
    const buf = Buffer.from([0x05, 0x61, 0x61, 0x61, 0x61, 0x61]);
    expect(() => textCells(buf, 0, 3, 1, cells)).toThrow(/shorter/);
  });
});

describe('binary rows', () => {
  const types = [TYPE.LONG, TYPE.VAR_STRING, TYPE.DATETIME, TYPE.LONGLONG, TYPE.BLOB, TYPE.DOUBLE, TYPE.TIME, TYPE.NEWDECIMAL, TYPE.TINY];
  const columns = types.map((type) => ({ type, flags: 0 }));
  const randomValue = (type: number): BinaryValue => {
    if (r() < 0.25) return null;
    switch (type) {
      case TYPE.LONG:
        return Math.floor(r() * 2 ** 31) - 2 ** 30;
      case TYPE.LONGLONG:
        return BigInt(Math.floor(r() * 2 ** 40)) - 7n;
      case TYPE.DOUBLE:
        return r() * 1e6;
      case TYPE.TINY:
        return Math.floor(r() * 200) - 100;
      case TYPE.DATETIME:
        return { year: 2024, month: 1 + Math.floor(r() * 12), day: 3, hour: r() < 0.5 ? 0 : 5, minute: 0, second: 0, microsecond: r() < 0.5 ? 0 : 7 };
      case TYPE.TIME:
        return { negative: r() < 0.5, days: 0, hours: 1, minutes: 2, seconds: 3, microseconds: 0 };
      case TYPE.NEWDECIMAL:
        return Buffer.from(String(r() * 1000));
      default:
        return Buffer.from('x'.repeat(Math.floor(r() * 300)));
    }
  };

  it('reads each number value as the text a detector judges, signed and unsigned; other types and NULL as none', () => {
    const U = COLUMN_FLAG.UNSIGNED;
    const cases: [number, number, BinaryValue, string | null][] = [
      [TYPE.TINY, 0, -100, '-100'],
      [TYPE.TINY, U, 200, '200'],
      [TYPE.SHORT, 0, -32768, '-32768'],
      [TYPE.YEAR, U, 2024, '2024'],
      [TYPE.LONG, 0, -5, '-5'],
      [TYPE.LONG, U, 4_000_000_000, '4000000000'],
      [TYPE.INT24, 0, 8_388_607, '8388607'],
      [TYPE.LONGLONG, 0, -(2n ** 63n), '-9223372036854775808'],
      [TYPE.LONGLONG, U, 2n ** 64n - 1n, '18446744073709551615'],
      [TYPE.FLOAT, 0, 1.5, '1.5'],
      [TYPE.DOUBLE, 0, 4111111111111111, '4111111111111111'],
      [TYPE.VAR_STRING, 0, Buffer.from('42'), null],
      [TYPE.DATETIME, 0, { year: 2024, month: 1, day: 2, hour: 0, minute: 0, second: 0, microsecond: 0 }, null],
      [TYPE.LONG, 0, null, null],
    ];
    for (const [type, flags, v, text] of cases) {
      // the value after another, inside a larger buffer
      const cols = [
        { type: TYPE.TINY, flags: 0 },
        { type, flags },
      ];
      const buf = embedded(writeBinaryRow(cols, [7, v]));
      const cells = new Int32Array(CELL_ENTRIES * 2);
      binaryCells(
        buf,
        6,
        buf.length - 5,
        cols.map((c) => binaryLayout(c.type)),
        cells,
      );
      expect([type, flags, binaryValueText(buf, cells, 1, type, flags)]).toEqual([type, flags, text]);
    }
  });

  it('agrees with writeBinaryRow on random rows; values made NULL get their bitmap bit', () => {
    for (let k = 0; k < 300; k++) {
      const values = types.map(randomValue);
      const replaced: Replacement[] = types.map((t) => {
        const x = r();
        if (x < 0.5) return undefined;
        if (x < 0.75) return null;
        return binaryLayout(t) === -1 ? (r() < 0.5 ? 'é'.repeat(Math.floor(r() * 100)) : Buffer.alloc(Math.floor(r() * 300), 0x63)) : null;
      });
      const merged = values.map((v, i) => (replaced[i] === undefined ? v : (replaced[i] as BinaryValue)));
      const got = rewritten(writeBinaryRow(columns, values), replaced, true, types);
      expect(got).toEqual(writeBinaryRow(columns, merged));
      expect(parseBinaryRow(got, columns)).toEqual(parseBinaryRow(writeBinaryRow(columns, merged), columns));
    }
  });

  it('refuses a row without its header, shorter than its values or with bytes left over', () => {
    const row = writeBinaryRow(columns.slice(0, 2), [5, Buffer.from('abc')]);
    const cells = new Int32Array(CELL_ENTRIES * 2);
    const layouts = types.slice(0, 2).map(binaryLayout);
    expect(() => binaryCells(row, 0, row.length - 1, layouts, cells)).toThrow(/shorter/);
    expect(() => binaryCells(Buffer.concat([row, Buffer.from([1])]), 0, row.length + 1, layouts, cells)).toThrow(/trailing/);
    const bad = Buffer.from(row);
    bad[0] = 1;
    expect(() => binaryCells(bad, 0, bad.length, layouts, cells)).toThrow(/0x00/);
  });
});

describe('copyRange', () => {
  it('copies every length at every offset exactly, and nothing beside it, across buffers used in turns', () => {
    // four bytes at a time through views kept from the last call: two pairs of buffers taken in turns check that a
    // view is never used for another buffer
    const sources = [Buffer.alloc(200), Buffer.alloc(150)].map((b) => b.map((_, i) => (i * 7 + b.length) & 0xff));
    const pooled = Buffer.from('a small pooled buffer: its bytes start inside a larger slab');
    for (let len = 0; len <= 80; len++) {
      for (const from of [0, 1, 2, 3, 5, 50]) {
        for (const at of [0, 1, 3, 7]) {
          for (const src of [...sources, pooled]) {
            if (from + len > src.length) continue;
            const out = Buffer.alloc(at + len + 3, 0xee);
            expect(copyRange(src, from, from + len, out, at)).toBe(len);
            expect(out.subarray(at, at + len).equals(src.subarray(from, from + len)), `${len} ${from} ${at}`).toBe(true);
            expect([...out.subarray(0, at), ...out.subarray(at + len)].every((b) => b === 0xee)).toBe(true);
          }
        }
      }
    }
  });
});
