import { CLIENT, SERVER_STATUS } from './constants';
import { MysqlWireError } from './errors';
import { PayloadReader } from './reader';
import { PayloadWriter } from './writer';

/** One session-state change of an OK packet: its type (SESSION_TRACK) and its data as sent. */
export interface SessionStateChange {
  type: number;
  data: Buffer;
}

export interface OkPacket {
  /** 0x00, or 0xFE for the OK that ends a result set under CLIENT_DEPRECATE_EOF */
  header: 0x00 | 0xfe;
  affectedRows: bigint;
  lastInsertId: bigint;
  statusFlags: number;
  warnings: number;
  info: string;
  /** with CLIENT_SESSION_TRACK and SERVER_SESSION_STATE_CHANGED */
  sessionState?: SessionStateChange[];
}

export interface ErrPacket {
  code: number;
  /** empty when the server sent none (errors before the capabilities are agreed) */
  sqlState: string;
  message: string;
}

export interface EofPacket {
  warnings: number;
  statusFlags: number;
}

/** True for an ERR packet. */
export const isErr = (payload: Buffer): boolean => payload.length > 0 && payload[0] === 0xff;
/** True for an OK packet (0x00 header; at least 7 bytes). */
export const isOk = (payload: Buffer): boolean => payload.length >= 7 && payload[0] === 0x00;
/** True for an EOF packet (0xFE, shorter than 9 bytes: a length-encoded integer 0xFE would need 9). */
export const isEof = (payload: Buffer): boolean => payload.length > 0 && payload.length < 9 && payload[0] === 0xfe;
/**
 * True for the OK packet that ends a result set under CLIENT_DEPRECATE_EOF (0xFE header); a text row that starts
 * with 0xFE carries a value of 16 MB or more, so it is longer than one packet.
 */
export const isEofOk = (payload: Buffer): boolean => payload.length > 0 && payload.length < 0xffffff && payload[0] === 0xfe;

export function parseOk(payload: Buffer, capabilities: number): OkPacket {
  const r = new PayloadReader(payload, 'OK');
  const header = r.int1();
  if (header !== 0x00 && header !== 0xfe) throw new MysqlWireError(`OK: header 0x${header.toString(16)}`);
  const affectedRows = r.lenencBig();
  const lastInsertId = r.lenencBig();
  let statusFlags = 0;
  let warnings = 0;
  if ((capabilities & CLIENT.PROTOCOL_41) !== 0) {
    statusFlags = r.int2();
    warnings = r.int2();
  } else if ((capabilities & CLIENT.TRANSACTIONS) !== 0) statusFlags = r.int2();
  const ok: OkPacket = { header, affectedRows, lastInsertId, statusFlags, warnings, info: '' };
  if ((capabilities & CLIENT.SESSION_TRACK) !== 0) {
    // servers leave the info out of an OK that has none
    if (r.left > 0) ok.info = r.lenencString();
    if ((statusFlags & SERVER_STATUS.SESSION_STATE_CHANGED) !== 0 && r.left > 0) ok.sessionState = parseSessionState(r.lenencBytes());
  } else ok.info = r.restString();
  r.done();
  return ok;
}

function parseSessionState(data: Buffer): SessionStateChange[] {
  const r = new PayloadReader(data, 'OK session state');
  const out: SessionStateChange[] = [];
  while (r.left > 0) {
    const type = r.int1();
    out.push({ type, data: r.lenencBytes() });
  }
  return out;
}

