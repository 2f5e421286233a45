/**
 * Property tests of the codec: what is written parses back to what was written, however the stream is cut into
 * chunks (the arbitraries are in stream-fixtures.ts; hostile bytes in hostile.property.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Command, parseCommand, parsePrepareOk, writeCommand, writePrepareOk } from './commands';
import { CLIENT, SERVER_STATUS, TYPE } from './constants';
import { PacketParser } from './framing';
import { parseHandshakeResponse41, parseHandshakeV10, writeHandshakeResponse41, writeHandshakeV10 } from './handshake';
import { parseErr, parseOk, writeErr, writeOk, writeResultEnd } from './packets';
import { ResponseReader, type ServerMessage } from './response';
import { parseBinaryRow, parseColumnDefinition, parseTextRow, writeColumnDefinition } from './resultset';
import { answer, bytes, caps, chunked, command, cuts, fuzz, nulStr, resultSet, str, u16, u32, u8 } from './stream-fixtures';

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
