/**
 * Property tests of the codec: what is written parses back to what was written, however the stream is cut into
 * chunks; and hostile bytes (random, or valid streams with bytes flipped, cut short or with garbage) give parsed
 * packets or a MysqlWireError, never another exception or a hang.
 * HOOP_FUZZ_RUNS=N runs N cases per property; HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BinaryValue } from './binary-values';
import { type BoundParam, type Command, parseCommand, parsePrepareOk, writeCommand, writePrepareOk } from './commands';
import { CLIENT, COLUMN_FLAG, SERVER_STATUS, TYPE } from './constants';
import { MysqlWireError } from './errors';
import { framePacket, PacketParser } from './framing';
import { parseHandshakeResponse41, parseHandshakeV10, writeHandshakeResponse41, writeHandshakeV10 } from './handshake';
import { parseErr, parseOk, writeErr, writeOk, writeResultEnd } from './packets';
import { ResponseReader, type ServerMessage } from './response';
import { parseBinaryRow, parseColumnDefinition, parseTextRow, writeBinaryRow, writeColumnCount, writeColumnDefinition, writeTextRow } from './resultset';

const RUNS = Number(process.env.HOOP_FUZZ_RUNS) || 200;
const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  interruptAfterTimeLimit: process.env.HOOP_FUZZ_RUNS ? undefined : 5000,
  seed: process.env.HOOP_FUZZ_SEED ? Number(process.env.HOOP_FUZZ_SEED) : undefined,
};

const str = fc.string({ unit: 'grapheme', maxLength: 12 });
const nulStr = str.map((s) => s.replaceAll('\0', ''));
const bytes = (max = 24) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const caps = fc.integer({ min: 0, max: 0xffffffff }).map((c) => (c | CLIENT.PROTOCOL_41) >>> 0);

/** Splits `buf` at the given cut points. */
function chunked(buf: Buffer, cuts: number[]): Buffer[] {
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
const cuts = fc.array(fc.nat(), { maxLength: 8 });

// ── values by type ─────────────────────────────────────────────────────────────────────────────────────────────────

const dateTime = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 12 }),
  day: fc.integer({ min: 0, max: 31 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  microsecond: fc.integer({ min: 0, max: 999999 }),
});
const time = fc.record({
  negative: fc.boolean(),
  days: fc.integer({ min: 0, max: 34 }),
  hours: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 0, max: 59 }),
  seconds: fc.integer({ min: 0, max: 59 }),
  microseconds: fc.integer({ min: 0, max: 999999 }),
});
/** a column type, its UNSIGNED flag and a value of it, as the binary protocol reads it back */
const typedValue: fc.Arbitrary<{ type: number; unsigned: boolean; value: BinaryValue }> = fc.oneof(
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
const maybeNull = (a: typeof typedValue) => fc.tuple(a, fc.boolean()).map(([t, n]) => (n ? { ...t, value: null } : t));

// ── commands ───────────────────────────────────────────────────────────────────────────────────────────────────────

const param: fc.Arbitrary<BoundParam> = maybeNull(typedValue);
const command = (withAttrs: boolean): fc.Arbitrary<Command> =>
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

describe('commands', () => {
  it('parse back to what was written, with and without query attributes', () => {
    fc.assert(
      fc.property(
        fc.boolean().chain((attrs) => fc.tuple(fc.constant(attrs), command(attrs))),
        ([attrs, c]) => {
          const capabilities =
            CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.CONNECT_ATTRS | (attrs ? CLIENT.QUERY_ATTRIBUTES : 0);
          const paramCount = c.type === 'StmtExecute' ? c.params.length : 0;
          const parsed = parseCommand(writeCommand(c, capabilities), { capabilities, statement: () => ({ paramCount }) });
          expect(parsed).toEqual(c);
        },
      ),
      fuzz,
    );
  });

  it('an execute without new types is read with the types bound before, and long-data parameters are left out', () => {
    const types = [
      { type: TYPE.LONG, unsigned: false },
      { type: TYPE.BLOB, unsigned: false },
    ];
    const c: Command = {
      type: 'StmtExecute',
      statementId: 9,
      flags: 0,
      iterations: 1,
      params: types.map((t) => ({ ...t, value: null })),
      newParamsBound: false,
    };
    c.params[0]!.value = -5;
    const payload = writeCommand(c, CLIENT.PROTOCOL_41, new Set([1]));
    const parsed = parseCommand(payload, { capabilities: CLIENT.PROTOCOL_41, statement: () => ({ paramCount: 2, types, longData: new Set([1]) }) });
    expect(parsed).toEqual(c);
    expect(() => parseCommand(payload, { capabilities: CLIENT.PROTOCOL_41, statement: () => ({ paramCount: 2 }) })).toThrow(/no parameter types/);
  });
});

// ── handshake, OK, ERR ─────────────────────────────────────────────────────────────────────────────────────────────

describe('handshake and generic packets', () => {
  it('HandshakeV10 and HandshakeResponse41 parse back', () => {
    fc.assert(
      fc.property(
        fc.record({
          serverVersion: nulStr,
          connectionId: u32,
          authPluginData: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => Buffer.from(b.map((x) => x || 1))),
          capabilities: caps.map((c) => (c | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH) >>> 0),
          characterSet: u8,
          statusFlags: u16,
          mariadbCapabilities: u32,
          authPluginName: nulStr,
        }),
        (h) => {
          const got = parseHandshakeV10(writeHandshakeV10(h));
          expect(got).toEqual({ ...h, protocolVersion: 10, mariadbCapabilities: h.capabilities & CLIENT.LONG_PASSWORD ? 0 : h.mariadbCapabilities });
        },
      ),
      fuzz,
    );
    fc.assert(
      fc.property(caps, nulStr, bytes(40), nulStr, nulStr, fc.dictionary(str, str, { maxKeys: 3 }), (c, username, auth, database, plugin, attributes) => {
        const capabilities = (c | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) >>> 0;
        const got = parseHandshakeResponse41(
          writeHandshakeResponse41({ capabilities, username, authResponse: auth, database, authPluginName: plugin, attributes }),
        );
        expect(got.username).toBe(username);
        expect(got.authResponse.equals(auth)).toBe(true);
        if (capabilities & CLIENT.CONNECT_WITH_DB) expect(got.database).toBe(database);
        if (capabilities & CLIENT.CONNECT_ATTRS) expect(got.attributes).toEqual(attributes);
      }),
      fuzz,
    );
  });

  it('OK and ERR parse back', () => {
    fc.assert(
      fc.property(
        caps,
        fc.record({ affectedRows: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), lastInsertId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), warnings: u16 }),
        str,
        (c, ok, info) => {
          const got = parseOk(writeOk({ ...ok, info, statusFlags: SERVER_STATUS.AUTOCOMMIT }, c), c);
          expect(got).toMatchObject({ ...ok, info });
        },
      ),
      fuzz,
    );
    fc.assert(
      fc.property(u16, fc.stringMatching(/^[0-9A-Z]{5}$/), str, (code, sqlState, message) => {
        expect(parseErr(writeErr({ code, sqlState, message }))).toEqual({ code, sqlState, message });
      }),
      fuzz,
    );
  });
});

