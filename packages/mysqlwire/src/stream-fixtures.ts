/**
 * What the codec's property tests share: fast-check arbitraries of values by type, commands and result sets (the
 * server's answer written as packets), and cut points that split a stream into chunks.
 * HOOP_FUZZ_RUNS=N runs N cases per property; HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import type { BinaryValue } from './binary-values';
import type { BoundParam, Command } from './commands';
import { CLIENT, COLUMN_FLAG, SERVER_STATUS, TYPE } from './constants';
import { framePacket } from './framing';
import { writeResultEnd } from './packets';
import { writeBinaryRow, writeColumnCount, writeColumnDefinition, writeTextRow } from './resultset';
import { fuzzSettings } from './env';

const settings = fuzzSettings(200);
export const RUNS = settings.runs;
export const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  // a safety net for slow machines: by default no property runs longer than this
  interruptAfterTimeLimit: settings.timeLimited ? 5000 : undefined,
  seed: settings.seed,
};

export const str = fc.string({ unit: 'grapheme', maxLength: 12 });
export const nulStr = str.map((s) => s.replaceAll('\0', ''));
export const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
export const u8 = fc.integer({ min: 0, max: 255 });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const caps = fc.integer({ min: 0, max: 0xffffffff }).map((c) => (c | CLIENT.PROTOCOL_41) >>> 0);

/** Splits `buf` at the given cut points. */
export function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}
export const cuts = fc.array(fc.nat(), { maxLength: 8 });

// ── values by type ─────────────────────────────────────────────────────────────────────────────────────────────────

