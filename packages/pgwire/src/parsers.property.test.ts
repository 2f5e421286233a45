/**
 * Property tests of the wire parsers against hostile bytes: valid streams cut anywhere, with bytes flipped, cut short,
 * length fields set to huge or negative values, and garbage inserted or appended, as well as plain random bytes.
 * A parser must hand out messages or throw a PgWireError (and stay failed), return quickly, and never allocate what
 * a header claims before the bytes are there.
 * The valid streams and the parser contract are in stream-fixtures.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendParser, DataRowMessage } from './backend';
import { PgWireError } from './errors';
import { FrontendParser, parseSaslInitialResponse } from './frontend';
import { backendMessage, bytes, chunked, cstr, cuts, feed, frontendMessages, fuzz, int32, MiB, type Pushable, RUNS, touch, value } from './stream-fixtures';
import * as w from './writer';

// ── hostile variants ───────────────────────────────────────────────────────────────────────────────────────────────

/** Lengths that break naive parsers: negative, below the header, at and past the limits, the 2 GiB edge. */
const badLength = fc.oneof(
  fc.constantFrom(
    -(2 ** 31),
    -2,
    -1,
    0,
    1,
    3,
    4,
    5,
    7,
    8,
    9999,
    10_000,
    10_001,
    64 * MiB,
    64 * MiB + 1,
    1024 * MiB,
    1024 * MiB + 65536,
    1024 * MiB + 65537,
    2 ** 31 - 1,
  ),
  int32,
);

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; message: number; value: number }
  | { kind: 'insert'; at: number; garbage: Uint8Array }
  | { kind: 'append'; garbage: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), message: fc.nat(), value: badLength }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), garbage: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('append' as const), garbage: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

/**
 * The messages joined, then mutated. `typedFrom`: index of the first message with a type byte (startup packets
 * before it have their length at offset 0).
 */
function mutate(messages: Buffer[], typedFrom: number, mutations: Mutation[]): Buffer {
  let out = Buffer.concat(messages);
  const starts: number[] = [];
  let off = 0;
  for (const m of messages) {
    starts.push(off);
    off += m.length;
  }
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') {
      out = Buffer.from(out);
      out[m.at % out.length]! ^= m.xor;
    } else if (m.kind === 'truncate') out = out.subarray(0, m.at % out.length);
    else if (m.kind === 'length') {
      const i = m.message % messages.length;
      const at = starts[i]! + (i >= typedFrom ? 1 : 0);
      if (at + 4 <= out.length) {
        out = Buffer.from(out);
        out.writeInt32BE(m.value, at);
      }
    } else if (m.kind === 'insert') {
      const at = m.at % (out.length + 1);
      out = Buffer.concat([out.subarray(0, at), m.garbage, out.subarray(at)]);
    } else out = Buffer.concat([out, m.garbage]);
  }
  return out;
}

// ── frontend ───────────────────────────────────────────────────────────────────────────────────────────────────────

describe('FrontendParser on hostile bytes', () => {
  it('parses valid streams the same however they are cut, each message to its own bytes', () => {
    fc.assert(
      fc.property(frontendMessages, cuts, (messages, at) => {
        const got = feed(new FrontendParser(), chunked(Buffer.concat(messages), at));
        expect(got.error).toBeNull();
        expect(got.messages.map((m) => Buffer.from(m.raw))).toEqual(messages);
      }),
      fuzz,
    );
  });

  it('answers mutated streams with messages or a PgWireError, never another exception, and stays failed', () => {
    fc.assert(
      fc.property(frontendMessages, fc.array(mutation, { minLength: 1, maxLength: 4 }), cuts, (messages, muts, at) => {
        const typedFrom = messages.findIndex((m) => m[0] !== 0) === -1 ? messages.length : messages.findIndex((m) => m[0] !== 0);
        const p = new FrontendParser({ maxMessageSize: 64 * MiB });
        const got = feed(p, chunked(mutate(messages, typedFrom, muts), at), touch);
        for (const m of got.messages) expect(m.raw.length).toBeLessThanOrEqual(64 * MiB + 1);
        if (got.error) expect(() => p.push(w.sync(), () => undefined)).toThrow(got.error);
      }),
      fuzz,
    );
  });

  it('answers random bytes, before and after a valid startup, with messages or a PgWireError', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 512 }), cuts, (afterStartup, random, at) => {
        const p = new FrontendParser();
        if (afterStartup) p.push(w.startupMessage({ user: 'u' }), () => undefined);
        feed(p, chunked(Buffer.from(random), at), touch);
      }),
      fuzz,
    );
  });

  it('reads a SASLInitialResponse body or refuses it with a PgWireError', () => {
    fc.assert(
      fc.property(fc.tuple(cstr, bytes()), fc.array(mutation, { maxLength: 3 }), ([mech, data], muts) => {
        const body = w.saslInitialResponse(mech, data).subarray(5);
        const mutated = mutate([body], 1, muts);
        try {
          const r = parseSaslInitialResponse(mutated);
          if (muts.length === 0) expect(r).toEqual({ mechanism: mech, response: data });
        } catch (err) {
          if (!(err instanceof PgWireError)) throw err;
        }
      }),
      fuzz,
    );
  });
});

