import { PgWireError } from './errors';
import { BodyReader, Framer } from './reader';

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
export const PROTOCOL_3 = 196608;
const MAX_STARTUP = 10_000;

type Raw = { raw: Buffer };
export type FrontendMessage =
  | ({ type: 'SSLRequest' } & Raw)
  | ({ type: 'GSSENCRequest' } & Raw)
  | ({ type: 'CancelRequest'; processId: number; secretKey: number } & Raw)
  | ({ type: 'StartupMessage'; protocolVersion: number; params: Record<string, string> } & Raw)
  | ({ type: 'Query'; sql: string } & Raw)
  | ({ type: 'Parse'; name: string; sql: string; paramTypes: number[] } & Raw)
  | ({ type: 'Bind'; portal: string; statement: string; paramFormats: number[]; params: (Buffer | null)[]; resultFormats: number[] } & Raw)
  | ({ type: 'Describe'; kind: 'S' | 'P'; name: string } & Raw)
  | ({ type: 'Execute'; portal: string; maxRows: number } & Raw)
  | ({ type: 'Close'; kind: 'S' | 'P'; name: string } & Raw)
  | ({ type: 'Sync' } & Raw)
  | ({ type: 'Flush' } & Raw)
  | ({ type: 'Terminate' } & Raw)
  | ({ type: 'CopyData'; data: Buffer } & Raw)
  | ({ type: 'CopyDone' } & Raw)
  | ({ type: 'CopyFail'; message: string } & Raw)
  | ({ type: 'FunctionCall' } & Raw)
  | ({ type: 'PasswordMessage'; data: Buffer } & Raw);

export interface FrontendParserOptions {
  /** largest typed message accepted (default 64 MiB) */
  maxMessageSize?: number;
}

/** Push parser for what a client sends to a server, startup phase included. */
export class FrontendParser {
  private readonly framer = new Framer();
  private readonly max: number;
  private startup = true;
  private dead: PgWireError | null = null;

  constructor(opts: FrontendParserOptions = {}) {
    this.max = opts.maxMessageSize ?? 64 * 1024 * 1024;
  }

  /** bytes received for a message that is not complete yet (what this parser holds in memory) */
  get buffered(): number {
    return this.framer.pending;
  }

  push(chunk: Uint8Array, onMessage: (m: FrontendMessage) => void): void {
    if (this.dead) throw this.dead;
    try {
      this.run(chunk, onMessage);
    } catch (err) {
      if (err instanceof PgWireError) this.dead = err;
      throw err;
    }
  }

  private run(chunk: Uint8Array, onMessage: (m: FrontendMessage) => void): void {
    const buf = this.framer.take(chunk);
    if (!buf) return;
    let off = 0;
    while (off < buf.length) {
      const left = buf.length - off;
      if (this.startup) {
        if (left < 4) return this.framer.keep(buf, off, 4);
        const len = buf.readInt32BE(off);
        if (len < 8 || len > MAX_STARTUP) throw new PgWireError(`invalid startup packet length ${len}`);
        if (left < len) return this.framer.keep(buf, off, len);
        onMessage(this.startupMessage(buf, off, len));
        off += len;
        continue;
      }
      if (left < 5) return this.framer.keep(buf, off, 5);
      const len = buf.readInt32BE(off + 1);
      if (len < 4) throw new PgWireError(`invalid message length ${len}`);
      if (len > this.max) throw new PgWireError(`message of ${len} bytes exceeds the limit of ${this.max}`, '54000');
      if (left < len + 1) return this.framer.keep(buf, off, len + 1);
      onMessage(typed(buf, off, len + 1));
      off += len + 1;
    }
  }

