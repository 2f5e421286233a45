import { type AuthSwitchRequest, parseAuthMoreData, parseAuthSwitchRequest } from './auth';
import { parsePrepareOk, type PrepareOk } from './commands';
import { CLIENT, SERVER_STATUS } from './constants';
import { MysqlWireError } from './errors';
import { type ErrPacket, isEof, isEofOk, type OkPacket, parseErr, parseLocalInfileRequest, parseOk, parseResultEnd } from './packets';
import { type ColumnDefinition, parseColumnCount, parseColumnDefinition } from './resultset';

/** What a command's answer is made of (the caller says which command it sent). */
export type ResponseKind =
  /** COM_QUERY: OK, ERR, LOCAL INFILE request, or text result sets (several with multi-statements) */
  | 'query'
  /** COM_STMT_EXECUTE: as a query, with binary rows; with a cursor, the columns only */
  | 'execute'
  /** COM_STMT_FETCH: binary rows of an open cursor, then the end */
  | 'fetch'
  /** COM_STMT_PREPARE: PREPARE_OK and its parameter and column definitions, or ERR */
  | 'prepare'
  /** COM_FIELD_LIST: column definitions (with defaults) until EOF, or ERR */
  | 'fieldList'
  /** COM_STATISTICS: one text packet */
  | 'statistics'
  /** COM_PING, COM_INIT_DB, COM_RESET_CONNECTION, COM_SET_OPTION, COM_PROCESS_KILL, …: OK or ERR */
  | 'ok'
  /** COM_CHANGE_USER: AuthSwitchRequest and AuthMoreData (the client answers each) until OK or ERR */
  | 'auth';

export type ServerMessage =
  | { type: 'OK'; ok: OkPacket; more: boolean }
  | { type: 'Error'; err: ErrPacket }
  | { type: 'LocalInfile'; filename: string }
  | { type: 'ColumnCount'; count: number }
  | { type: 'Column'; column: ColumnDefinition; index: number }
  | { type: 'PrepareOk'; prepare: PrepareOk }
  | { type: 'Param'; column: ColumnDefinition; index: number }
  /** the EOF after a list of definitions (without CLIENT_DEPRECATE_EOF) */
  | { type: 'DefinitionsEnd'; statusFlags: number; warnings: number }
  /** a row: read it with parseTextRow / parseBinaryRow and the columns seen before */
  | { type: 'Row'; binary: boolean }
  | { type: 'ResultEnd'; statusFlags: number; warnings: number; more: boolean }
  | { type: 'Statistics'; text: string }
  | { type: 'AuthSwitch'; request: AuthSwitchRequest }
  | { type: 'AuthMoreData'; data: Buffer };

export type ServerMessageHandler = (m: ServerMessage, payload: Buffer, sequenceId: number) => void;

type State = 'idle' | 'first' | 'columns' | 'columnsEof' | 'rows' | 'params' | 'paramsEof' | 'prepColumns' | 'prepColumnsEof' | 'fieldList';

/**
 * Reads a server's answer to one command, packet by packet (payloads from a PacketParser): says what each packet is,
 * and when the answer is complete (`idle`). Result sets are followed through multi-statement answers
 * (SERVER_MORE_RESULTS_EXISTS), with and without CLIENT_DEPRECATE_EOF. Packets arriving while no answer is expected
 * are an error.
 */
export class ResponseReader {
  private state: State = 'idle';
  private kind: ResponseKind = 'ok';
  private left = 0;
  private index = 0;
  private prepare: PrepareOk | null = null;

  constructor(readonly capabilities: number) {}

  get idle(): boolean {
    return this.state === 'idle';
  }

  /** The command just sent expects an answer of `kind`. */
  expect(kind: ResponseKind): void {
    if (this.state !== 'idle') throw new MysqlWireError(`a new command was sent before the answer to the last one ended (${this.state})`);
    this.kind = kind;
    this.state = kind === 'fieldList' ? 'fieldList' : 'first';
  }

  private get deprecateEof(): boolean {
    return (this.capabilities & CLIENT.DEPRECATE_EOF) !== 0;
  }

  /** Rows of the current result set are in the binary protocol (an execute's or a fetch's). */
  get binaryRows(): boolean {
    return this.kind === 'execute' || this.kind === 'fetch';
  }

  /**
   * Whether `buf[start, end)`, the next packet, is a row of the result set being read: the answer goes on as it was,
   * so a caller that relays the row itself need not `push` it (no message made, no view of it).
   */
  isRow(buf: Buffer, start: number, end: number): boolean {
    if (this.state !== 'rows' || end === start) return false;
    const first = buf[start];
    if (first === 0xff) return false;
    if (first === 0xfe && end - start < (this.deprecateEof ? 0xffffff : 9)) return false;
    return first === 0x00 || !this.binaryRows;
  }

