/**
 * Property tests of the wire parsers against hostile bytes: valid streams cut anywhere, with bytes flipped, cut short,
 * length fields set to huge or negative values, and garbage inserted or appended, as well as plain random bytes.
 * A parser must hand out messages or throw a PgWireError (and stay failed), return quickly, and never allocate what
 * a header claims before the bytes are there.
 * HOOP_FUZZ_RUNS=N runs N cases per property (a longer local search); HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser, dataRowCells, DataRowMessage } from './backend';
import { PgWireError } from './errors';
import { type FrontendMessage, FrontendParser, parseSaslInitialResponse } from './frontend';
import { MessageBuffer } from './message-buffer';
import * as w from './writer';

/** CPU time of this process in ms: a bound on it holds on a loaded machine, where wall time does not. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const RUNS = Number(process.env.HOOP_FUZZ_RUNS) || 200;
const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  // a safety net for slow machines: by default no property runs longer than this
  interruptAfterTimeLimit: process.env.HOOP_FUZZ_RUNS ? undefined : 5000,
  seed: process.env.HOOP_FUZZ_SEED ? Number(process.env.HOOP_FUZZ_SEED) : undefined,
};
/** No push of a few KiB may take this long (a generous bound: a linear parse takes microseconds). */
const PUSH_MS = 1000;
const MiB = 1024 * 1024;

// ── valid messages ─────────────────────────────────────────────────────────────────────────────────────────────────

const cstr = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replaceAll('\0', ''));
const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const int16 = fc.integer({ min: -32768, max: 32767 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const value = fc.oneof(fc.constant(null), cstr, bytes());

const startup = fc
  .dictionary(
    cstr.filter((k) => k !== ''),
    cstr,
    { maxKeys: 4 },
  )
  .map((params) => w.startupMessage(params));

const frontendTyped: fc.Arbitrary<Buffer> = fc.oneof(
  cstr.map(w.query),
  fc.tuple(cstr, cstr, fc.array(fc.nat({ max: 2 ** 31 - 1 }), { maxLength: 4 })).map(([n, s, t]) => w.parse(n, s, t)),
  fc
    .tuple(cstr, cstr, fc.array(value, { maxLength: 4 }), fc.array(int16, { maxLength: 3 }), fc.array(int16, { maxLength: 3 }))
    .map(([p, s, params, pf, rf]) => w.bind(p, s, params, pf, rf)),
  fc.tuple(fc.constantFrom<'S' | 'P'>('S', 'P'), cstr).map(([k, n]) => w.describe(k, n)),
  fc.tuple(fc.constantFrom<'S' | 'P'>('S', 'P'), cstr).map(([k, n]) => w.close(k, n)),
  fc.tuple(cstr, int32).map(([p, n]) => w.execute(p, n)),
  fc.constantFrom(w.sync(), w.flush(), w.copyDone(), w.terminate()),
  bytes().map(w.copyData),
  cstr.map(w.copyFail),
  cstr.map(w.passwordMessage),
  fc.tuple(cstr, bytes()).map(([m, d]) => w.saslInitialResponse(m, d)),
);

/** [messages] of a client: optional SSL/cancel requests, the startup message, then typed messages */
const frontendMessages = fc
  .tuple(fc.array(fc.constantFrom(w.sslRequest(), w.cancelRequest(7, -7)), { maxLength: 2 }), startup, fc.array(frontendTyped, { maxLength: 12 }))
  .map(([pre, s, typed]) => [...pre, s, ...typed]);

/** Messages without a writer of their own. */
function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}
const i16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const i32 = (v: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(v | 0);
  return b;
};
const z = (s: string) => Buffer.from(`${s}\0`);

const notice = fc.record({
  severity: fc.constantFrom('ERROR', 'NOTICE', 'WARNING', 'FATAL') as fc.Arbitrary<'ERROR'>,
  code: fc.stringMatching(/^[0-9A-Z]{5}$/),
  message: cstr,
  detail: fc.option(cstr, { nil: undefined }),
  hint: fc.option(cstr, { nil: undefined }),
});
const field = fc.record({
  name: cstr,
  tableOid: fc.nat({ max: 2 ** 31 - 1 }),
  columnAttr: int16,
  typeOid: fc.nat({ max: 2 ** 31 - 1 }),
  typeSize: int16,
  typeModifier: int32,
  format: fc.constantFrom(0, 1),
});

const backendMessage: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(
    w.authenticationOk(),
    w.authenticationCleartext(),
    w.emptyQueryResponse(),
    w.parseComplete(),
    w.bindComplete(),
    w.closeComplete(),
    w.noData(),
    w.portalSuspended(),
    w.copyDone(),
  ),
  bytes(4).map(w.authenticationMd5),
  fc
    .array(
      cstr.filter((s) => s !== ''),
      { maxLength: 3 },
    )
    .map(w.authenticationSasl),
  bytes().map(w.authenticationSaslContinue),
  bytes().map(w.authenticationSaslFinal),
  fc.tuple(cstr, cstr).map(([n, v]) => w.parameterStatus(n, v)),
  fc.tuple(int32, int32).map(([p, k]) => w.backendKeyData(p, k)),
  fc.constantFrom<'I' | 'T' | 'E'>('I', 'T', 'E').map(w.readyForQuery),
  notice.map(w.errorResponse),
  notice.map(w.noticeResponse),
  cstr.map(w.commandComplete),
  bytes().map(w.copyData),
  fc.array(field, { maxLength: 4 }).map(w.rowDescription),
  fc.array(value, { maxLength: 6 }).map(w.dataRow),
  fc.array(fc.nat({ max: 2 ** 31 - 1 }), { maxLength: 4 }).map((oids) => msg('t', i16(oids.length), ...oids.map(i32))),
  fc
    .tuple(fc.constantFrom('G', 'H', 'W'), fc.constantFrom(0, 1), fc.array(fc.constantFrom(0, 1), { maxLength: 4 }))
    .map(([t, f, cols]) => msg(t, Buffer.from([f]), i16(cols.length), ...cols.map(i16))),
  fc.tuple(int32, cstr, cstr).map(([pid, ch, payload]) => msg('A', i32(pid), z(ch), z(payload))),
  fc.tuple(int32, fc.array(cstr, { maxLength: 3 })).map(([minor, opts]) => msg('v', i32(minor), i32(opts.length), ...opts.map(z))),
  bytes().map((b) => msg('V', b)),
);

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

