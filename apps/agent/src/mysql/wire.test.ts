/**
 * The codec against the real MariaDB at 127.0.0.1:3306: every command the relay will carry, text and binary result
 * rows of every column type read as the server sent them and written back to the server's exact bytes (what masking
 * relies on), cursors, long data, multi-statement answers and the LOCAL INFILE request.
 */
import { randomBytes } from 'node:crypto';
import {
  type BinaryValue,
  CLIENT,
  type ColumnDefinition,
  type Command,
  CURSOR,
  nativePasswordToken,
  parseBinaryRow,
  parseTextRow,
  scrambleOf,
  ResponseReader,
  type ResponseKind,
  type ServerMessage,
  TYPE,
  writeBinaryRow,
  writeCommand,
  writeTextRow,
} from '@hoop/mysqlwire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PacketChannel } from './channel';
import { loginMysqlTarget, type MysqlTargetSession } from './target';
import { asRoot, testTarget } from './test-mariadb';

type Got = { m: ServerMessage; payload: Buffer };

/** A logged-in connection that sends commands and collects the whole answer to each. */
class Conversation {
  private channel: PacketChannel;
  constructor(readonly s: MysqlTargetSession) {
    this.channel = new PacketChannel(s.packets, () => 'closed');
    this.channel.attach(s.socket);
  }

  send(c: Command, longData?: ReadonlySet<number>): void {
    this.channel.write(writeCommand(c, this.s.capabilities, longData), 0);
  }

  async run(c: Command, kind: ResponseKind, longData?: ReadonlySet<number>): Promise<Got[]> {
    const reader = new ResponseReader(this.s.capabilities);
    reader.expect(kind);
    this.send(c, longData);
    const got: Got[] = [];
    // an AuthSwitchRequest waits for the client's answer (see answer())
    while (!reader.idle && got.at(-1)?.m.type !== 'AuthSwitch') {
      const p = await this.channel.next();
      reader.push(p.payload, p.sequenceId, (m, payload) => {
        got.push({ m, payload: Buffer.from(payload) });
        if (m.type === 'LocalInfile') this.channel.write(Buffer.alloc(0), (p.sequenceId + 1) & 0xff);
      });
    }
    return got;
  }

  /** Sends an answer within the command under way (an auth switch) and reads the next packet. */
  async answer(payload: Buffer, sequenceId: number): Promise<Got> {
    this.channel.write(payload, sequenceId);
    const p = await this.channel.next();
    const reader = new ResponseReader(this.s.capabilities);
    reader.expect('auth');
    let got: Got | null = null;
    reader.push(p.payload, p.sequenceId, (m, payload) => {
      got = { m, payload };
    });
    return got!;
  }

  close(): void {
    this.channel.detach();
    this.s.socket.destroy();
  }
}

