/**
 * Hostile bytes (random, or valid streams with bytes flipped, cut short or with garbage) give parsed packets or a
 * MysqlWireError from the codec, never another exception or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand, parsePrepareOk, writeCommand } from './commands';
import { CLIENT, TYPE } from './constants';
import { MysqlWireError } from './errors';
import { PacketParser } from './framing';
import { parseHandshakeResponse41, parseHandshakeV10 } from './handshake';
import { parseErr, parseOk } from './packets';
import { ResponseReader } from './response';
import { parseBinaryRow, parseColumnDefinition, parseTextRow } from './resultset';
import { answer, bytes, chunked, command, cuts, fuzz, resultSet, u8 } from './stream-fixtures';

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