// ── backend ────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('BackendParser on hostile bytes', () => {
  it('parses valid streams the same however they are cut, with DataRows as messages or as byte ranges', () => {
    fc.assert(
      fc.property(fc.array(backendMessage, { maxLength: 16 }), cuts, fc.boolean(), (messages, at, ranges) => {
        const p = new BackendParser();
        const seen: string[] = [];
        const chunks = chunked(Buffer.concat(messages), at);
        for (const c of chunks) {
          p.push(
            c,
            (m) => {
              touch(m);
              seen.push(Buffer.from(m.raw).toString('hex'));
            },
            ranges ? (buf, start, end) => seen.push(buf.toString('hex', start, end)) : undefined,
          );
        }
        expect(seen).toEqual(messages.map((m) => m.toString('hex')));
      }),
      fuzz,
    );
  });

  it('answers mutated streams with messages or a PgWireError, never another exception, and stays failed', () => {
    fc.assert(
      fc.property(fc.array(backendMessage, { minLength: 1, maxLength: 12 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), cuts, (messages, muts, at) => {
        const p = new BackendParser({ maxMessageSize: 256 * MiB });
        const got = feed(p, chunked(mutate(messages, 0, muts), at), touch);
        for (const m of got.messages) expect(m.raw.length).toBeLessThanOrEqual(256 * MiB + 1);
        if (got.error) expect(() => p.push(w.readyForQuery('I'), () => undefined)).toThrow(got.error);
      }),
      fuzz,
    );
  });

  it('answers random bytes with messages or a PgWireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), cuts, (random, at) => {
        feed(new BackendParser(), chunked(Buffer.from(random), at), touch);
      }),
      fuzz,
    );
  });

  it('finds the cells of any row, or refuses it, exactly as DataRowMessage.values does', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.array(mutation, { maxLength: 3 }), (row, muts) => {
        const raw = mutate([w.dataRow(row)], 0, muts);
        if (raw.length < 5) return;
        touch(new DataRowMessage(raw));
      }),
      fuzz,
    );
  });
});

// ── memory ─────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('declared lengths', () => {
  const parsers = {
    frontend: () => {
      const p = new FrontendParser();
      p.push(w.startupMessage({ user: 'u' }), () => undefined);
      return { p: p as Pushable<unknown>, max: 64 * MiB, type: 'Q' };
    },
    backend: () => ({ p: new BackendParser() as Pushable<unknown>, max: 1024 * MiB + 65536, type: 'D' }),
  };

  for (const [name, make] of Object.entries(parsers)) {
    it(`${name}: a header claiming up to the limit costs memory only as its bytes arrive`, () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 256 * 1024 }), cuts, (where, sent, at) => {
          // several parsers at once, as several connections would be: what a header claims must not be reserved
          const before = process.memoryUsage().arrayBuffers;
          const live: Pushable<unknown>[] = [];
          let received = 0;
          for (let i = 0; i < 4; i++) {
            const { p, max, type } = make();
            const len = Math.max(5 + sent, Math.floor(where * max));
            const head = Buffer.alloc(5 + sent, 0x61);
            head[0] = type.charCodeAt(0);
            head.writeInt32BE(len, 1);
            const got = feed(p, chunked(head, at));
            expect(got.messages).toEqual([]);
            expect(got.error).toBeNull();
            received += head.length;
            live.push(p);
          }
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * MiB + 3 * received);
          expect(live.length).toBe(4);
        }),
        { ...fuzz, numRuns: Math.min(RUNS, 50) },
      );
    });

    it(`${name}: a header claiming more than the limit, or a negative length, is refused at once`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.integer({ min: make().max + 1, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 3 })), (len) => {
          const { p, type } = make();
          const head = Buffer.alloc(5);
          head[0] = type.charCodeAt(0);
          head.writeInt32BE(len, 1);
          const before = process.memoryUsage().arrayBuffers;
          const got = feed(p, [head]);
          expect(got.error?.code).toBe(len > 3 ? '54000' : '08P01');
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(MiB);
        }),
        fuzz,
      );
    });
  }

  it('backend: a long message sent a few bytes at a time is assembled once, to its exact bytes', () => {
    const value = Buffer.alloc(3 * MiB + 17, 0x5a);
    const row = w.dataRow([value, null, 'x']);
    const p = new BackendParser();
    const got: Buffer[] = [];
    for (let i = 0; i < row.length; i += 7919) p.push(row.subarray(i, i + 7919), (m) => got.push(Buffer.from(m.raw)));
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(row)).toBe(true);
  });
});

// ── cases found by the properties ──────────────────────────────────────────────────────────────────────────────────

describe('regressions', () => {
  it('backend: a header claiming 1 GiB reserves nothing near that before the bytes arrive, however the header is cut', () => {
    const head = Buffer.from([0x44, 0x40, 0, 0, 0, 0, 1]);
    for (let cut = 0; cut <= head.length; cut++) {
      const p = new BackendParser();
      const before = process.memoryUsage().arrayBuffers;
      p.push(head.subarray(0, cut), () => undefined);
      p.push(head.subarray(cut), () => undefined);
      expect(process.memoryUsage().arrayBuffers - before, `cut at ${cut}`).toBeLessThan(8 * MiB);
    }
  });
});
