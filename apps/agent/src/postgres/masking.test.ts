import { describe, expect, it } from 'vitest';
import { DataRowMessage, dataRow, MessageBuffer, PgWireError } from '@hoop/pgwire';
import { createMasker } from '@hoop/pipeline';
import type { ColumnInfo } from './hooks';
import { rowMaskerFor } from './masking';

const TEXT = 25;
const INT4 = 23;
const INT8 = 20;
const JSONB = 3802;
const DATE = 1082;
const UUID = 2950;
const col = (name: string, typeOid: number, format = 0): ColumnInfo => ({ name, tableOid: 0, typeOid, format });

/** The row as the client gets it: written by the masker into an output buffer, then parsed back. */
function relay(columns: ColumnInfo[], values: (string | Buffer | null)[], masker = createMasker({ hashKey: 'masking-test-key' })) {
  const rm = rowMaskerFor(masker, columns);
  const raw = Buffer.concat([Buffer.from('xyz'), dataRow(values), Buffer.from('tail')]);
  const out = new MessageBuffer(16);
  rm!.writeRow(raw, 3, raw.length - 4, out);
  const bytes = out.take()!;
  return { bytes, values: new DataRowMessage(bytes).values.map((v) => (v === null ? null : v.toString('utf8'))), masker };
}

describe('row masker', () => {
  it('masks named and detected PII and keeps the other values and NULLs byte for byte', () => {
    const columns = [col('id', INT4), col('email', TEXT), col('notes', TEXT), col('nickname', TEXT), col('created_at', 1184), col('plan', TEXT)];
    const { values, masker } = relay(columns, ['7', 'ann@example.com', 'call 415 555 2671 about ünïcode 🙂', null, '2026-11-24 12:00:00+00', 'team']);
    expect(values).toEqual(['7', '[EMAIL]', 'call [PHONE] about ünïcode 🙂', null, '2026-11-24 12:00:00+00', 'team']);
    expect(masker.counts()).toEqual({ email: 1, phone: 1 });
  });

  it('relays a row in which nothing changes as its own bytes', () => {
    const row = ['1', '', 'order 123 shipped', null];
    const { bytes } = relay([col('id', INT4), col('email', TEXT), col('notes', TEXT), col('phone', TEXT)], row);
    expect(bytes).toEqual(dataRow(row));
  });

  it('returns no masker when no column can change', () => {
    expect(rowMaskerFor(createMasker(), [col('id', INT4), col('created_at', 1184), col('active', 16)])).toBeNull();
    expect(rowMaskerFor(createMasker({ enabled: false }), [col('email', TEXT)])).toBeNull();
  });

  it('reads binary values it can (text types, jsonb, int8) and withholds the ones it cannot', () => {
    const jsonb = (text: string) => Buffer.concat([Buffer.from([1]), Buffer.from(text)]);
    const int8 = Buffer.alloc(8);
    int8.writeBigInt64BE(4111111111111111n);
    const columns = [
      col('email', TEXT, 1),
      col('payload', JSONB, 1),
      col('card_number', INT8, 1),
      col('date_of_birth', DATE, 1),
      col('notes', UUID, 1),
      col('ssn', 17_000, 1),
    ];
    const { values } = relay(columns, [
      'bob@x.io',
      jsonb('{"email":"a@b.co","n":1}'),
      int8,
      Buffer.from([0, 0, 1, 2]),
      Buffer.alloc(16, 7),
      Buffer.from([1, 2, 3]),
    ]);
    expect(values[0]).toBe('[EMAIL]');
    expect(values[1]).toBe('\u0001{"email":"[EMAIL]","n":1}');
    expect(values[2]).toBeNull();
    expect(values[3]).toBeNull();
    expect(values[4]).toBe(Buffer.alloc(16, 7).toString('utf8'));
    // an unknown binary type in a column named like PII cannot be read, so it is withheld
    expect(values[5]).toBeNull();
  });

  it('withholds a binary jsonb value that does not start with its version byte', () => {
    const { values } = relay([col('payload', JSONB, 1)], [Buffer.from('{"x":1}')]);
    expect(values).toEqual([null]);
  });

  it('handles a row with more values than the description announced', () => {
    const { values } = relay([col('email', TEXT)], ['a@b.co', 'extra a@b.co', null, 'more']);
    expect(values).toEqual(['[EMAIL]', 'extra a@b.co', null, 'more']);
  });

  it('refuses a malformed row with a protocol error', () => {
    const rm = rowMaskerFor(createMasker(), [col('email', TEXT)])!;
    const bad = Buffer.from([0x44, 0, 0, 0, 10, 0, 1, 0, 0, 0, 9]);
    expect(() => rm.writeRow(bad, 0, bad.length, new MessageBuffer())).toThrow(PgWireError);
  });

  it('masks the same values whatever was masked in the rows before (no state left between rows)', () => {
    const masker = createMasker();
    const rm = rowMaskerFor(masker, [col('notes', TEXT), col('email', TEXT), col('note2', TEXT)])!;
    const out = new MessageBuffer();
    const rows = [
      ['a@b.co here', 'x@y.io', 'fine'],
      ['fine', '', 'fine too'],
      ['fine', null, '4111 1111 1111 1111'],
    ];
    for (const r of rows) {
      const raw = dataRow(r);
      rm.writeRow(raw, 0, raw.length, out);
    }
    const expected = Buffer.concat([dataRow(['[EMAIL] here', '[EMAIL]', 'fine']), dataRow(['fine', '', 'fine too']), dataRow(['fine', null, '[CARD]'])]);
    expect(out.take()).toEqual(expected);
  });
});
