import { PgWireError } from './errors';

/** Bounds-checked reads within one message body. Never reads past `end`. */
export class BodyReader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    private readonly what: string,
  ) {
    this.offset = start;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) throw new PgWireError(`${this.what}: message is shorter than its contents`);
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  cstring(): string {
    const zero = this.buf.indexOf(0, this.offset);
    if (zero === -1 || zero >= this.end) throw new PgWireError(`${this.what}: unterminated string`);
    const s = this.buf.toString('utf8', this.offset, zero);
    this.offset = zero + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.offset, this.end);
    this.offset = this.end;
    return b;
  }

  /** a count that must fit in what is left, `unit` bytes at least per item */
  count(n: number, unit: number, field: string): number {
    if (n < 0 || n * unit > this.end - this.offset) throw new PgWireError(`${this.what}: ${field} count ${n} exceeds the message`);
    return n;
  }

  done(): void {
    if (this.offset !== this.end) throw new PgWireError(`${this.what}: ${this.end - this.offset} unexpected trailing bytes`);
  }
}

/**
 * Collects chunks until a whole message is present, then hands out views of it. Messages lying inside one chunk are
 * not copied; one spanning chunks is assembled once (no repeated concatenation).
 */
export class Framer {
  private parts: Buffer[] = [];
  private partLen = 0;
  private need = 0;

  /** Returns the buffer to parse from (the pending bytes plus this chunk), or null while a message is incomplete. */
  take(chunk: Uint8Array): Buffer | null {
    const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.partLen === 0) return c;
    this.parts.push(c);
    this.partLen += c.length;
    if (this.partLen < this.need) return null;
    const buf = Buffer.concat(this.parts, this.partLen);
    this.parts = [];
    this.partLen = 0;
    return buf;
  }

  /** bytes held for a message not yet complete */
  get pending(): number {
    return this.partLen;
  }

  /** Keep buf[from..] until at least `need` bytes are there. */
  keep(buf: Buffer, from: number, need: number): void {
    if (from >= buf.length) return;
    this.parts = [buf.subarray(from)];
    this.partLen = buf.length - from;
    this.need = need;
  }
}
