import { PgWireError } from './errors';
import { BodyReader } from './reader';

type Raw = { raw: Buffer };
export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

/** A DataRow; its values are read from `raw` only when asked for (relaying a row never needs them). */
export class DataRowMessage {
  readonly type = 'DataRow' as const;
  private cached: (Buffer | null)[] | null = null;
  constructor(readonly raw: Buffer) {}

  get values(): (Buffer | null)[] {
    if (this.cached) return this.cached;
    const r = new BodyReader(this.raw, 5, this.raw.length, 'DataRow');
    const n = r.count(r.int16(), 4, 'column');
    const values: (Buffer | null)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const len = r.int32();
      if (len === -1) values[i] = null;
      else if (len < 0) throw new PgWireError(`DataRow: invalid value length ${len}`);
      else values[i] = r.bytes(len);
    }
    r.done();
    this.cached = values;
    return values;
  }
}

export type BackendMessage =
  | ({ type: 'Authentication'; code: number; data: Buffer; mechanisms?: string[] } & Raw)
  | ({ type: 'ParameterStatus'; name: string; value: string } & Raw)
  | ({ type: 'BackendKeyData'; processId: number; secretKey: number } & Raw)
  | ({ type: 'ReadyForQuery'; status: 'I' | 'T' | 'E' } & Raw)
  | ({ type: 'RowDescription'; fields: FieldDescription[] } & Raw)
  | DataRowMessage
  | ({ type: 'CommandComplete'; tag: string } & Raw)
  | ({ type: 'EmptyQueryResponse' } & Raw)
  | ({ type: 'ErrorResponse' | 'NoticeResponse'; fields: Record<string, string> } & Raw)
  | ({ type: 'ParseComplete' | 'BindComplete' | 'CloseComplete' | 'NoData' | 'PortalSuspended' | 'CopyDone' } & Raw)
  | ({ type: 'ParameterDescription'; typeOids: number[] } & Raw)
  | ({ type: 'CopyInResponse' | 'CopyOutResponse' | 'CopyBothResponse'; format: number; columnFormats: number[] } & Raw)
  | ({ type: 'CopyData'; data: Buffer } & Raw)
  | ({ type: 'NotificationResponse'; processId: number; channel: string; payload: string } & Raw)
  | ({ type: 'NegotiateProtocolVersion'; minorVersion: number; options: string[] } & Raw)
  | ({ type: 'FunctionCallResponse' } & Raw);

/** A DataRow as the bytes `buf[start, end)` (type byte included), for callers that handle rows without an object each. */
export type DataRowHandler = (buf: Buffer, start: number, end: number) => void;

/**
 * The column count of the DataRow at `buf[start]` (its int16 after the type byte and length), as sent: nothing is
 * checked here, `dataRowCells` checks it against the message.
 */
export function dataRowColumnCount(buf: Buffer, start: number): number {
  // (a big-endian read written out: this runs for every row relayed)
  return (((buf[start + 5]! << 8) | buf[start + 6]!) << 16) >> 16;
}

/**
 * Finds the values of the DataRow `buf[start, end)` without copying: value `i` is `buf[cells[2i], cells[2i + 1])`, or
 * NULL when `cells[2i]` is -1. `cells` is the caller's (reused across rows) and must have room for two entries per
 * column; the column count is returned. Every length is checked against the message, as `DataRowMessage.values` does.
 */
export function dataRowCells(buf: Buffer, start: number, end: number, cells: Int32Array): number {
  if (end - start < 7 || end > buf.length) throw new PgWireError('DataRow: message is shorter than its contents');
  const n = dataRowColumnCount(buf, start);
  if (n < 0 || n * 4 > end - start - 7) throw new PgWireError(`DataRow: column count ${n} exceeds the message`);
  if (cells.length < 2 * n) throw new RangeError(`dataRowCells: room for ${cells.length / 2} columns, the row has ${n}`);
  let off = start + 7;
  for (let i = 0; i < n; i++) {
    if (off + 4 > end) throw new PgWireError('DataRow: message is shorter than its contents');
    // (a big-endian read written out: this runs for every value relayed)
    const len = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4;
    if (len === -1) {
      cells[2 * i] = -1;
      cells[2 * i + 1] = -1;
      continue;
    }
    if (len < 0) throw new PgWireError(`DataRow: invalid value length ${len}`);
    if (len > end - off) throw new PgWireError('DataRow: message is shorter than its contents');
    cells[2 * i] = off;
    cells[2 * i + 1] = off + len;
    off += len;
  }
  if (off !== end) throw new PgWireError(`DataRow: ${end - off} unexpected trailing bytes`);
  return n;
}

