/**
 * Builds one payload: little-endian integers, length-encoded integers and strings, NUL-terminated strings. The buffer
 * grows by doubling; `finish()` returns the bytes written (frame them with `framePacket`).
 */
export class PayloadWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialSize = 64) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.len;
  }

  private room(n: number): Buffer {
    const need = this.len + n;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    return this.buf;
  }

  int1(v: number): this {
    this.room(1)[this.len++] = v & 0xff;
    return this;
  }

  int2(v: number): this {
    this.room(2).writeUInt16LE(v & 0xffff, this.len);
    this.len += 2;
    return this;
  }

  int3(v: number): this {
    this.room(3).writeUIntLE(v & 0xffffff, this.len, 3);
    this.len += 3;
    return this;
  }

  int4(v: number): this {
    this.room(4).writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  int8(v: bigint | number): this {
    this.room(8).writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), this.len);
    this.len += 8;
    return this;
  }

  /** A length-encoded integer in its shortest form. */
  lenenc(v: number | bigint): this {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`length-encoded integer out of range: ${v}`);
      if (v < 0xfb) return this.int1(v);
      if (v <= 0xffff) return this.int1(0xfc).int2(v);
      if (v <= 0xffffff) return this.int1(0xfd).int3(v);
      return this.int1(0xfe).int8(v);
    }
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`length-encoded integer out of range: ${v}`);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? this.lenenc(Number(v)) : this.int1(0xfe).int8(v);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** A string as UTF-8 bytes, without length or terminator (the rest of a payload). */
  string(s: string | Uint8Array): this {
    return typeof s === 'string' ? this.bytes(Buffer.from(s, 'utf8')) : this.bytes(s);
  }

  lenencString(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    return this.lenenc(b.length).bytes(b);
  }

  /** A NUL-terminated string; a NUL inside it could not be read back, so it is refused. */
  nulString(s: string | Uint8Array): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    if (b.includes(0)) throw new RangeError('a NUL-terminated string cannot contain NUL');
    return this.bytes(b).int1(0);
  }

  zeros(n: number): this {
    this.room(n).fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** The size of `v` as a length-encoded integer. */
export function lenencSize(v: number): number {
  return v < 0xfb ? 1 : v <= 0xffff ? 3 : v <= 0xffffff ? 4 : 9;
}
