/** MessageBuffer against the parser: rows and messages of any size, in any batches, parse back to what was written. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendParser } from './backend';
import { MessageBuffer } from './message-buffer';
import { backendMessage, feed, fuzz, touch } from './stream-fixtures';
import * as w from './writer';

describe('MessageBuffer', () => {
  type Cell = { kind: 'bytes'; v: Uint8Array } | { kind: 'text'; v: string } | { kind: 'null' } | { kind: 'slice'; v: Uint8Array; from: number; to: number };
  const cell: fc.Arbitrary<Cell> = fc.oneof(
    fc.record({ kind: fc.constant('bytes' as const), v: fc.uint8Array({ maxLength: 40 }) }),
    // any UTF-16, lone surrogates included (written as U+FFFD, like Buffer.from does)
    fc.record({ kind: fc.constant('text' as const), v: fc.string({ unit: 'binary', maxLength: 40 }) }),
    fc.record({ kind: fc.constant('null' as const) }),
    fc.record({ kind: fc.constant('slice' as const), v: fc.uint8Array({ maxLength: 40 }), from: fc.nat(), to: fc.nat() }),
  );
  type Op = { kind: 'row'; cells: Cell[] } | { kind: 'message'; bytes: Buffer } | { kind: 'take' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('row' as const), cells: fc.array(cell, { maxLength: 6 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('message' as const), bytes: backendMessage }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('take' as const) }) },
  );

  it('writes rows and messages that parse back to what was written, whatever the sizes and batches', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.integer({ min: 1, max: 4096 }), (ops, initial) => {
        const out = new MessageBuffer(initial);
        const batches: Buffer[] = [];
        const expected: Buffer[] = [];
        for (const o of ops) {
          if (o.kind === 'take') {
            const b = out.take();
            if (b) batches.push(Buffer.from(b));
          } else if (o.kind === 'message') {
            out.append(o.bytes);
            expected.push(o.bytes);
          } else {
            out.beginDataRow(o.cells.length);
            const values: (Buffer | null)[] = [];
            for (const c of o.cells) {
              if (c.kind === 'null') {
                out.cellNull();
                values.push(null);
              } else if (c.kind === 'text') {
                out.cellText(c.v);
                values.push(Buffer.from(c.v, 'utf8'));
              } else if (c.kind === 'bytes') {
                out.cellBytes(c.v);
                values.push(Buffer.from(c.v));
              } else {
                const from = c.from % (c.v.length + 1);
                const to = from + (c.to % (c.v.length - from + 1));
                out.cell(c.v, from, to);
                values.push(Buffer.from(c.v.subarray(from, to)));
              }
            }
            out.endDataRow();
            expected.push(w.dataRow(values));
          }
        }
        const last = out.take();
        if (last) batches.push(Buffer.from(last));
        expect(out.length).toBe(0);
        const stream = Buffer.concat(batches);
        expect(stream.equals(Buffer.concat(expected))).toBe(true);
        const parsed = feed(new BackendParser(), [stream], touch);
        expect(parsed.error).toBeNull();
        expect(parsed.messages).toHaveLength(expected.length);
      }),
      fuzz,
    );
  });
});