/** A message split across chunks is given its whole size at once up to this; a longer one grows as its bytes come. */
const EAGER = 64 * 1024;

export interface BackendParserOptions {
  /** largest message accepted (default 1 GiB + 64 KiB: a DataRow may carry a 1 GB value) */
  maxMessageSize?: number;
}

/**
 * Push parser for what a server sends. The one-byte answer to an SSLRequest is not a message: read it before
 * handing the stream to this parser.
 */
export class BackendParser {
  private readonly max: number;
  private dead: PgWireError | null = null;
  /**
   * the start of a message the previous chunk ended inside: sized for the whole message once its length is known, up
   * to EAGER bytes; beyond that it grows with the bytes that arrive, so a header claiming 1 GB reserves nothing
   */
  private pending: Buffer | null = null;
  private pendingLen = 0;
  /** the pending message's size with its type byte; 0 while its header is incomplete */
  private pendingTotal = 0;

  constructor(opts: BackendParserOptions = {}) {
    this.max = opts.maxMessageSize ?? 1024 * 1024 * 1024 + 65536;
  }

  /**
   * Parses what `chunk` completes. With `onDataRow`, DataRows are handed over as byte ranges instead of messages (no
   * allocation per row); the bytes are valid only during the call. Messages inside the chunk are read in place; only
   * a message split across chunks is copied, and only its own bytes.
   */
  push(chunk: Uint8Array, onMessage: (m: BackendMessage) => void, onDataRow?: DataRowHandler): void {
    if (this.dead) throw this.dead;
    try {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let off = this.pending === null ? 0 : this.finishPending(buf, onMessage, onDataRow);
      if (off < 0) return;
      while (off < buf.length) {
        const left = buf.length - off;
        if (left < 5) return this.keep(buf, off);
        const total = this.totalLength(buf, off);
        if (left < total) return this.keep(buf, off);
        this.deliver(buf, off, total, onMessage, onDataRow);
        off += total;
      }
    } catch (err) {
      if (err instanceof PgWireError) this.dead = err;
      throw err;
    }
  }

  /** The message's size with its type byte, checked against the limit before anything is allocated for it. */
  private totalLength(buf: Buffer, off: number): number {
    const len = (buf[off + 1]! << 24) | (buf[off + 2]! << 16) | (buf[off + 3]! << 8) | buf[off + 4]!;
    if (len < 4) throw new PgWireError(`invalid message length ${len}`);
    if (len > this.max) throw new PgWireError(`message of ${len} bytes exceeds the limit of ${this.max}`, '54000');
    return len + 1;
  }

  private deliver(buf: Buffer, off: number, total: number, onMessage: (m: BackendMessage) => void, onDataRow: DataRowHandler | undefined): void {
    if (onDataRow !== undefined && buf[off] === 0x44 /* D */) onDataRow(buf, off, off + total);
    else onMessage(backendMessage(buf, off, total));
  }

  private keep(buf: Buffer, off: number): void {
    const left = buf.length - off;
    const total = left >= 5 ? this.totalLength(buf, off) : 0;
    const p = Buffer.allocUnsafe(total === 0 ? 5 : Math.min(total, Math.max(EAGER, left)));
    buf.copy(p, 0, off);
    this.pending = p;
    this.pendingLen = left;
    this.pendingTotal = total;
  }

  /** Completes the pending message from the head of `buf`; returns where the rest of `buf` starts, -1 if it did not. */
  private finishPending(buf: Buffer, onMessage: (m: BackendMessage) => void, onDataRow: DataRowHandler | undefined): number {
    let used = 0;
    if (this.pendingTotal === 0) {
      used = Math.min(5 - this.pendingLen, buf.length);
      buf.copy(this.pending!, this.pendingLen, 0, used);
      this.pendingLen += used;
      if (this.pendingLen < 5) return -1;
      this.pendingTotal = this.totalLength(this.pending!, 0);
    }
    const total = this.pendingTotal;
    const n = Math.min(total - this.pendingLen, buf.length - used);
    const p = this.room(this.pendingLen + n);
    buf.copy(p, this.pendingLen, used, used + n);
    this.pendingLen += n;
    used += n;
    if (this.pendingLen < total) return -1;
    this.pending = null;
    this.pendingLen = 0;
    this.pendingTotal = 0;
    this.deliver(p, 0, total, onMessage, onDataRow);
    return used;
  }

  /** The pending buffer with room for `need` bytes: grown by doubling, never past the message's size. */
  private room(need: number): Buffer {
    const p = this.pending!;
    if (need <= p.length) return p;
    const next = Buffer.allocUnsafe(Math.min(this.pendingTotal, Math.max(need, EAGER, 2 * p.length)));
    p.copy(next, 0, 0, this.pendingLen);
    this.pending = next;
    return next;
  }
}

