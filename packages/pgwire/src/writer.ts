import { CANCEL_REQUEST_CODE, PROTOCOL_3, SSL_REQUEST_CODE } from './frontend';
import type { FieldDescription } from './backend';
import { PgType } from './types';

/** Builds one message: type byte (or none for startup packets), length, body. */
class MessageBuilder {
  private parts: Buffer[] = [];
  private size = 0;

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v | 0);
    return this.add(b);
  }
  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    return this.add(b);
  }
  byte(v: number): this {
    return this.add(Buffer.from([v]));
  }
  cstring(s: string): this {
    return this.add(Buffer.from(`${s}\0`, 'utf8'));
  }
  bytes(b: Uint8Array): this {
    return this.add(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  private add(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  build(type?: string): Buffer {
    const head = type === undefined ? 0 : 1;
    const out = Buffer.allocUnsafe(head + 4 + this.size);
    if (type !== undefined) out[0] = type.charCodeAt(0);
    out.writeInt32BE(4 + this.size, head);
    let off = head + 4;
    for (const p of this.parts) {
      p.copy(out, off);
      off += p.length;
    }
    return out;
  }
}

const empty = (type: string) => new MessageBuilder().build(type);
const text = (v: Uint8Array | string) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

export interface NoticeFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  where?: string;
}

function noticeBody(f: NoticeFields): MessageBuilder {
  const b = new MessageBuilder();
  const put = (k: string, v: string | undefined) => v !== undefined && b.byte(k.charCodeAt(0)).cstring(v);
  put('S', f.severity);
  put('V', f.severity);
  put('C', f.code);
  put('M', f.message);
  put('D', f.detail);
  put('H', f.hint);
  put('P', f.position);
  put('W', f.where);
  return b.byte(0);
}

// ── backend (server → client) ──────────────────────────────────────────────────────────────────────────────────────
export const authenticationOk = () => new MessageBuilder().int32(0).build('R');
export const authenticationCleartext = () => new MessageBuilder().int32(3).build('R');
export const authenticationMd5 = (salt: Uint8Array) => new MessageBuilder().int32(5).bytes(salt).build('R');
export const authenticationSasl = (mechanisms: string[]) => {
  const b = new MessageBuilder().int32(10);
  for (const m of mechanisms) b.cstring(m);
  return b.byte(0).build('R');
};
export const authenticationSaslContinue = (data: Uint8Array) => new MessageBuilder().int32(11).bytes(data).build('R');
export const authenticationSaslFinal = (data: Uint8Array) => new MessageBuilder().int32(12).bytes(data).build('R');
export const parameterStatus = (name: string, value: string) => new MessageBuilder().cstring(name).cstring(value).build('S');
export const backendKeyData = (pid: number, key: number) => new MessageBuilder().int32(pid).int32(key).build('K');
export const readyForQuery = (status: 'I' | 'T' | 'E') => new MessageBuilder().byte(status.charCodeAt(0)).build('Z');
export const errorResponse = (f: NoticeFields) => noticeBody(f).build('E');
export const noticeResponse = (f: NoticeFields) => noticeBody(f).build('N');
export const commandComplete = (tag: string) => new MessageBuilder().cstring(tag).build('C');
export const emptyQueryResponse = () => empty('I');
export const parseComplete = () => empty('1');
export const bindComplete = () => empty('2');
export const closeComplete = () => empty('3');
export const noData = () => empty('n');
export const portalSuspended = () => empty('s');
export const copyDone = () => empty('c');
export const copyData = (data: Uint8Array) => new MessageBuilder().bytes(data).build('d');
/** the single byte that refuses an SSLRequest or GSSENCRequest */
export const sslNo = () => Buffer.from('N');

export function rowDescription(fields: Partial<FieldDescription>[]): Buffer {
  const b = new MessageBuilder().int16(fields.length);
  for (const f of fields) {
    b.cstring(f.name ?? '?column?')
      .int32(f.tableOid ?? 0)
      .int16(f.columnAttr ?? 0)
      .int32(f.typeOid ?? PgType.text)
      .int16(f.typeSize ?? -1)
      .int32(f.typeModifier ?? -1)
      .int16(f.format ?? 0);
  }
  return b.build('T');
}

export function dataRow(values: (Uint8Array | string | null)[]): Buffer {
  let size = 2;
  const bufs = values.map((v) => (v === null ? null : text(v)));
  for (const v of bufs) size += 4 + (v ? v.length : 0);
  const out = Buffer.allocUnsafe(1 + 4 + size);
  out[0] = 0x44;
  out.writeInt32BE(4 + size, 1);
  out.writeInt16BE(values.length, 5);
  let off = 7;
  for (const v of bufs) {
    if (v === null) {
      out.writeInt32BE(-1, off);
      off += 4;
    } else {
      out.writeInt32BE(v.length, off);
      out.set(v, off + 4);
      off += 4 + v.length;
    }
  }
  return out;
}

// ── frontend (client → server) ─────────────────────────────────────────────────────────────────────────────────────
export function startupMessage(params: Record<string, string>): Buffer {
  const b = new MessageBuilder().int32(PROTOCOL_3);
  for (const [k, v] of Object.entries(params)) b.cstring(k).cstring(v);
  return b.byte(0).build();
}
export const sslRequest = () => new MessageBuilder().int32(SSL_REQUEST_CODE).build();
export const cancelRequest = (pid: number, key: number) => new MessageBuilder().int32(CANCEL_REQUEST_CODE).int32(pid).int32(key).build();
export const passwordMessage = (password: string) => new MessageBuilder().cstring(password).build('p');
export const saslInitialResponse = (mechanism: string, data: Uint8Array) => new MessageBuilder().cstring(mechanism).int32(data.length).bytes(data).build('p');
export const saslResponse = (data: Uint8Array) => new MessageBuilder().bytes(data).build('p');
export const query = (sql: string) => new MessageBuilder().cstring(sql).build('Q');
export function parse(name: string, sql: string, types: number[] = []): Buffer {
  const b = new MessageBuilder().cstring(name).cstring(sql).int16(types.length);
  for (const t of types) b.int32(t);
  return b.build('P');
}
export function bind(
  portal: string,
  statement: string,
  params: (Uint8Array | string | null)[] = [],
  paramFormats: number[] = [],
  resultFormats: number[] = [],
): Buffer {
  const b = new MessageBuilder().cstring(portal).cstring(statement).int16(paramFormats.length);
  for (const f of paramFormats) b.int16(f);
  b.int16(params.length);
  for (const p of params) {
    if (p === null) b.int32(-1);
    else {
      const v = text(p);
      b.int32(v.length).bytes(v);
    }
  }
  b.int16(resultFormats.length);
  for (const f of resultFormats) b.int16(f);
  return b.build('B');
}
export const describe = (kind: 'S' | 'P', name: string) => new MessageBuilder().byte(kind.charCodeAt(0)).cstring(name).build('D');
export const execute = (portal = '', maxRows = 0) => new MessageBuilder().cstring(portal).int32(maxRows).build('E');
export const close = (kind: 'S' | 'P', name: string) => new MessageBuilder().byte(kind.charCodeAt(0)).cstring(name).build('C');
export const sync = () => empty('S');
export const flush = () => empty('H');
export const terminate = () => empty('X');
export const copyFail = (message: string) => new MessageBuilder().cstring(message).build('f');
