/** rewriteTextRow writes what writeTextRow writes for the same values, whatever is replaced, NULLs and long values included. */
import { describe, expect, it } from 'vitest';
import { rewriteTextRow, textRowCells, writeTextRow } from './resultset';

type V = string | Buffer | null;

function check(values: V[], replaced: (V | undefined)[]) {
  const payload = writeTextRow(values);
  const cells = new Int32Array(2 * values.length);
  textRowCells(payload, values.length, cells);
  const merged = values.map((v, i) => (replaced[i] === undefined ? v : replaced[i]!));
  expect(rewriteTextRow(payload, cells, replaced)).toEqual(writeTextRow(merged));
}

describe('rewriteTextRow', () => {
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
    let seed = 11;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const value = (): V => (r() < 0.2 ? null : r() < 0.5 ? 'é'.repeat(Math.floor(r() * 200)) : Buffer.alloc(Math.floor(r() * 400), 0x62));
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(r() * 8);
      const values = Array.from({ length: n }, value);
      check(
        values,
        Array.from({ length: n }, () => (r() < 0.5 ? undefined : value())),
      );
    }
  });
});
