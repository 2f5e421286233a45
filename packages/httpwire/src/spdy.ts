import { decodeHeaderBlock, encodeHeaderBlock, HeaderDeflater, HeaderInflater, SpdyHeaderError, type SpdyHeaders } from './spdy-headers';

export { SPDY_DICTIONARY, type SpdyHeaders } from './spdy-headers';

/**
 * SPDY/3.1 framing (what kubectl's exec, attach and port-forward speak after `Upgrade: SPDY/3.1`, through Go's
 * spdystream): a push reader and a writer, no sockets. A frame is an 8-byte head — a control bit, then either a
 * version and type (control) or a stream id (data), then 8 bits of flags and a 24-bit length — and its payload.
 * Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are compressed, each direction one zlib context (spdy-headers.ts), so
 * one reader and one writer serve each direction of a connection, and every block is read in order.
 */

export const SpdyType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const SpdyFlag = { fin: 0x01, unidirectional: 0x02 } as const;
export const SpdyRstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;
export const SpdyGoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedTo: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: { id: number; flags: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'window_update'; streamId: number; delta: number };

/** A frame hoop cannot read: the connection cannot go on (its header contexts or framing are lost). */
export class SpdyError extends Error {}

export interface SpdyLimits {
  /** the largest DATA payload read (SPDY allows 16 MiB - 1) */
  maxData?: number;
  /** the largest control frame (a compressed header block, SETTINGS) */
  maxControl?: number;
  /** the most a header block may decompress to */
  maxHeaderBlock?: number;
}

const MAX_ID = 0x7fffffff;

/**
 * Frames from one direction of a connection. Each length is checked against its maximum before anything is held for
 * it; a frame is given once whole. A control frame of another version, a malformed one of a known type, a header block
 * that does not decompress (or to over `maxHeaderBlock` bytes) is an SpdyError; control frames of unknown types are
 * skipped, as SPDY/3 says. After an error the reader reads nothing more.
 */
export class SpdyReader {
  /** what came and is not read yet: joined only once a whole frame is there */
  private parts: Buffer[] = [];
  private size = 0;
  private broken: string | null = null;
  private readonly inflater: HeaderInflater;
  private readonly maxData: number;
  private readonly maxControl: number;

  constructor(limits: SpdyLimits = {}) {
    this.maxData = limits.maxData ?? 1024 * 1024;
    this.maxControl = limits.maxControl ?? 64 * 1024;
    this.inflater = new HeaderInflater(limits.maxHeaderBlock ?? 64 * 1024);
  }

  push(chunk: Buffer, onFrame: (f: SpdyFrame) => void): void {
    if (this.broken) throw new SpdyError(this.broken);
    if (chunk.length) {
      this.parts.push(chunk);
      this.size += chunk.length;
    }
    try {
      while (this.size >= 8) {
        if (this.parts[0]!.length < 8) this.parts = [Buffer.concat(this.parts)];
        const first = this.parts[0]!;
        const control = (first[0]! & 0x80) !== 0;
        const flags = first[4]!;
        const length = first.readUIntBE(5, 3);
        const max = control ? this.maxControl : this.maxData;
        if (length > max) throw new SpdyError(`a SPDY ${control ? 'control' : 'DATA'} frame of ${length} bytes (at most ${max} are read)`);
        if (this.size < 8 + length) return;
        const frame = this.take(8 + length);
        const head = frame.subarray(0, 8);
        const payload = frame.subarray(8);
        if (!control) {
          const streamId = head.readUInt32BE(0) & MAX_ID;
          if (streamId === 0) throw new SpdyError('a SPDY DATA frame on stream 0');
          onFrame({ type: 'data', streamId, fin: (flags & SpdyFlag.fin) !== 0, data: Buffer.from(payload) });
          continue;
        }
        const version = head.readUInt16BE(0) & 0x7fff;
        if (version !== 3) throw new SpdyError(`a SPDY/${version} control frame (hoop reads SPDY/3.1)`);
        const f = this.control(head.readUInt16BE(2), flags, payload);
        if (f) onFrame(f);
      }
    } catch (err) {
      this.broken = err instanceof SpdyError || err instanceof SpdyHeaderError ? err.message : `hoop failed reading SPDY: ${(err as Error).message}`;
      this.parts = [];
      this.size = 0;
      throw new SpdyError(this.broken);
    }
  }

  /** the next `n` bytes (n ≤ size), out of the parts held */
  private take(n: number): Buffer {
    const first = this.parts[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.parts.shift();
      else this.parts[0] = first.subarray(n);
    } else {
      const used: Buffer[] = [];
      let got = 0;
      while (got < n) {
        const p = this.parts[0]!;
        const part = p.length <= n - got ? p : p.subarray(0, n - got);
        if (part === p) this.parts.shift();
        else this.parts[0] = p.subarray(part.length);
        used.push(part);
        got += part.length;
      }
      out = Buffer.concat(used, n);
    }
    this.size -= n;
    return out;
  }