// ── result sets through the framing and the response reader ────────────────────────────────────────────────────────

type ResultSet = { columns: { type: number; unsigned: boolean }[]; rows: BinaryValue[][] };
const resultSet: fc.Arbitrary<ResultSet> = fc.array(maybeNull(typedValue), { minLength: 1, maxLength: 5 }).chain((first) =>
  fc.record({
    columns: fc.constant(first.map(({ type, unsigned }) => ({ type, unsigned }))),
    rows: fc.array(fc.tuple(...first.map((c) => maybeNull(typedValue.filter((v) => v.type === c.type && v.unsigned === c.unsigned)).map((v) => v.value))), {
      maxLength: 4,
    }),
  }),
);

/** The server's answer to a query of several statements: result sets, written as packets from sequence id 1. */
function answer(sets: ResultSet[], capabilities: number, binary: boolean): { bytes: Buffer; rows: Buffer[] } {
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

describe('result sets', () => {
  it('are read back, text and binary, with and without CLIENT_DEPRECATE_EOF, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(resultSet, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), cuts, (sets, deprecate, binary, at) => {
        const capabilities = CLIENT.PROTOCOL_41 | CLIENT.SESSION_TRACK | (deprecate ? CLIENT.DEPRECATE_EOF : 0);
        const { bytes: stream, rows } = answer(sets, capabilities, binary);
        const packets = new PacketParser({ checkSequence: true });
        packets.sequenceId = 1;
        const reader = new ResponseReader(capabilities);
        reader.expect(binary ? 'execute' : 'query');
        const got: ServerMessage[] = [];
        const gotRows: Buffer[] = [];
        const columns: { type: number; flags: number }[][] = [];
        for (const chunk of chunked(stream, at))
          packets.push(chunk, (payload, seq) =>
            reader.push(payload, seq, (m, p) => {
              got.push(m);
              if (m.type === 'ColumnCount') columns.push([]);
              if (m.type === 'Column') {
                expect(parseColumnDefinition(p)).toEqual(m.column);
                columns.at(-1)!.push(m.column);
              }
              if (m.type === 'Row') {
                gotRows.push(Buffer.from(p));
                const set = sets[columns.length - 1]!;
                if (binary) expect(set.rows).toContainEqual(parseBinaryRow(p, columns.at(-1)!));
                else expect(parseTextRow(p, set.columns.length)).toHaveLength(set.columns.length);
              }
            }),
          );
        expect(reader.idle).toBe(true);
        expect(got.filter((m) => m.type === 'ResultEnd').map((m) => (m as { more: boolean }).more)).toEqual(sets.map((_, i) => i < sets.length - 1));
        expect(gotRows).toEqual(rows);
      }),
      fuzz,
    );
  });

  it('a prepared statement answer is read to its end', () => {
    fc.assert(
      fc.property(u16, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), (id, params, columns, deprecate) => {
        const capabilities = CLIENT.PROTOCOL_41 | (deprecate ? CLIENT.DEPRECATE_EOF : 0);
        const payloads = [writePrepareOk({ statementId: id, params, columns, warnings: 0 })];
        for (const n of [params, columns]) {
          for (let i = 0; i < n; i++) payloads.push(writeColumnDefinition({ name: '?', type: TYPE.VAR_STRING }));
          if (n > 0 && !deprecate) payloads.push(writeResultEnd({}, capabilities));
        }
        const reader = new ResponseReader(capabilities);
        reader.expect('prepare');
        const types: string[] = [];
        payloads.forEach((p, i) => reader.push(p, i + 1, (m) => types.push(m.type)));
        expect(reader.idle).toBe(true);
        expect(types.filter((t) => t === 'Param')).toHaveLength(params);
        expect(types.filter((t) => t === 'Column')).toHaveLength(columns);
        expect(parsePrepareOk(payloads[0]!).statementId).toBe(id);
      }),
      fuzz,
    );
  });
});

