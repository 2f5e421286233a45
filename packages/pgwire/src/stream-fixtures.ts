/**
 * What the wire parsers' property tests share: valid client and server streams (fast-check arbitraries made with the
 * writers), cut points, and `feed`, which pushes chunks holding a parser to its contract (a message, or a PgWireError
 * that stays; each push quick), with `touch`, which reads every field a consumer may read.
 * HOOP_FUZZ_RUNS=N runs N cases per property (a longer local search); HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { type BackendMessage, dataRowCells, DataRowMessage } from './backend';
import { PgWireError } from './errors';
import type { FrontendMessage } from './frontend';
import * as w from './writer';
import { fuzzSettings } from './env';

/** CPU time of this process in ms: a bound on it holds on a loaded machine, where wall time does not. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const settings = fuzzSettings(200);
export const RUNS = settings.runs;
export const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  // a safety net for slow machines: by default no property runs longer than this
  interruptAfterTimeLimit: settings.timeLimited ? 5000 : undefined,
  seed: settings.seed,
};
/** No push of a few KiB may take this long (a generous bound: a linear parse takes microseconds). */
export const PUSH_MS = 1000;
export const MiB = 1024 * 1024;

// ── valid messages ─────────────────────────────────────────────────────────────────────────────────────────────────

export const cstr = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replaceAll('\0', ''));
export const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
export const int16 = fc.integer({ min: -32768, max: 32767 });
export const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
export const value = fc.oneof(fc.constant(null), cstr, bytes());

export const startup = fc
  .dictionary(
    cstr.filter((k) => k !== ''),
    cstr,
    { maxKeys: 4 },
  )
  .map((params) => w.startupMessage(params));

export const frontendTyped: fc.Arbitrary<Buffer> = fc.oneof(
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
export const frontendMessages = fc
  .tuple(fc.array(fc.constantFrom(w.sslRequest(), w.cancelRequest(7, -7)), { maxLength: 2 }), startup, fc.array(frontendTyped, { maxLength: 12 }))
  .map(([pre, s, typed]) => [...pre, s, ...typed]);

/** Messages without a writer of their own. */
export function msg(type: string, ...parts: Buffer[]): Buffer {
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

export const backendMessage: fc.Arbitrary<Buffer> = fc.oneof(
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

/** Cut points (any number, anywhere) turned into chunks. */
export const cuts = fc.array(fc.nat(), { maxLength: 6 });
export function chunked(b: Buffer, at: number[]): Buffer[] {
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

export interface Pushable<M> {
  push(chunk: Uint8Array, onMessage: (m: M) => void): void;
}

/**
 * Pushes every chunk, holding the parser to its contract: a message, or a PgWireError with a message and a SQLSTATE,
 * the same one on every later push; each push quick. Any other exception fails the property as it is.
 */
export function feed<M>(p: Pushable<M>, chunks: Buffer[], seen: (m: M) => void = () => undefined): { messages: M[]; error: PgWireError | null } {
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
export function touch(m: FrontendMessage | BackendMessage): void {
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