export const dateTime = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 12 }),
  day: fc.integer({ min: 0, max: 31 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  microsecond: fc.integer({ min: 0, max: 999999 }),
});
export const time = fc.record({
  negative: fc.boolean(),
  days: fc.integer({ min: 0, max: 34 }),
  hours: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 0, max: 59 }),
  seconds: fc.integer({ min: 0, max: 59 }),
  microseconds: fc.integer({ min: 0, max: 999999 }),
});
/** a column type, its UNSIGNED flag and a value of it, as the binary protocol reads it back */
export const typedValue: fc.Arbitrary<{ type: number; unsigned: boolean; value: BinaryValue }> = fc.oneof(
  fc.record({ type: fc.constant(TYPE.TINY), unsigned: fc.constant(false), value: fc.integer({ min: -128, max: 127 }) }),
  fc.record({ type: fc.constant(TYPE.TINY), unsigned: fc.constant(true), value: u8 }),
  fc.record({ type: fc.constantFrom(TYPE.SHORT, TYPE.YEAR), unsigned: fc.constant(false), value: fc.integer({ min: -32768, max: 32767 }) }),
  fc.record({ type: fc.constant(TYPE.SHORT), unsigned: fc.constant(true), value: u16 }),
  fc.record({ type: fc.constantFrom(TYPE.LONG, TYPE.INT24), unsigned: fc.constant(false), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
  fc.record({ type: fc.constant(TYPE.LONG), unsigned: fc.constant(true), value: u32 }),
  fc.record({ type: fc.constant(TYPE.LONGLONG), unsigned: fc.constant(false), value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
  fc.record({ type: fc.constant(TYPE.LONGLONG), unsigned: fc.constant(true), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({ type: fc.constant(TYPE.FLOAT), unsigned: fc.constant(false), value: fc.float({ noNaN: true }).map(Math.fround) }),
  fc.record({ type: fc.constant(TYPE.DOUBLE), unsigned: fc.constant(false), value: fc.double({ noNaN: true }) }),
  fc.record({ type: fc.constantFrom(TYPE.DATE, TYPE.DATETIME, TYPE.TIMESTAMP), unsigned: fc.constant(false), value: dateTime }),
  fc.record({ type: fc.constant(TYPE.TIME), unsigned: fc.constant(false), value: time }),
  fc.record({
    type: fc.constantFrom(TYPE.VAR_STRING, TYPE.STRING, TYPE.BLOB, TYPE.NEWDECIMAL, TYPE.JSON, TYPE.BIT, TYPE.ENUM, TYPE.GEOMETRY, TYPE.VARCHAR),
    unsigned: fc.constant(false),
    value: bytes(300),
  }),
);
export const maybeNull = (a: typeof typedValue) => fc.tuple(a, fc.boolean()).map(([t, n]) => (n ? { ...t, value: null } : t));

// ── commands ───────────────────────────────────────────────────────────────────────────────────────────────────────

export const param: fc.Arbitrary<BoundParam> = maybeNull(typedValue);
export const command = (withAttrs: boolean): fc.Arbitrary<Command> =>
  fc.oneof(
    fc.constantFrom<Command>({ type: 'Quit' }, { type: 'Ping' }, { type: 'ResetConnection' }, { type: 'Statistics' }),
    withAttrs
      ? fc.record({
          type: fc.constant('Query' as const),
          sql: str,
          attributes: fc.array(
            param.map((p) => ({ ...p, name: 'a' })),
            { maxLength: 3 },
          ),
        })
      : fc.record({ type: fc.constant('Query' as const), sql: str }),
    fc.record({ type: fc.constant('InitDb' as const), schema: str }),
    fc.record({ type: fc.constant('FieldList' as const), table: nulStr, wildcard: str }),
    fc.record({ type: fc.constant('ProcessKill' as const), connectionId: u32 }),
    fc.record({ type: fc.constant('SetOption' as const), option: u16 }),
    fc.record({ type: fc.constant('StmtPrepare' as const), sql: str }),
    fc.record({ type: fc.constant('StmtSendLongData' as const), statementId: u32, paramId: u16, data: bytes() }),
    fc.record({ type: fc.constantFrom('StmtClose' as const, 'StmtReset' as const), statementId: u32 }),
    fc.record({ type: fc.constant('StmtFetch' as const), statementId: u32, rows: u32 }),
    fc
      .record({
        type: fc.constant('StmtExecute' as const),
        statementId: u32,
        flags: fc.constantFrom(0, 1, 2, 4),
        iterations: fc.constant(1),
        params: fc.array(withAttrs ? param.map((p) => ({ ...p, name: 'p' })) : param, { maxLength: 5 }),
        newParamsBound: fc.constant(true),
      })
      .map((c) => ({ ...c, newParamsBound: c.params.length > 0 })),
    fc.record({
      type: fc.constant('ChangeUser' as const),
      changeUser: fc.record({
        user: nulStr,
        authResponse: bytes(32),
        database: nulStr,
        characterSet: fc.constant(45),
        authPluginName: nulStr,
        attributes: fc.dictionary(str, str, { maxKeys: 3 }),
      }),
    }),
  );

// ── result sets through the framing and the response reader ────────────────────────────────────────────────────────

export type ResultSet = { columns: { type: number; unsigned: boolean }[]; rows: BinaryValue[][] };
export const resultSet: fc.Arbitrary<ResultSet> = fc.array(maybeNull(typedValue), { minLength: 1, maxLength: 5 }).chain((first) =>
  fc.record({
    columns: fc.constant(first.map(({ type, unsigned }) => ({ type, unsigned }))),
    rows: fc.array(fc.tuple(...first.map((c) => maybeNull(typedValue.filter((v) => v.type === c.type && v.unsigned === c.unsigned)).map((v) => v.value))), {
      maxLength: 4,
    }),
  }),
);

/** The server's answer to a query of several statements: result sets, written as packets from sequence id 1. */
export function answer(sets: ResultSet[], capabilities: number, binary: boolean): { bytes: Buffer; rows: Buffer[] } {
  const payloads: Buffer[] = [];
  const rows: Buffer[] = [];
  sets.forEach((set, i) => {
    const more = i < sets.length - 1 ? SERVER_STATUS.MORE_RESULTS_EXISTS : 0;
    payloads.push(writeColumnCount(set.columns.length));
    set.columns.forEach((c, j) =>
      payloads.push(writeColumnDefinition({ name: `c${j}`, type: c.type, flags: c.unsigned ? COLUMN_FLAG.UNSIGNED : 0, schema: 's', table: 't' })),
    );
    if ((capabilities & CLIENT.DEPRECATE_EOF) === 0) payloads.push(writeResultEnd({ statusFlags: more }, capabilities));
    for (const r of set.rows) {
      const cols = set.columns.map((c) => ({ type: c.type, flags: c.unsigned ? COLUMN_FLAG.UNSIGNED : 0 }));
      const row = binary
        ? writeBinaryRow(cols, r)
        : writeTextRow(r.map((v) => (v === null ? null : Buffer.from(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x))))));
      payloads.push(row);
      rows.push(row);
    }
    payloads.push(writeResultEnd({ statusFlags: more }, capabilities));
  });
  return { bytes: Buffer.concat(payloads.map((p, i) => framePacket(p, (i + 1) & 0xff))), rows };
}
