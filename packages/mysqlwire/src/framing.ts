import { MAX_PACKET_PAYLOAD } from './constants';
import { ER, MysqlWireError } from './errors';

/** One logical packet: its payload (joined when it spanned several 16 MB packets) and the first packet's sequence id. */
export type PacketHandler = (payload: Buffer, sequenceId: number) => void;
/** One logical packet as `buf[start, end)`, without a view made of it (the bytes are the caller's only during the call). */
export type PacketRangeHandler = (buf: Buffer, start: number, end: number, sequenceId: number) => void;

export interface PacketParserOptions {
  /** largest logical payload accepted (max_allowed_packet); a longer one fails with ER_NET_PACKET_TOO_LARGE (1153) */
  maxPayload?: number;
  /**
   * check each packet's sequence id against `sequenceId` (ER_NET_PACKETS_OUT_OF_ORDER, 1156 otherwise); the owner of
   * the conversation sets `sequenceId` when a new command starts
   */
  checkSequence?: boolean;
}

/**
 * Push parser of the packet framing: a 3-byte little-endian payload length and a 1-byte sequence id before each
 * payload. A payload of exactly 0xFFFFFF bytes continues in the next packet; the parts are joined into one logical
 * payload. Nothing is reserved for what a header claims before its bytes arrive; packets lying inside one chunk are
 * handed out as views of it. After an error the parser stays failed (every later push throws the same error).
 */
export class PacketParser {
  /** the sequence id expected on the next packet (advanced by every packet read, modulo 256) */
  sequenceId = 0;
  private readonly maxPayload: number;
  private readonly check: boolean;
  private parts: Buffer[] = [];
  private partLen = 0;
  private need = 4;
  /** parts of a logical payload split over several packets */
  private pieces: Buffer[] = [];
  private piecesLen = 0;
  private firstSeq = 0;
  private failed: MysqlWireError | null = null;
  private stopped = false;

  constructor(options: PacketParserOptions = {}) {
    this.maxPayload = options.maxPayload ?? 64 * 1024 * 1024;
    this.check = options.checkSequence ?? false;
  }

  /** bytes held for a packet not yet complete */
  get pending(): number {
    return this.partLen + this.piecesLen;
  }

  /**
   * Called from the packet handler: the rest of the chunk is not parsed but kept for `takeRest()` (a server that reads
   * an SSLRequest hands the bytes after it, the start of the TLS handshake, to TLS).
   */
  stop(): void {
    this.stopped = true;
  }

  /** The bytes received and not parsed, once `push()` returns after a `stop()`; the parser then starts afresh. */
  takeRest(): Buffer {
    const rest = this.partLen === 0 ? Buffer.alloc(0) : Buffer.concat(this.parts, this.partLen);
    this.parts = [];
    this.partLen = 0;
    this.need = 4;
    this.stopped = false;
    return rest;
  }

  push(chunk: Uint8Array, onPacket: PacketHandler): void {
    this.pushRange(chunk, (buf, start, end, seq) => onPacket(buf.subarray(start, end), seq));
  }

  /** As `push`, each packet handed out as a range of the bytes it lies in (a row relayed as it came costs no view). */
  pushRange(chunk: Uint8Array, onPacket: PacketRangeHandler): void {
    if (this.failed) throw this.failed;
    if (this.stopped) throw new Error('PacketParser.push() after stop() and before takeRest()');
    try {
      this.parse(chunk, onPacket);
    } catch (err) {
      if (err instanceof MysqlWireError) this.failed = err;
      throw err;
    }
  }

  private parse(chunk: Uint8Array, onPacket: PacketRangeHandler): void {
    let c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // a packet begun in an earlier chunk is completed from the head of this one (only its bytes are copied); the rest
    // of the chunk is read where it lies
    while (this.partLen > 0) {
      const take = this.need - this.partLen;
      if (c.length < take) {
        this.parts.push(c);
        this.partLen += c.length;
        return;
      }
      this.parts.push(c.subarray(0, take));
      const joined = Buffer.concat(this.parts, this.need);
      this.parts = [];
      this.partLen = 0;
      c = c.subarray(take);
      this.parseWhole(joined, onPacket);
      if (this.stopped) {
        if (c.length > 0) this.keep(c);
        return;
      }
    }
    this.parseWhole(c, onPacket);
  }

  /** the packets lying whole in `buf`, a packet begun at its end kept for the next chunk */
  private parseWhole(buf: Buffer, onPacket: PacketRangeHandler): void {
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16);
      const seq = buf[off + 3]!;
      if (this.piecesLen + len > this.maxPayload)
        throw new MysqlWireError(`packet of ${this.piecesLen + len} bytes is larger than the limit of ${this.maxPayload}`, ER.PACKET_TOO_LARGE);
      if (this.check && seq !== this.sequenceId)
        throw new MysqlWireError(`packet out of order: sequence id ${seq}, expected ${this.sequenceId}`, ER.PACKETS_OUT_OF_ORDER);
      if (buf.length - off - 4 < len) break;
      this.sequenceId = (seq + 1) & 0xff;
      const from = off + 4;
      off += 4 + len;
      if (len === MAX_PACKET_PAYLOAD) {
        if (this.piecesLen === 0) this.firstSeq = seq;
        this.pieces.push(buf.subarray(from, off));
        this.piecesLen += len;
        continue;
      }
      if (this.piecesLen > 0) {
        this.pieces.push(buf.subarray(from, off));
        const whole = Buffer.concat(this.pieces, this.piecesLen + len);
        const first = this.firstSeq;
        this.pieces = [];
        this.piecesLen = 0;
        onPacket(whole, 0, whole.length, first);
      } else onPacket(buf, from, off, seq);
      if (this.stopped) break;
    }
    if (off < buf.length) this.keep(buf.subarray(off));
  }

  /** bytes after the last whole packet: the start of the next one (or, after a stop, what `takeRest` returns) */
  private keep(rest: Buffer): void {
    this.parts.push(rest);
    this.partLen += rest.length;
    if (this.parts.length > 1) return;
    this.need = rest.length < 4 ? 4 : 4 + (rest[0]! | (rest[1]! << 8) | (rest[2]! << 16));
  }
}

/** How many packets a payload of `length` bytes takes (a multiple of 0xFFFFFF ends with an empty packet). */
export function packetCount(length: number): number {
  return Math.floor(length / MAX_PACKET_PAYLOAD) + 1;
}

/**
 * Frames a payload as packets starting at `sequenceId` (split at 0xFFFFFF bytes, each part with the next id). The
 * next packet of the conversation has id `(sequenceId + packetCount(payload.length)) & 0xff`.
 */
export function framePacket(payload: Uint8Array, sequenceId: number): Buffer {
  const n = packetCount(payload.length);
  const out = Buffer.allocUnsafe(payload.length + 4 * n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const from = i * MAX_PACKET_PAYLOAD;
    const len = Math.min(MAX_PACKET_PAYLOAD, payload.length - from);
    out[at] = len & 0xff;
    out[at + 1] = (len >> 8) & 0xff;
    out[at + 2] = (len >> 16) & 0xff;
    out[at + 3] = (sequenceId + i) & 0xff;
    out.set(payload.subarray(from, from + len), at + 4);
    at += 4 + len;
  }
  return out;
}