  push(payload: Buffer, sequenceId: number, on: ServerMessageHandler): void {
    const m = this.read(payload);
    on(m, payload, sequenceId);
  }

  private read(p: Buffer): ServerMessage {
    if (this.state === 'idle') throw new MysqlWireError('the server sent a packet while no answer was expected');
    if (p.length > 0 && p[0] === 0xff) {
      this.state = 'idle';
      return { type: 'Error', err: parseErr(p) };
    }
    switch (this.state) {
      case 'first':
        return this.first(p);
      case 'columns':
      case 'prepColumns':
      case 'params': {
        const column = parseColumnDefinition(p);
        const index = this.index++;
        const m: ServerMessage = this.state === 'params' ? { type: 'Param', column, index } : { type: 'Column', column, index };
        if (--this.left === 0) this.afterDefinitions();
        return m;
      }
      case 'fieldList':
        if (this.deprecateEof ? isEofOk(p) : isEof(p)) return this.end(p, 'ResultEnd');
        return { type: 'Column', column: parseColumnDefinition(p, true), index: this.index++ };
      case 'columnsEof':
      case 'paramsEof':
      case 'prepColumnsEof': {
        const { statusFlags, warnings } = parseResultEnd(p, this.capabilities & ~CLIENT.DEPRECATE_EOF);
        if (this.state === 'paramsEof') this.afterParams();
        else if (this.state === 'prepColumnsEof') this.state = 'idle';
        else if (this.kind === 'execute' && (statusFlags & SERVER_STATUS.CURSOR_EXISTS) !== 0) this.state = 'idle';
        else this.state = 'rows';
        return { type: 'DefinitionsEnd', statusFlags, warnings };
      }
      case 'rows': {
        const binary = this.binaryRows;
        if (this.deprecateEof ? isEofOk(p) : isEof(p)) return this.end(p, 'ResultEnd');
        if (binary && p[0] !== 0x00) throw new MysqlWireError('binary row: does not start with 0x00');
        return { type: 'Row', binary };
      }
    }
    throw new MysqlWireError(`unexpected state ${this.state}`);
  }

  private first(p: Buffer): ServerMessage {
    if (this.kind === 'statistics') {
      this.state = 'idle';
      return { type: 'Statistics', text: p.toString('utf8') };
    }
    if (this.kind === 'fetch') {
      this.state = 'rows';
      return this.read(p);
    }
    if (this.kind === 'prepare') {
      const prepare = parsePrepareOk(p);
      this.prepare = prepare;
      this.index = 0;
      if (prepare.params > 0) {
        this.state = 'params';
        this.left = prepare.params;
      } else this.afterParams();
      return { type: 'PrepareOk', prepare };
    }
    if (p.length > 0 && p[0] === 0x00) {
      const ok = parseOk(p, this.capabilities);
      const more = (ok.statusFlags & SERVER_STATUS.MORE_RESULTS_EXISTS) !== 0;
      this.state = more ? 'first' : 'idle';
      return { type: 'OK', ok, more };
    }
    if (this.kind === 'auth' && p[0] === 0xfe) return { type: 'AuthSwitch', request: parseAuthSwitchRequest(p) };
    if (this.kind === 'auth' && p[0] === 0x01) return { type: 'AuthMoreData', data: parseAuthMoreData(p) };
    if (this.kind === 'ok' || this.kind === 'auth') throw new MysqlWireError(`expected OK or ERR, got a packet starting 0x${(p[0] ?? 0).toString(16)}`);
    if (p.length > 0 && p[0] === 0xfb && this.kind === 'query') {
      // the client sends the file (or an empty packet), then the server answers with OK or ERR
      this.state = 'first';
      return { type: 'LocalInfile', filename: parseLocalInfileRequest(p) };
    }
    const count = parseColumnCount(p);
    this.state = 'columns';
    this.left = count;
    this.index = 0;
    return { type: 'ColumnCount', count };
  }

  private afterDefinitions(): void {
    if (this.state === 'params') {
      if (this.deprecateEof) this.afterParams();
      else this.state = 'paramsEof';
    } else if (this.state === 'prepColumns') this.state = this.deprecateEof ? 'idle' : 'prepColumnsEof';
    else this.state = this.deprecateEof ? 'rows' : 'columnsEof';
  }

  private afterParams(): void {
    this.index = 0;
    const columns = this.prepare?.columns ?? 0;
    if (columns > 0) {
      this.state = 'prepColumns';
      this.left = columns;
    } else this.state = 'idle';
  }

  private end(p: Buffer, type: 'ResultEnd'): ServerMessage {
    const { statusFlags, warnings } = parseResultEnd(p, this.capabilities);
    const more = (statusFlags & SERVER_STATUS.MORE_RESULTS_EXISTS) !== 0 && this.kind !== 'fetch' && this.kind !== 'fieldList';
    this.state = more ? 'first' : 'idle';
    return { type, statusFlags, warnings, more };
  }
}