export function writeOk(ok: Partial<OkPacket>, capabilities: number): Buffer {
  const w = new PayloadWriter(32);
  w.int1(ok.header ?? 0x00)
    .lenenc(ok.affectedRows ?? 0n)
    .lenenc(ok.lastInsertId ?? 0n);
  let status = ok.statusFlags ?? SERVER_STATUS.AUTOCOMMIT;
  if (ok.sessionState !== undefined) status |= SERVER_STATUS.SESSION_STATE_CHANGED;
  if ((capabilities & CLIENT.PROTOCOL_41) !== 0) w.int2(status).int2(ok.warnings ?? 0);
  else if ((capabilities & CLIENT.TRANSACTIONS) !== 0) w.int2(status);
  if ((capabilities & CLIENT.SESSION_TRACK) !== 0) {
    if (ok.info || ok.sessionState !== undefined) w.lenencString(ok.info ?? '');
    if (ok.sessionState !== undefined && (status & SERVER_STATUS.SESSION_STATE_CHANGED) !== 0) {
      const s = new PayloadWriter();
      for (const c of ok.sessionState) s.int1(c.type).lenencString(c.data);
      w.lenencString(s.finish());
    }
  } else if (ok.info) w.string(ok.info);
  return w.finish();
}

/** The name and value of a SESSION_TRACK.SYSTEM_VARIABLES change, or the schema of a SESSION_TRACK.SCHEMA one. */
export function sessionStateValues(change: SessionStateChange): string[] {
  const r = new PayloadReader(change.data, 'session state change');
  const out: string[] = [];
  while (r.left > 0) out.push(r.lenencString());
  return out;
}

export function parseErr(payload: Buffer): ErrPacket {
  const r = new PayloadReader(payload, 'ERR');
  if (r.int1() !== 0xff) throw new MysqlWireError('ERR: does not start with 0xFF');
  const code = r.int2();
  let sqlState = '';
  if (r.left >= 6 && r.peek() === 0x23 /* # */) {
    r.skip(1);
    sqlState = r.bytes(5).toString('latin1');
  }
  return { code, sqlState, message: r.restString() };
}

/** An ERR packet; `sqlState` is sent when given (protocol 4.1 clients expect it after the login). */
export function writeErr(err: { code: number; sqlState?: string; message: string }): Buffer {
  const w = new PayloadWriter(16 + err.message.length).int1(0xff).int2(err.code);
  if (err.sqlState) {
    if (!/^[\x20-\x7e]{5}$/.test(err.sqlState)) throw new RangeError(`ERR: SQLSTATE must be 5 characters: ${err.sqlState}`);
    w.int1(0x23).string(err.sqlState);
  }
  return w.string(err.message).finish();
}

export function parseEof(payload: Buffer): EofPacket {
  const r = new PayloadReader(payload, 'EOF');
  if (r.int1() !== 0xfe) throw new MysqlWireError('EOF: does not start with 0xFE');
  if (r.left === 0) return { warnings: 0, statusFlags: 0 };
  const out = { warnings: r.int2(), statusFlags: r.int2() };
  r.done();
  return out;
}

export function writeEof(eof: Partial<EofPacket> = {}): Buffer {
  return new PayloadWriter(5)
    .int1(0xfe)
    .int2(eof.warnings ?? 0)
    .int2(eof.statusFlags ?? SERVER_STATUS.AUTOCOMMIT)
    .finish();
}

/** The end of a result set: an EOF packet, or under CLIENT_DEPRECATE_EOF an OK packet with a 0xFE header. */
export function writeResultEnd(end: Partial<OkPacket>, capabilities: number): Buffer {
  if ((capabilities & CLIENT.DEPRECATE_EOF) !== 0) return writeOk({ ...end, header: 0xfe }, capabilities);
  return writeEof(end);
}

/** The status flags and warnings of a result set's end (EOF or 0xFE OK). */
export function parseResultEnd(payload: Buffer, capabilities: number): EofPacket {
  if ((capabilities & CLIENT.DEPRECATE_EOF) !== 0) {
    const ok = parseOk(payload, capabilities);
    return { warnings: ok.warnings, statusFlags: ok.statusFlags };
  }
  return parseEof(payload);
}

/** Protocol::LOCAL INFILE Request: the server asks the client for a file's contents (0xFB, the file name). */
export function parseLocalInfileRequest(payload: Buffer): string {
  if (payload.length < 1 || payload[0] !== 0xfb) throw new MysqlWireError('LOCAL INFILE request: does not start with 0xFB');
  return payload.toString('utf8', 1);
}

export function writeLocalInfileRequest(filename: string): Buffer {
  return new PayloadWriter().int1(0xfb).string(filename).finish();
}