  private control(type: number, flags: number, p: Buffer): SpdyFrame | null {
    const fin = (flags & SpdyFlag.fin) !== 0;
    const need = (what: string, ok: boolean) => {
      if (!ok) throw new SpdyError(`a malformed SPDY ${what} frame`);
    };
    const streamId = (at = 0) => {
      const id = p.readUInt32BE(at) & MAX_ID;
      need('stream', id !== 0);
      return id;
    };
    switch (type) {
      case SpdyType.synStream: {
        need('SYN_STREAM', p.length >= 10);
        const id = streamId();
        const headers = this.headerBlock(p.subarray(10));
        return {
          type: 'syn_stream',
          streamId: id,
          associatedTo: p.readUInt32BE(4) & MAX_ID,
          priority: p[8]! >> 5,
          fin,
          unidirectional: (flags & SpdyFlag.unidirectional) !== 0,
          headers,
        };
      }
      case SpdyType.synReply:
      case SpdyType.headers: {
        need(type === SpdyType.synReply ? 'SYN_REPLY' : 'HEADERS', p.length >= 4);
        const id = streamId();
        return { type: type === SpdyType.synReply ? 'syn_reply' : 'headers', streamId: id, fin, headers: this.headerBlock(p.subarray(4)) };
      }
      case SpdyType.rstStream:
        need('RST_STREAM', p.length === 8 && p.readUInt32BE(4) !== 0);
        return { type: 'rst_stream', streamId: streamId(), status: p.readUInt32BE(4) };
      case SpdyType.settings: {
        need('SETTINGS', p.length >= 4 && p.length === 4 + 8 * p.readUInt32BE(0));
        const entries: { id: number; flags: number; value: number }[] = [];
        for (let at = 4; at < p.length; at += 8) entries.push({ flags: p[at]!, id: p.readUIntBE(at + 1, 3), value: p.readUInt32BE(at + 4) });
        return { type: 'settings', clear: (flags & 1) !== 0, entries };
      }
      case SpdyType.ping:
        need('PING', p.length === 4);
        return { type: 'ping', id: p.readUInt32BE(0) };
      case SpdyType.goAway:
        need('GOAWAY', p.length === 8);
        return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & MAX_ID, status: p.readUInt32BE(4) };
      case SpdyType.windowUpdate: {
        need('WINDOW_UPDATE', p.length === 8);
        const delta = p.readUInt32BE(4) & MAX_ID;
        need('WINDOW_UPDATE', delta !== 0);
        return { type: 'window_update', streamId: p.readUInt32BE(0) & MAX_ID, delta };
      }
      default:
        return null;
    }
  }

  private headerBlock(compressed: Buffer): SpdyHeaders {
    return decodeHeaderBlock(this.inflater.inflate(compressed));
  }
}

/** Frames for one direction of a connection (its header blocks share one compression context: one writer per direction). */
export class SpdyWriter {
  private readonly deflater = new HeaderDeflater();

  synStream(streamId: number, headers: SpdyHeaders, o: { fin?: boolean; unidirectional?: boolean; priority?: number; associatedTo?: number } = {}): Buffer {
    const p = Buffer.alloc(10);
    p.writeUInt32BE(streamId & MAX_ID, 0);
    p.writeUInt32BE((o.associatedTo ?? 0) & MAX_ID, 4);
    p[8] = ((o.priority ?? 0) & 7) << 5;
    const flags = (o.fin ? SpdyFlag.fin : 0) | (o.unidirectional ? SpdyFlag.unidirectional : 0);
    return control(SpdyType.synStream, flags, Buffer.concat([p, this.block(headers)]));
  }

  synReply(streamId: number, headers: SpdyHeaders, fin = false): Buffer {
    return control(SpdyType.synReply, fin ? SpdyFlag.fin : 0, Buffer.concat([u32(streamId & MAX_ID), this.block(headers)]));
  }

  headers(streamId: number, headers: SpdyHeaders, fin = false): Buffer {
    return control(SpdyType.headers, fin ? SpdyFlag.fin : 0, Buffer.concat([u32(streamId & MAX_ID), this.block(headers)]));
  }

  rst(streamId: number, status: number): Buffer {
    return control(SpdyType.rstStream, 0, Buffer.concat([u32(streamId & MAX_ID), u32(status)]));
  }

  settings(entries: { id: number; flags?: number; value: number }[]): Buffer {
    const p = Buffer.alloc(4 + 8 * entries.length);
    p.writeUInt32BE(entries.length, 0);
    entries.forEach((e, i) => {
      p[4 + 8 * i] = e.flags ?? 0;
      p.writeUIntBE(e.id, 5 + 8 * i, 3);
      p.writeUInt32BE(e.value, 8 + 8 * i);
    });
    return control(SpdyType.settings, 0, p);
  }

  ping(id: number): Buffer {
    return control(SpdyType.ping, 0, u32(id));
  }

  goAway(lastGoodStreamId: number, status: number = SpdyGoAwayStatus.ok): Buffer {
    return control(SpdyType.goAway, 0, Buffer.concat([u32(lastGoodStreamId & MAX_ID), u32(status)]));
  }

  windowUpdate(streamId: number, delta: number): Buffer {
    return control(SpdyType.windowUpdate, 0, Buffer.concat([u32(streamId & MAX_ID), u32(delta & MAX_ID)]));
  }

  /** DATA frames: a payload over `max` bytes goes in several; FIN on the last */
  data(streamId: number, data: Uint8Array, fin = false, max = 32 * 1024): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    do {
      const part = data.subarray(at, Math.min(data.length, at + max));
      at += part.length;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(streamId & MAX_ID, 0);
      head.writeUIntBE(part.length, 5, 3);
      if (fin && at >= data.length) head[4] = SpdyFlag.fin;
      out.push(Buffer.concat([head, part]));
    } while (at < data.length);
    return out;
  }

  private block(headers: SpdyHeaders): Buffer {
    return this.deflater.deflate(encodeHeaderBlock(headers));
  }
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > 0xffffff) throw new SpdyError('a SPDY control frame over 16 MiB');
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Headers from plain pairs (names put in lower case; an array value is several values). */
export function spdyHeaders(h: Record<string, string | string[]>): SpdyHeaders {
  const out: SpdyHeaders = new Map();
  for (const [k, v] of Object.entries(h)) out.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  return out;
}

/** The one value of a header, or null when it is absent or has several. */
export function spdyHeader(h: SpdyHeaders, name: string): string | null {
  const v = h.get(name);
  return v && v.length === 1 ? v[0]! : null;
}
