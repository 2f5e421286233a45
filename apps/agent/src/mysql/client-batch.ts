import type { Duplex } from 'node:stream';
import { copyRange, framePacket, MAX_PACKET_PAYLOAD } from '@hoop/mysqlwire';
import type { RowMasker } from './masking';

/**
 * While a result streams in, what the client gets is sent once this much has gathered (not one write per read from the
 * target, which hands over 8–64 KB at a time): two tunnel frames of at most 64 KB (MAX_DATA_FRAME), which the tunnel
 * writes to its socket together, so the gateway and `hoop connect` are woken once for both (with one frame a batch, each
 * process along the way made about twice the system calls and context switches per row) …
 */
export const BATCH_BYTES = 120 * 1024;
/** … or this long after the first unsent byte; the end of every answer is sent at once. */
const BATCH_MS = 1;
/** the buffers packets are written into (a batch of BATCH_BYTES and the packet that passed it fit) */
const ROOM = 128 * 1024;
/** buffers kept for use again */
const SPARES = 4;

/** A buffer packets are written into, and how many of its parts the client's stream has not taken yet. */
interface Slab {
  buf: Buffer;
  writing: number;
}

/**
 * What goes to the client, in protocol order: packets are written with their headers straight into one buffer (a
 * masked row where masking writes it, a row relayed as it came copied once), and a buffer's unsent part goes out as
 * one write. A buffer is used until full: a part once written is never touched again until the stream has taken it
 * (copied it into a tunnel frame); then the buffer is used again, for the next one (a new buffer per batch was
 * garbage that V8 collects only when its external memory has grown by tens of megabytes). When the client cannot take
 * more (its tunnel stream has no credit), the target is paused until it can, so a fast target cannot fill memory.
 */
export class ClientBatch {
  private slab: Slab = { buf: Buffer.allocUnsafe(ROOM), writing: 0 };
  /** full buffers the stream has taken every part of, used next (a few: a slow stream holds parts of several) */
  private readonly spares: Slab[] = [];
  private buf = this.slab.buf;
  /** where the unsent part starts, and where the next byte goes */
  private from = 0;
  private at = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiting = false;

  constructor(
    private readonly client: Duplex,
    private readonly target: Duplex,
  ) {}

  /** bytes gathered and not sent yet */
  get unsent(): number {
    return this.at - this.from;
  }

  /** a packet with payload `payload[start, end)` */
  packet(payload: Buffer, start: number, end: number, seq: number): void {
    const len = end - start;
    if (len >= MAX_PACKET_PAYLOAD) return this.bytes(framePacket(payload.subarray(start, end), seq));
    this.room(4 + len);
    this.header(len, seq);
    this.at += copyRange(payload, start, end, this.buf, this.at);
  }

  /** a row `masker` changed, of `size` bytes (what its `mask` said) */
  maskedRow(masker: RowMasker, size: number, seq: number): void {
    if (size >= MAX_PACKET_PAYLOAD) {
      const row = Buffer.allocUnsafe(size);
      masker.writeInto(row, 0);
      return this.bytes(framePacket(row, seq));
    }
    this.room(4 + size);
    this.header(size, seq);
    this.at = masker.writeInto(this.buf, this.at);
  }

  /** bytes already framed */
  bytes(b: Buffer): void {
    if (b.length > ROOM / 2) {
      this.flush();
      return this.send(b);
    }
    this.room(b.length);
    this.at += b.copy(this.buf, this.at);
  }

  /** sends what gathered: now when it is a batch's worth or `now`, else within BATCH_MS */
  flushIfDue(now: boolean): void {
    if (now || this.unsent >= BATCH_BYTES) this.flush();
    else if (this.unsent > 0) this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.at === this.from) return;
    const part = this.buf.subarray(this.from, this.at);
    this.from = this.at;
    this.send(part, this.slab);
  }

  private send(b: Buffer, slab?: Slab): void {
    if (this.client.destroyed) return;
    if (slab) slab.writing++;
    const taken = slab ? () => this.taken(slab) : undefined;
    if (this.client.write(b, taken) || this.waiting) return;
    this.waiting = true;
    this.target.pause();
    this.client.once('drain', () => {
      this.waiting = false;
      this.target.resume();
    });
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    this.flush();
    const full = this.slab;
    // a packet larger than a buffer gets one of its own, used once
    this.slab = n > ROOM ? { buf: Buffer.allocUnsafe(n), writing: 0 } : (this.spares.pop() ?? { buf: Buffer.allocUnsafe(ROOM), writing: 0 });
    if (full.writing === 0) this.keep(full);
    this.buf = this.slab.buf;
    this.from = 0;
    this.at = 0;
  }

  /** the stream took a part of `slab`: a full one it took every part of is used again */
  private taken(slab: Slab): void {
    if (--slab.writing === 0 && slab !== this.slab) this.keep(slab);
  }

  private keep(slab: Slab): void {
    if (slab.buf.length === ROOM && this.spares.length < SPARES) this.spares.push(slab);
  }

  private header(len: number, seq: number): void {
    const b = this.buf;
    const at = this.at;
    b[at] = len & 0xff;
    b[at + 1] = (len >> 8) & 0xff;
    b[at + 2] = len >> 16;
    b[at + 3] = seq;
    this.at = at + 4;
  }
}