function fields(r: BodyReader): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (;;) {
    const code = r.byte();
    if (code === 0) break;
    out[String.fromCharCode(code)] = r.cstring();
  }
  return out;
}

function backendMessage(buf: Buffer, off: number, total: number): BackendMessage {
  const raw = buf.subarray(off, off + total);
  const code = buf[off]!;
  if (code === 0x44 /* D */) return new DataRowMessage(raw);
  const r = new BodyReader(buf, off + 5, off + total, `message '${String.fromCharCode(code)}'`);
  let m: BackendMessage;
  switch (code) {
    case 0x52 /* R */:
      {
        const authCode = r.int32();
        const data = r.rest();
        m = { type: 'Authentication', code: authCode, data, raw };
        if (authCode === 10) m.mechanisms = data.toString('utf8').split('\0').filter(Boolean);
        return m;
      }
    case 0x53 /* S */:
      m = { type: 'ParameterStatus', name: r.cstring(), value: r.cstring(), raw };
      break;
    case 0x4b /* K */:
      m = { type: 'BackendKeyData', processId: r.int32(), secretKey: r.int32(), raw };
      break;
    case 0x5a /* Z */:
      {
        const s = String.fromCharCode(r.byte());
        if (s !== 'I' && s !== 'T' && s !== 'E') throw new PgWireError(`ReadyForQuery: invalid status ${s}`);
        m = { type: 'ReadyForQuery', status: s, raw };
        break;
      }
    case 0x54 /* T */:
      {
        const n = r.count(r.int16(), 19, 'field');
        const list: FieldDescription[] = [];
        for (let i = 0; i < n; i++) {
          list.push({
            name: r.cstring(),
            tableOid: r.uint32(),
            columnAttr: r.int16(),
            typeOid: r.uint32(),
            typeSize: r.int16(),
            typeModifier: r.int32(),
            format: r.int16(),
          });
        }
        m = { type: 'RowDescription', fields: list, raw };
        break;
      }
    case 0x43 /* C */:
      m = { type: 'CommandComplete', tag: r.cstring(), raw };
      break;
    case 0x49 /* I */:
      m = { type: 'EmptyQueryResponse', raw };
      break;
    case 0x45 /* E */:
    case 0x4e /* N */:
      m = { type: code === 0x45 ? 'ErrorResponse' : 'NoticeResponse', fields: fields(r), raw };
      break;
    case 0x31:
      m = { type: 'ParseComplete', raw };
      break;
    case 0x32:
      m = { type: 'BindComplete', raw };
      break;
    case 0x33:
      m = { type: 'CloseComplete', raw };
      break;
    case 0x6e /* n */:
      m = { type: 'NoData', raw };
      break;
    case 0x73 /* s */:
      m = { type: 'PortalSuspended', raw };
      break;
    case 0x63 /* c */:
      m = { type: 'CopyDone', raw };
      break;
    case 0x74 /* t */:
      {
        const n = r.count(r.int16(), 4, 'parameter');
        const typeOids: number[] = [];
        for (let i = 0; i < n; i++) typeOids.push(r.uint32());
        m = { type: 'ParameterDescription', typeOids, raw };
        break;
      }
    case 0x47 /* G */:
    case 0x48 /* H */:
    case 0x57 /* W */:
      {
        const format = r.byte();
        const n = r.count(r.int16(), 2, 'column');
        const columnFormats: number[] = [];
        for (let i = 0; i < n; i++) columnFormats.push(r.int16());
        m = { type: code === 0x47 ? 'CopyInResponse' : code === 0x48 ? 'CopyOutResponse' : 'CopyBothResponse', format, columnFormats, raw };
        break;
      }
    case 0x64 /* d */:
      return { type: 'CopyData', data: r.rest(), raw };
    case 0x41 /* A */:
      m = { type: 'NotificationResponse', processId: r.int32(), channel: r.cstring(), payload: r.cstring(), raw };
      break;
    case 0x76 /* v */:
      {
        const minorVersion = r.int32();
        const n = r.count(r.int32(), 1, 'option');
        const options: string[] = [];
        for (let i = 0; i < n; i++) options.push(r.cstring());
        m = { type: 'NegotiateProtocolVersion', minorVersion, options, raw };
        break;
      }
    case 0x56 /* V */:
      return { type: 'FunctionCallResponse', raw };
    default:
      throw new PgWireError(`unknown backend message type 0x${code.toString(16).padStart(2, '0')}`);
  }
  r.done();
  return m;
}
