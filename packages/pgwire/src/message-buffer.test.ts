import { describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser, dataRowCells } from './backend';
import { PgWireError } from './errors';
import { MessageBuffer } from './message-buffer';
import * as w from './writer';

const rows: (string | Buffer | null)[][] = [
  ['1', null, 'ünï', ''],
  [],
  ['x'.repeat(70_000)],
  [null, null],
  [Buffer.from([0, 1, 2, 255]), 'plain ascii', '日本語 🙂'],
];

describe('DataRows as byte ranges', () => {
  it('hands DataRows to onDataRow, other messages to onMessage, in order, however the bytes are cut', () => {
    const stream = Buffer.concat([w.rowDescription([{ name: 'a' }]), ...rows.map((r) => w.dataRow(r)), w.commandComplete('SELECT 5'), w.readyForQuery('I')]);
    const expected = ['RowDescription', ...rows.map((r) => w.dataRow(r).toString('hex')), 'CommandComplete', 'ReadyForQuery'];
    for (const cut of [1, 3, 7, 100, 4096, stream.length]) {
      const p = new BackendParser();
      const seen: string[] = [];
      for (let i = 0; i < stream.length; i += cut) {
        p.push(
          stream.subarray(i, i + cut),
          (m: BackendMessage) => seen.push(m.type),
          (buf, start, end) => seen.push(buf.toString('hex', start, end)),
        );
      }
      expect(seen, `cut ${cut}`).toEqual(expected);
    }
  });

  it('finds every value of a row without copying, and NULLs', () => {
    const cells = new Int32Array(8);
    for (const r of rows) {
      const raw = Buffer.concat([Buffer.from('junk'), w.dataRow(r), Buffer.from('more')]);
      const n = dataRowCells(raw, 4, raw.length - 4, cells);
      expect(n).toBe(r.length);
      for (let i = 0; i < n; i++) {
        const v = r[i];
        if (v === null) expect(cells[2 * i]).toBe(-1);
        else expect(raw.subarray(cells[2 * i]!, cells[2 * i + 1]!)).toEqual(Buffer.isBuffer(v) ? v : Buffer.from(v!));
      }
    }
  });

  it('refuses malformed rows as DataRowMessage.values does', () => {
    const cells = new Int32Array(8);
    const bad = [
      Buffer.from([0x44, 0, 0, 0, 10, 0, 1, 0xff, 0xff, 0xff, 0xfe]), // negative length
      Buffer.from([0x44, 0, 0, 0, 10, 0, 1, 0, 0, 0, 9]), // value beyond the message
      Buffer.from([0x44, 0, 0, 0, 6, 0x7f, 0xff]), // column count beyond the message
      Buffer.from([0x44, 0, 0, 0, 7, 0, 0, 9]), // trailing byte
      Buffer.from([0x44, 0, 0, 0, 5, 0]), // shorter than a column count
    ];
    for (const b of bad) expect(() => dataRowCells(b, 0, b.length, cells), b.toString('hex')).toThrow(PgWireError);
    expect(() => dataRowCells(w.dataRow(['a', 'b', 'c', 'd', 'e']), 0, w.dataRow(['a', 'b', 'c', 'd', 'e']).length, cells)).toThrow(RangeError);
  });
});

describe('MessageBuffer', () => {
  it('writes rows that decode to the values given, next to appended messages', () => {
    const out = new MessageBuffer(16);
    const src = w.dataRow(['keep me', 'x']);
    const cells = new Int32Array(4);
    dataRowCells(src, 0, src.length, cells);
    out.append(w.rowDescription([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]));
    out.beginDataRow(4);
    out.cell(src, cells[0]!, cells[1]!);
    out.cellNull();
    out.cellText('[EMAIL] ünï 🙂');
    out.cellBytes(Buffer.from([1, 2, 3]));
    out.endDataRow();
    out.appendRange(src, 0, src.length);
    out.append(w.commandComplete('SELECT 2'));
    const bytes = out.take()!;
    expect(bytes).toEqual(
      Buffer.concat([
        w.rowDescription([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]),
        w.dataRow(['keep me', null, '[EMAIL] ünï 🙂', Buffer.from([1, 2, 3])]),
        src,
        w.commandComplete('SELECT 2'),
      ]),
    );
    expect(out.take()).toBeNull();
  });

  it('grows past its size hint, and never writes again into what it handed over', () => {
    const out = new MessageBuffer(8);
    const big = Buffer.alloc(100_000, 7);
    out.append(Buffer.from('abc'));
    out.append(big);
    const first = out.take()!;
    expect(first.length).toBe(100_003);
    out.append(Buffer.from('zz'));
    out.beginDataRow(1);
    out.cellText('y'.repeat(1000));
    out.endDataRow();
    const second = out.take()!;
    expect(first.subarray(0, 3).toString()).toBe('abc');
    expect(first.subarray(3).equals(big)).toBe(true);
    expect(second).toEqual(Buffer.concat([Buffer.from('zz'), w.dataRow(['y'.repeat(1000)])]));
  });

  it('refuses to hand over half a row', () => {
    const out = new MessageBuffer();
    out.beginDataRow(1);
    expect(() => out.take()).toThrow(/middle of a DataRow/);
    out.cellNull();
    out.endDataRow();
    expect(out.take()).toEqual(w.dataRow([null]));
    expect(() => out.endDataRow()).toThrow();
  });
});