// ── hostile bytes ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Runs `f`; anything thrown other than a MysqlWireError fails the property. */
function onlyCodecErrors(f: () => void): void {
  const started = Date.now();
  try {
    f();
  } catch (err) {
    if (!(err instanceof MysqlWireError)) throw err;
  }
  expect(Date.now() - started).toBeLessThan(1000);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: u8 }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: bytes(8) }),
);
function mutate(buf: Buffer, muts: { kind: string; at: number; byte?: number; bytes?: Buffer }[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of muts) {
    const at = m.at % (b.length + 1);
    if (m.kind === 'flip' && at < b.length) b[at] = m.byte!;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes!, b.subarray(at)]);
  }
  return b;
}

describe('hostile bytes', () => {
  const parsers: [string, (p: Buffer) => unknown][] = [
    ['HandshakeV10', parseHandshakeV10],
    ['HandshakeResponse41', parseHandshakeResponse41],
    [
      'command',
      (p) => parseCommand(p, { capabilities: CLIENT.PROTOCOL_41 | CLIENT.QUERY_ATTRIBUTES | CLIENT.SECURE_CONNECTION, statement: () => ({ paramCount: 3 }) }),
    ],
    ['OK', (p) => parseOk(p, CLIENT.PROTOCOL_41 | CLIENT.SESSION_TRACK)],
    ['ERR', parseErr],
    ['column definition', (p) => parseColumnDefinition(p, true)],
    ['text row', (p) => parseTextRow(p, 3)],
    [
      'binary row',
      (p) =>
        parseBinaryRow(p, [
          { type: TYPE.DATETIME, flags: 0 },
          { type: TYPE.BLOB, flags: 0 },
          { type: TYPE.TIME, flags: 0 },
        ]),
    ],
    ['prepare OK', parsePrepareOk],
  ];

  it('random payloads give a value or a MysqlWireError from every packet parser', () => {
    fc.assert(
      fc.property(bytes(64), (p) => {
        for (const [, parse] of parsers) onlyCodecErrors(() => parse(p));
      }),
      fuzz,
    );
  });

  it('valid commands with bytes flipped, cut or inserted give a value or a MysqlWireError', () => {
    fc.assert(
      fc.property(command(true), fc.array(mutation, { maxLength: 3 }), (c, muts) => {
        const capabilities = CLIENT.PROTOCOL_41 | CLIENT.QUERY_ATTRIBUTES | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.CONNECT_ATTRS;
        const p = mutate(writeCommand(c, capabilities), muts);
        onlyCodecErrors(() => parseCommand(p, { capabilities, statement: () => ({ paramCount: c.type === 'StmtExecute' ? c.params.length : 0 }) }));
      }),
      fuzz,
    );
  });

  it('server answers with bytes flipped, cut or inserted give messages or a MysqlWireError through framing and the reader', () => {
    fc.assert(
      fc.property(fc.array(resultSet, { minLength: 1, maxLength: 2 }), fc.boolean(), fc.array(mutation, { maxLength: 3 }), cuts, (sets, binary, muts, at) => {
        const capabilities = CLIENT.PROTOCOL_41 | CLIENT.DEPRECATE_EOF;
        const stream = mutate(answer(sets, capabilities, binary).bytes, muts);
        const packets = new PacketParser({ maxPayload: 1 << 20, checkSequence: true });
        packets.sequenceId = 1;
        const reader = new ResponseReader(capabilities);
        reader.expect(binary ? 'execute' : 'query');
        const columns: { type: number; flags: number }[] = [];
        onlyCodecErrors(() => {
          for (const chunk of chunked(stream, at))
            packets.push(chunk, (payload, seq) =>
              reader.push(payload, seq, (m, p) => {
                if (m.type === 'Column') columns.push(m.column);
                if (m.type === 'Row' && binary) parseBinaryRow(p, columns);
              }),
            );
        });
      }),
      fuzz,
    );
  });

  it('random streams through the framing and the reader give messages or a MysqlWireError', () => {
    fc.assert(
      fc.property(bytes(200), fc.constantFrom('query', 'execute', 'prepare', 'fieldList', 'ok', 'fetch') as fc.Arbitrary<'query'>, cuts, (stream, kind, at) => {
        const packets = new PacketParser({ maxPayload: 4096 });
        const reader = new ResponseReader(CLIENT.PROTOCOL_41);
        reader.expect(kind);
        onlyCodecErrors(() => {
          for (const chunk of chunked(stream, at)) packets.push(chunk, (payload, seq) => reader.push(payload, seq, () => undefined));
        });
      }),
      fuzz,
    );
  });
});
