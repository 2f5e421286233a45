import { MysqlWireError } from './errors';

/**
 * Bounds-checked reads within one packet's payload `buf[start, end)`. Never reads past `end`; every length read from
 * the payload is checked against what is left before anything is sliced.
 */
export class PayloadReader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    private readonly what: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.offset = start;
  }

  get left(): number {
    return this.end - this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) throw new MysqlWireError(`${this.what}: packet is shorter than its contents`);
  }

  int1(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  peek(): number {
    this.need(1);
    return this.buf[this.offset]!;
  }

  int2(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  int3(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  int4(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  int8(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  /**
   * A length-encoded integer as a bigint (up to 2^64 - 1). 0xFB (NULL in a text row) and 0xFF are not integers and
   * are refused here; callers that accept NULL look at the byte first.
   */
  lenencBig(): bigint {
    const first = this.int1();
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfc) return BigInt(this.int2());
    if (first === 0xfd) return BigInt(this.int3());
    if (first === 0xfe) return this.int8();
    throw new MysqlWireError(`${this.what}: 0x${first.toString(16)} does not start a length-encoded integer`);
  }

  /** A length-encoded integer that must fit a JavaScript number (a count, a length, an id). */
  lenenc(): number {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) return this.int3();
    if (first === 0xfe) {
      const v = this.int8();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MysqlWireError(`${this.what}: length ${v} is out of range`);
      return Number(v);
    }
    throw new MysqlWireError(`${this.what}: 0x${first.toString(16)} does not start a length-encoded integer`);
  }

  /** A length-encoded string's bytes (a view, not a copy). */
  lenencBytes(): Buffer {
    return this.bytes(this.lenenc());
  }

  lenencString(): string {
    return this.lenencBytes().toString('utf8');
  }

  /** A NUL-terminated string; `orEnd`: the NUL may be missing at the end of the payload (some servers leave it out). */
  nulString(orEnd = false): string {
    const zero = this.buf.indexOf(0, this.offset);
    if (zero === -1 || zero >= this.end) {
      if (!orEnd) throw new MysqlWireError(`${this.what}: unterminated string`);
      return this.rest().toString('utf8');
    }
    const s = this.buf.toString('utf8', this.offset, zero);
    this.offset = zero + 1;
    return s;
  }

  nulBytes(): Buffer {
    const zero = this.buf.indexOf(0, this.offset);
    if (zero === -1 || zero >= this.end) throw new MysqlWireError(`${this.what}: unterminated string`);
    const b = this.buf.subarray(this.offset, zero);
    this.offset = zero + 1;
    return b;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.offset, this.end);
    this.offset = this.end;
    return b;
  }

  restString(): string {
    return this.rest().toString('utf8');
  }

  /** a count that must fit in what is left, `unit` bytes at least per item */
  count(n: number, unit: number, field: string): number {
    if (n < 0 || n * unit > this.left) throw new MysqlWireError(`${this.what}: ${field} count ${n} exceeds the packet`);
    return n;
  }

  done(): void {
    if (this.offset !== this.end) throw new MysqlWireError(`${this.what}: ${this.end - this.offset} unexpected trailing bytes`);
  }
}