  private startupMessage(buf: Buffer, off: number, len: number): FrontendMessage {
    const raw = buf.subarray(off, off + len);
    const r = new BodyReader(buf, off + 4, off + len, 'startup packet');
    const code = r.int32();
    if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
      r.done();
      return { type: code === SSL_REQUEST_CODE ? 'SSLRequest' : 'GSSENCRequest', raw };
    }
    if (code === CANCEL_REQUEST_CODE) {
      const processId = r.int32();
      const secretKey = r.int32();
      r.done();
      return { type: 'CancelRequest', processId, secretKey, raw };
    }
    if (code >> 16 !== 3) throw new PgWireError(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}: hoop speaks protocol 3.0`, '0A000');
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (;;) {
      const key = r.cstring();
      if (key === '') break;
      params[key] = r.cstring();
    }
    r.done();
    this.startup = false;
    return { type: 'StartupMessage', protocolVersion: code, params, raw };
  }
}

function typed(buf: Buffer, off: number, total: number): FrontendMessage {
  const raw = buf.subarray(off, off + total);
  const code = buf[off]!;
  const r = new BodyReader(buf, off + 5, off + total, `message '${String.fromCharCode(code)}'`);
  switch (code) {
    case 0x51 /* Q */:
      {
        const sql = r.cstring();
        r.done();
        return { type: 'Query', sql, raw };
      }
    case 0x50 /* P */:
      {
        const name = r.cstring();
        const sql = r.cstring();
        const n = r.count(r.int16(), 4, 'parameter type');
        const paramTypes: number[] = [];
        for (let i = 0; i < n; i++) paramTypes.push(r.uint32());
        r.done();
        return { type: 'Parse', name, sql, paramTypes, raw };
      }
    case 0x42 /* B */:
      {
        const portal = r.cstring();
        const statement = r.cstring();
        const nf = r.count(r.int16(), 2, 'parameter format');
        const paramFormats: number[] = [];
        for (let i = 0; i < nf; i++) paramFormats.push(r.int16());
        const np = r.count(r.int16(), 4, 'parameter');
        const params: (Buffer | null)[] = [];
        for (let i = 0; i < np; i++) {
          const len = r.int32();
          if (len === -1) params.push(null);
          else if (len < 0) throw new PgWireError(`Bind: invalid parameter length ${len}`);
          else params.push(r.bytes(len));
        }
        const nr = r.count(r.int16(), 2, 'result format');
        const resultFormats: number[] = [];
        for (let i = 0; i < nr; i++) resultFormats.push(r.int16());
        r.done();
        return { type: 'Bind', portal, statement, paramFormats, params, resultFormats, raw };
      }
    case 0x44 /* D */:
    case 0x43 /* C */:
      {
        const k = r.byte();
        if (k !== 0x53 && k !== 0x50) throw new PgWireError(`${code === 0x44 ? 'Describe' : 'Close'}: invalid kind ${k}`);
        const name = r.cstring();
        r.done();
        return { type: code === 0x44 ? 'Describe' : 'Close', kind: k === 0x53 ? 'S' : 'P', name, raw };
      }
    case 0x45 /* E */:
      {
        const portal = r.cstring();
        const maxRows = r.int32();
        r.done();
        return { type: 'Execute', portal, maxRows, raw };
      }
    case 0x53 /* S */:
      r.done();
      return { type: 'Sync', raw };
    case 0x48 /* H */:
      r.done();
      return { type: 'Flush', raw };
    case 0x58 /* X */:
      r.done();
      return { type: 'Terminate', raw };
    case 0x64 /* d */:
      return { type: 'CopyData', data: r.rest(), raw };
    case 0x63 /* c */:
      r.done();
      return { type: 'CopyDone', raw };
    case 0x66 /* f */:
      {
        const message = r.cstring();
        r.done();
        return { type: 'CopyFail', message, raw };
      }
    case 0x46 /* F */:
      return { type: 'FunctionCall', raw };
    case 0x70 /* p */:
      return { type: 'PasswordMessage', data: r.rest(), raw };
    default:
      throw new PgWireError(`unknown frontend message type 0x${code.toString(16).padStart(2, '0')}`);
  }
}

/** Reads a SASLInitialResponse body (mechanism name, then the client-first message). */
export function parseSaslInitialResponse(data: Buffer): { mechanism: string; response: Buffer | null } {
  const r = new BodyReader(data, 0, data.length, 'SASLInitialResponse');
  const mechanism = r.cstring();
  const len = r.int32();
  const response = len === -1 ? null : r.bytes(len);
  r.done();
  return { mechanism, response };
}