let db: string;
let conv: Conversation;
beforeEach(async () => {
  db = `hoop_w_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}`);
  const s = await loginMysqlTarget(testTarget(db), null, {
    capabilities: undefined,
  });
  conv = new Conversation(s);
});
afterEach(() => {
  conv.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

const columnsOf = (got: Got[]) => got.filter((g) => g.m.type === 'Column').map((g) => (g.m as { column: ColumnDefinition }).column);
const rowsOf = (got: Got[]) => got.filter((g) => g.m.type === 'Row').map((g) => g.payload);

const TABLE = `CREATE TABLE t (
  id int PRIMARY KEY, ti tinyint, tu tinyint unsigned, si smallint, mi mediumint, i int, iu int unsigned, bi bigint, bu bigint unsigned,
  f float, d double, dec1 decimal(10,2), dt date, dtm datetime(6), ts timestamp NULL, tm time(6), y year, vc varchar(20), bl blob,
  js json, bt bit(8), en enum('a','b'), st set('x','y'), nn int NULL)`;
const ROWS = `INSERT INTO t VALUES
  (1, -128, 255, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 1.5, -2.25, -12345678.99,
   '2024-02-29', '2024-02-29 23:59:58.123456', '2024-01-02 03:04:05', '-838:59:58.999999', 2155, 'héllo', x'00ff10', '{"a": [1, null]}',
   b'10100101', 'b', 'x,y', NULL),
  (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '0000-00-00', '0000-00-00 00:00:00', NULL, '00:00:00', 0, '', '', 'null', b'0', 'a', '', NULL)`;

describe('result rows as the server sends them', () => {
  it('text rows are read value by value and written back to the same bytes', async () => {
    await conv.run({ type: 'Query', sql: `${TABLE}; ${ROWS}` }, 'query');
    const got = await conv.run({ type: 'Query', sql: 'SELECT * FROM t ORDER BY id' }, 'query');
    const cols = columnsOf(got);
    expect(cols.map((c) => c.name).slice(0, 3)).toEqual(['id', 'ti', 'tu']);
    expect(cols[2]!.flags & 0x20).not.toBe(0);
    const rows = rowsOf(got);
    const first = parseTextRow(rows[0]!, cols.length).map((v) => v?.toString('utf8') ?? null);
    expect(first.slice(0, 9)).toEqual(['1', '-128', '255', '-32768', '-8388608', '-2147483648', '4294967295', '-9223372036854775808', '18446744073709551615']);
    expect(first.slice(11, 18)).toEqual([
      '-12345678.99',
      '2024-02-29',
      '2024-02-29 23:59:58.123456',
      '2024-01-02 03:04:05',
      '-838:59:58.999999',
      '2155',
      'héllo',
    ]);
    expect(first.at(-1)).toBeNull();
    for (const r of rows) expect(writeTextRow(parseTextRow(r, cols.length)).equals(r)).toBe(true);
  });

  it('binary rows of every column type are read to their values and written back to the same bytes', async () => {
    await conv.run({ type: 'Query', sql: `${TABLE}; ${ROWS}` }, 'query');
    const prep = await conv.run({ type: 'StmtPrepare', sql: 'SELECT * FROM t WHERE id >= ? ORDER BY id' }, 'prepare');
    const ok = prep[0]!.m as Extract<ServerMessage, { type: 'PrepareOk' }>;
    expect(ok.prepare).toMatchObject({ params: 1, columns: 24 });
    const params = [{ type: TYPE.LONG, unsigned: false, value: 1 }];
    const got = await conv.run({ type: 'StmtExecute', statementId: ok.prepare.statementId, flags: 0, iterations: 1, params, newParamsBound: true }, 'execute');
    const cols = columnsOf(got);
    const rows = rowsOf(got);
    expect(rows).toHaveLength(2);
    const v = parseBinaryRow(rows[0]!, cols);
    const byName = (n: string): BinaryValue => v[cols.findIndex((c) => c.name === n)]!;
    expect([byName('ti'), byName('tu'), byName('si'), byName('mi'), byName('i'), byName('iu')]).toEqual([-128, 255, -32768, -8388608, -2147483648, 4294967295]);
    expect([byName('bi'), byName('bu')]).toEqual([-9223372036854775808n, 18446744073709551615n]);
    expect([byName('f'), byName('d'), byName('y')]).toEqual([1.5, -2.25, 2155]);
    expect(byName('dec1')?.toString()).toBe('-12345678.99');
    expect(byName('dt')).toEqual({ year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 0, microsecond: 0 });
    expect(byName('dtm')).toEqual({ year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, microsecond: 123456 });
    expect(byName('tm')).toEqual({ negative: true, days: 34, hours: 22, minutes: 59, seconds: 58, microseconds: 999999 });
    expect(byName('bl')).toEqual(Buffer.from([0x00, 0xff, 0x10]));
    expect(byName('bt')).toEqual(Buffer.from([0xa5]));
    expect([byName('en')?.toString(), byName('st')?.toString(), byName('nn')]).toEqual(['b', 'x,y', null]);
    for (const r of rows) expect(writeBinaryRow(cols, parseBinaryRow(r, cols)).equals(r)).toBe(true);
  });

  it('a cursor sends the columns first, then rows by COM_STMT_FETCH until the last one', async () => {
    await conv.run({ type: 'Query', sql: 'CREATE TABLE n (x int); INSERT INTO n VALUES (1),(2),(3),(4),(5)' }, 'query');
    const prep = await conv.run({ type: 'StmtPrepare', sql: 'SELECT x FROM n ORDER BY x' }, 'prepare');
    const id = (prep[0]!.m as Extract<ServerMessage, { type: 'PrepareOk' }>).prepare.statementId;
    const exec = await conv.run({ type: 'StmtExecute', statementId: id, flags: CURSOR.READ_ONLY, iterations: 1, params: [], newParamsBound: false }, 'execute');
    expect(rowsOf(exec)).toHaveLength(0);
    const cols = columnsOf(exec);
    const seen: BinaryValue[] = [];
    for (;;) {
      const got = await conv.run({ type: 'StmtFetch', statementId: id, rows: 2 }, 'fetch');
      for (const r of rowsOf(got)) seen.push(parseBinaryRow(r, cols)[0]!);
      const end = got.at(-1)!.m as Extract<ServerMessage, { type: 'ResultEnd' }>;
      if (end.statusFlags & 0x80 /* LAST_ROW_SENT */) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    conv.send({ type: 'StmtClose', statementId: id });
    expect((await conv.run({ type: 'Ping' }, 'ok'))[0]!.m.type).toBe('OK');
  });

  it('long data is sent before the execute and left out of it; a reset statement runs again', async () => {
    const prep = await conv.run({ type: 'StmtPrepare', sql: 'SELECT ?, LENGTH(?)' }, 'prepare');
    const id = (prep[0]!.m as Extract<ServerMessage, { type: 'PrepareOk' }>).prepare.statementId;
    const big = Buffer.alloc(100_000, 0x61);
    conv.send({ type: 'StmtSendLongData', statementId: id, paramId: 1, data: big.subarray(0, 60_000) });
    conv.send({ type: 'StmtSendLongData', statementId: id, paramId: 1, data: big.subarray(60_000) });
    const params = [
      { type: TYPE.VAR_STRING, unsigned: false, value: 'x' },
      { type: TYPE.BLOB, unsigned: false, value: null },
    ];
    const exec = { type: 'StmtExecute' as const, statementId: id, flags: 0, iterations: 1, params, newParamsBound: true };
    const got = await conv.run(exec, 'execute', new Set([1]));
    expect(parseBinaryRow(rowsOf(got)[0]!, columnsOf(got))).toEqual([Buffer.from('x'), 100_000]);
    expect((await conv.run({ type: 'StmtReset', statementId: id }, 'ok'))[0]!.m.type).toBe('OK');
  });
});

describe('commands', () => {
  it('multi-statement answers end only after the last result, with OKs and result sets mixed', async () => {
    const got = await conv.run({ type: 'Query', sql: 'CREATE TABLE m (x int); INSERT INTO m VALUES (7); SELECT x FROM m; SELECT 1, 2' }, 'query');
    expect(got.map((g) => g.m.type).filter((t) => t !== 'Column')).toEqual(['OK', 'OK', 'ColumnCount', 'Row', 'ResultEnd', 'ColumnCount', 'Row', 'ResultEnd']);
    expect(got.filter((g) => g.m.type === 'OK').map((g) => (g.m as { more: boolean }).more)).toEqual([true, true]);
  });

  it('COM_INIT_DB, COM_FIELD_LIST, COM_PING, COM_STATISTICS, COM_RESET_CONNECTION and errors', async () => {
    await conv.run({ type: 'Query', sql: 'CREATE TABLE f (a int, b varchar(3) DEFAULT "x")' }, 'query');
    expect((await conv.run({ type: 'InitDb', schema: db }, 'ok'))[0]!.m.type).toBe('OK');
    const fields = await conv.run({ type: 'FieldList', table: 'f', wildcard: '' }, 'fieldList');
    expect(columnsOf(fields).map((c) => c.name)).toEqual(['a', 'b']);
    expect((await conv.run({ type: 'Statistics' }, 'statistics'))[0]!.m).toMatchObject({ type: 'Statistics', text: expect.stringContaining('Uptime') });
    expect((await conv.run({ type: 'ResetConnection' }, 'ok'))[0]!.m.type).toBe('OK');
    const err = await conv.run({ type: 'InitDb', schema: 'no_such_db_here' }, 'ok');
    expect(err[0]!.m).toMatchObject({ type: 'Error', err: { code: 1049, sqlState: '42000' } });
  });

  it('the LOCAL INFILE request is recognised, and an empty answer ends it', async () => {
    await conv.run({ type: 'Query', sql: 'CREATE TABLE li (x int)' }, 'query');
    const caps = conv.s.capabilities;
    expect(caps & CLIENT.LOCAL_FILES).toBe(0);
    // the server refuses LOAD DATA LOCAL from a client that did not announce CLIENT_LOCAL_FILES, with an ERR
    const refused = await conv.run({ type: 'Query', sql: "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE li" }, 'query');
    expect(refused.at(-1)!.m.type).toBe('Error');
    const s = await loginMysqlTarget(testTarget(db), null, {
      capabilities: (conv.s.capabilities | CLIENT.LOCAL_FILES) >>> 0,
    });
    const c2 = new Conversation(s);
    const got = await c2.run({ type: 'Query', sql: "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE li" }, 'query');
    c2.close();
    expect(got[0]!.m).toEqual({ type: 'LocalInfile', filename: '/etc/hostname' });
    expect(got.at(-1)!.m.type).toBe('OK');
  });

  it('COM_CHANGE_USER logs in again as another account; COM_PROCESS_KILL ends a connection by its thread id', async () => {
    const user = `hoop_cu_${randomBytes(3).toString('hex')}`;
    asRoot(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw1'`);
    try {
      const scramble = conv.s.greeting.authPluginData;
      const cu = await conv.run(
        {
          type: 'ChangeUser',
          changeUser: { user, authResponse: nativePasswordToken('pw1', scramble), database: '', characterSet: 45, authPluginName: 'mysql_native_password' },
        },
        'auth',
      );
      // MariaDB asks again with a new scramble (AuthSwitchRequest); the answer is sent as the next packet of the command
      const last = cu.at(-1)!.m;
      if (last.type === 'AuthSwitch') {
        const ok = await conv.answer(nativePasswordToken('pw1', scrambleOf(last.request.pluginData)), 2);
        expect(ok.m.type).toBe('OK');
      } else expect(last.type).toBe('OK');
      const who = await conv.run({ type: 'Query', sql: 'SELECT CURRENT_USER()' }, 'query');
      expect(parseTextRow(rowsOf(who)[0]!, 1)[0]!.toString()).toBe(`${user}@%`);
    } finally {
      asRoot(`DROP USER '${user}'@'%'`);
    }
    const other = await loginMysqlTarget(testTarget(null), null);
    const closed = new Promise((r) => other.socket.once('close', r));
    const root = await loginMysqlTarget(testTarget(null), null);
    const c = new Conversation(root);
    expect((await c.run({ type: 'ProcessKill', connectionId: other.connectionId }, 'ok'))[0]!.m.type).toBe('OK');
    await closed;
    c.close();
  });
});
