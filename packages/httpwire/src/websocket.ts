/**
 * WebSocket frames (RFC 6455 §5), read from bytes as they arrive and written back: what a relay needs to read an
 * upgraded connection's messages (Kubernetes' channel protocol) and to rewrite the ones it masks. No sockets here.
 *
 * A frame is `FIN|RSV1-3|opcode`, `MASK|length` (7 bits, or 126 + u16, or 127 + u64), a 4-byte masking key when the
 * MASK bit is set (client to server), then the payload (unmasked by the reader). Fragmented messages are put back
 * together by `WsMessageReader`, up to a limit.
 */

export const WsOpcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface WsFrame {
  fin: boolean;
  /** RSV1-3 as a 3-bit number: non-zero means an extension (permessage-deflate) changed the payload */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** the payload, unmasked */
  payload: Buffer;
  /** the frame's bytes as they came */
  raw: Buffer;
}

export class WsFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsFrameError';
  }
}

/** Push parser: bytes in, whole frames out. A frame over `maxPayload` bytes is an error, never held. */
export class WsFrameParser {
  private pending: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxPayload = 16 * 1024 * 1024) {}

  /** bytes held of a frame not yet complete */
  get held(): number {
    return this.size;
  }

  push(chunk: Buffer, onFrame: (f: WsFrame) => void): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    for (;;) {
      if (this.size < 2) return;
      const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [all];
      const b1 = all[1]!;
      const masked = (b1 & 0x80) !== 0;
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126) {
        if (all.length < 4) return;
        length = all.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (all.length < 10) return;
        const big = all.readBigUInt64BE(2);
        if (big > BigInt(this.maxPayload)) throw new WsFrameError(`a WebSocket frame of ${big} bytes is over the ${this.maxPayload} bytes read`);
        length = Number(big);
        at = 10;
      }
      if (length > this.maxPayload) throw new WsFrameError(`a WebSocket frame of ${length} bytes is over the ${this.maxPayload} bytes read`);
      const keyAt = at;
      if (masked) at += 4;
      if (all.length < at + length) return;
      const payload = Buffer.from(all.subarray(at, at + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= all[keyAt + (i & 3)]!;
      const raw = all.subarray(0, at + length);
      const rest = all.subarray(at + length);
      this.pending = rest.length ? [rest] : [];
      this.size = rest.length;
      const b0 = all[0]!;
      onFrame({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload, raw });
    }
  }
}

/** One frame's bytes; `mask` (4 bytes) for a client's frame, none for a server's. */
export function encodeWsFrame(opcode: number, payload: Uint8Array, o: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const head = 2 + ext + (o.mask ? 4 : 0);
  const out = Buffer.allocUnsafe(head + n);
  out[0] = ((o.fin ?? true) ? 0x80 : 0) | (opcode & 0x0f);
  out[1] = (o.mask ? 0x80 : 0) | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(n, 2);
  else if (ext === 8) out.writeBigUInt64BE(BigInt(n), 2);
  if (o.mask) {
    o.mask.copy(out, 2 + ext);
    for (let i = 0; i < n; i++) out[head + i] = payload[i]! ^ o.mask[i & 3]!;
  } else out.set(payload, head);
  return out;
}

export interface WsMessage {
  opcode: number;
  data: Buffer;
}

/**
 * Whole messages from frames: data frames joined from the first to the one with FIN, control frames (close, ping,
 * pong) given as they come (they may arrive between the fragments of a message). A message over `maxMessage` bytes,
 * a continuation with nothing to continue, or a frame an extension changed (RSV bits) is an error.
 */
export class WsMessageReader {
  private readonly parser: WsFrameParser;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private opcode: number | null = null;
  private frames: WsFrame[] = [];

  constructor(private readonly maxMessage = 16 * 1024 * 1024) {
    this.parser = new WsFrameParser(maxMessage);
  }

  push(chunk: Buffer, onMessage: (m: WsMessage, frames: WsFrame[]) => void): void {
    this.parser.push(chunk, (f) => {
      if (f.rsv !== 0) throw new WsFrameError('a WebSocket frame uses an extension (compression) hoop cannot read');
      if (f.opcode >= 8) return onMessage({ opcode: f.opcode, data: f.payload }, [f]);
      if (f.opcode === WsOpcode.continuation) {
        if (this.opcode === null) throw new WsFrameError('a WebSocket continuation frame without a message to continue');
      } else if (this.opcode !== null) throw new WsFrameError('a WebSocket message began before the last one ended');
      else this.opcode = f.opcode;
      this.parts.push(f.payload);
      this.partsBytes += f.payload.length;
      this.frames.push(f);
      if (this.partsBytes > this.maxMessage) throw new WsFrameError(`a WebSocket message is over ${this.maxMessage} bytes`);
      if (!f.fin) return;
      const m = { opcode: this.opcode, data: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts) };
      const whole = this.frames;
      this.parts = [];
      this.partsBytes = 0;
      this.opcode = null;
      this.frames = [];
      onMessage(m, whole);
    });
  }
}