/** Cut points (any number, anywhere) turned into chunks. */
const cuts = fc.array(fc.nat(), { maxLength: 6 });
function chunked(b: Buffer, at: number[]): Buffer[] {
  if (b.length === 0) return [b];
  const points = [...new Set(at.map((a) => a % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, b.length]) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  return out;
}

interface Pushable<M> {
  push(chunk: Uint8Array, onMessage: (m: M) => void): void;
}

/**
 * Pushes every chunk, holding the parser to its contract: a message, or a PgWireError with a message and a SQLSTATE,
 * the same one on every later push; each push quick. Any other exception fails the property as it is.
 */
function feed<M>(p: Pushable<M>, chunks: Buffer[], seen: (m: M) => void = () => undefined): { messages: M[]; error: PgWireError | null } {
  const messages: M[] = [];
  let error: PgWireError | null = null;
  for (const c of chunks) {
    const t0 = cpuMs();
    try {
      p.push(c, (m) => {
        messages.push(m);
        seen(m);
      });
    } catch (err) {
      if (!(err instanceof PgWireError)) throw err;
      expect(err.message.length).toBeGreaterThan(0);
      expect(err.code).toMatch(/^[0-9A-Z]{5}$/);
      if (error) expect(err).toBe(error);
      error = err;
    }
    expect(cpuMs() - t0).toBeLessThan(PUSH_MS);
  }
  return { messages, error };
}

/** Reads every field a consumer may read; a DataRow's values are decoded only now, and may be refused then. */
function touch(m: FrontendMessage | BackendMessage): void {
  expect(typeof m.type).toBe('string');
  expect(Buffer.isBuffer(m.raw)).toBe(true);
  if (m instanceof DataRowMessage) {
    let values: (Buffer | null)[] | null = null;
    try {
      values = m.values;
    } catch (err) {
      if (!(err instanceof PgWireError)) throw err;
    }
    const cells = new Int32Array(2 * 32768);
    let n = -1;
    try {
      n = dataRowCells(m.raw, 0, m.raw.length, cells);
    } catch (err) {
      if (!(err instanceof PgWireError)) throw err;
    }
    // the lazy reading and the in-place one agree on every row
    expect(n === -1).toBe(values === null);
    if (values) for (let i = 0; i < n; i++) expect(cells[2 * i] === -1 ? null : m.raw.subarray(cells[2 * i]!, cells[2 * i + 1]!)).toEqual(values[i]);
  }
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

// ── MessageBuffer ──────────────────────────────────────────────────────────────────────────────────────────────────

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
