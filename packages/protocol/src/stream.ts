import { Duplex } from 'node:stream';
import { MAX_DATA_FRAME } from './messages';

/** What a stream needs from the tunnel that carries it. */
export interface StreamLink {
  sendData(stream: number, data: Uint8Array): void;
  /** sends a whole data frame received on another tunnel, re-addressed to `stream` (reused, not copied) */
  relayFrame(stream: number, frame: Buffer): void;
  sendCredit(stream: number, bytes: number): void;
  sendEnd(stream: number): void;
  sendClose(stream: number, reason?: string): void;
  forget(stream: number): void;
}

/** The socket `TunnelStream.relaySocket` relays (a net or TLS socket). */
export interface RelaySocket {
  write(data: Uint8Array): boolean;
  end(): void;
  pause(): void;
  resume(): void;
  readonly writableLength: number;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain' | 'end', listener: () => void): unknown;
}

interface SocketRelay {
  socket: RelaySocket | null;
  /** what the socket read beyond the peer's credit, in order; the socket is paused meanwhile */
  waiting: Buffer[];
  /** sees what arrives from the peer until it returns false */
  tap: ((data: Buffer) => boolean) | null;
  /** the socket ended: this stream's sending side ends once `waiting` is sent */
  ended: boolean;
  sentEnd: boolean;
}

/**
 * One multiplexed byte stream with credit-based flow control. Writes wait until the peer has granted credit, so a slow
 * reader at the far end stops the writer here instead of filling memory; credit is granted back only as the local
 * consumer reads, so backpressure travels end to end.
 */
export class TunnelStream extends Duplex {
  /** why the peer closed the stream, when it said */
  closeReason: string | undefined;
  private credit: number;
  private received = 0;
  private granted: number;
  private pending: { chunk: Buffer; offset: number; cb: (err?: Error | null) => void } | null = null;
  private remoteClosed = false;
  private remoteEnded = false;
  /** set when spliced: frames go straight to this stream's link, with no buffering here */
  private peer: TunnelStream | null = null;
  /** set when relaying a socket: data goes straight between it and the link, with no stream machinery here */
  private relay: SocketRelay | null = null;

  constructor(
    readonly id: number,
    private readonly link: StreamLink,
    /** bytes the peer lets us send before it grants more */
    sendWindow: number,
    /** bytes we let the peer send before we grant more */
    private readonly recvWindow: number,
  ) {
    super({ readableHighWaterMark: recvWindow, writableHighWaterMark: 64 * 1024, allowHalfOpen: true });
    this.credit = sendWindow;
    this.granted = recvWindow;
  }

  /**
   * Relays this stream and `other` (usually on another tunnel) to each other frame by frame: data, credit, end and
   * close pass straight through, so a relay in the middle neither buffers nor copies through stream machinery.
   * Both must be fresh (nothing read or written yet) and have the same window, so forwarded credit stays exact.
   */
  splice(other: TunnelStream): void {
    this.peer = other;
    other.peer = this;
    // whatever arrived before the splice (a server that speaks first, like SSH) goes on now
    this.forwardBuffered();
    other.forwardBuffered();
  }

  private forwardBuffered(): void {
    const peer = this.peer;
    if (!peer) return;
    let chunk: Buffer | null;
    while ((chunk = this.read() as Buffer | null) !== null) peer.link.sendData(peer.id, chunk);
    if (this.remoteEnded) peer.link.sendEnd(peer.id);
  }

  /**
   * Relays this stream and `socket` to each other without stream machinery (the gateway's Postgres listener): what the
   * peer sends goes straight to `socket.write`, what the socket reads straight into data frames. Credit is granted
   * back as the socket takes what it was given (its unwritten buffer counts as unread), in quarter-window steps as for
   * a reader, and the socket is paused while the peer's credit is used up. `first` goes before anything the socket
   * reads; `tap` sees what the peer sends until it returns false. The socket's end ends this stream's sending side, the
   * peer's end ends the socket, and with both ended the stream closes; closing either is the caller's to pass on.
   */
  relaySocket(socket: RelaySocket, first: Buffer | null, tap: ((data: Buffer) => boolean) | null = null): void {
    const r: SocketRelay = { socket, waiting: [], tap, ended: false, sentEnd: false };
    this.relay = r;
    if (first) this.fromSocket(r, first);
    socket.on('data', (chunk) => this.fromSocket(r, chunk));
    socket.on('drain', () => this.grantRelayed(r));
    socket.on('end', () => {
      r.ended = true;
      this.endRelayed(r);
    });
    socket.resume();
  }

  /** Stops relaying to the socket (what the peer sends from now on is dropped); the caller closes both. */
  unrelaySocket(): void {
    if (this.relay) this.relay.socket = null;
  }

  private fromSocket(r: SocketRelay, chunk: Buffer): void {
    if (this.destroyed || r.socket === null) return;
    if (r.waiting.length > 0) {
      r.waiting.push(chunk);
      return;
    }
    const rest = this.sendRelayed(chunk);
    if (rest) {
      r.waiting.push(rest);
      r.socket.pause();
    }
  }

  /** sends what the credit allows of `chunk`; the rest, if any */
  private sendRelayed(chunk: Buffer): Buffer | null {
    let offset = 0;
    while (offset < chunk.length && this.credit > 0) {
      const n = Math.min(chunk.length - offset, MAX_DATA_FRAME, this.credit);
      this.link.sendData(this.id, chunk.subarray(offset, offset + n));
      offset += n;
      this.credit -= n;
    }
    return offset < chunk.length ? chunk.subarray(offset) : null;
  }

  private flushRelayed(r: SocketRelay): void {
    while (r.waiting.length > 0 && this.credit > 0) {
      const rest = this.sendRelayed(r.waiting[0]!);
      if (rest) r.waiting[0] = rest;
      else r.waiting.shift();
    }
    if (r.waiting.length > 0 || !r.socket) return;
    r.socket.resume();
    this.endRelayed(r);
  }

  private endRelayed(r: SocketRelay): void {
    if (!r.ended || r.sentEnd || r.waiting.length > 0 || this.destroyed) return;
    r.sentEnd = true;
    this.link.sendEnd(this.id);
    if (this.remoteEnded) this.destroy();
  }

  /** credit for what the socket has taken; whatever is free once the peer has used all of its credit */
  private grantRelayed(r: SocketRelay): void {
    if (this.destroyed || !r.socket) return;
    const consumed = this.received - r.socket.writableLength;
    const bytes = consumed + this.recvWindow - this.granted;
    const minimum = this.received >= this.granted ? 1 : this.recvWindow / 4;
    if (bytes <= 0 || bytes < minimum) return;
    this.granted += bytes;
    this.link.sendCredit(this.id, bytes);
  }

  /** data from the peer; `frame` is the data frame it came in, which a spliced stream passes on whole */
  receive(data: Buffer, frame?: Buffer): void {
    if (this.peer) {
      if (frame) this.peer.link.relayFrame(this.peer.id, frame);
      else this.peer.link.sendData(this.peer.id, data);
      return;
    }
    if (this.destroyed || this.readableEnded) return;
    this.received += data.length;
    if (this.received > this.granted) {
      this.destroy(new Error(`stream ${this.id}: peer sent more than its credit`));
      return;
    }
    const r = this.relay;
    if (r) {
      if (r.tap && !r.tap(data)) r.tap = null;
      if (!r.socket) return;
      r.socket.write(data);
      this.grantRelayed(r);
      return;
    }
    this.push(data);
    this.grant();
  }

  addCredit(bytes: number): void {
    if (this.peer) {
      this.peer.link.sendCredit(this.peer.id, bytes);
      return;
    }
    this.credit += bytes;
    if (this.relay) this.flushRelayed(this.relay);
    this.flushPending();
  }

  remoteEnd(): void {
    this.remoteEnded = true;
    if (this.peer) {
      this.peer.link.sendEnd(this.peer.id);
      return;
    }
    const r = this.relay;
    if (r) {
      r.socket?.end();
      if (r.sentEnd) this.destroy();
      return;
    }
    if (!this.readableEnded) this.push(null);
  }

  remoteClose(reason?: string): void {
    this.remoteClosed = true;
    if (reason) this.closeReason = reason;
    const peer = this.peer;
    if (peer) {
      this.peer = null;
      peer.peer = null;
      peer.destroy(reason ? new StreamClosedError(reason) : undefined);
    }
    if (!this.readableEnded) this.push(null);
    this.destroy(reason ? new StreamClosedError(reason) : undefined);
  }

  /** Lets the peer send a window beyond what the local consumer has actually taken (not merely buffered). */
  private grant(minimum = this.recvWindow / 4): void {
    // a spliced stream forwards the far end's credit instead of granting its own
    if (this.destroyed || this.peer) return;
    const consumed = this.received - this.readableLength;
    const bytes = consumed + this.recvWindow - this.granted;
    if (bytes <= 0 || bytes < minimum) return;
    this.granted += bytes;
    this.link.sendCredit(this.id, bytes);
  }

  /**
   * Every read from the buffer is counted here, once the chunk has left it (a chunk handed to a 'data' listener
   * without being buffered is counted in `receive`). Credit goes back in steps of a quarter window, not one message
   * per frame read: until a step is due the peer's remaining credit keeps it sending, and once it has none left
   * `_read` grants whatever is free.
   */
  override read(size?: number): Buffer | null {
    const chunk = super.read(size) as Buffer | null;
    if (chunk !== null) this.grant();
    return chunk;
  }

  override _read(): void {
    // The consumer wants more than is buffered. Credit otherwise follows what is read (above), in steps; but when the
    // peer has used all of its credit it can send nothing more until granted, so whatever is free goes now, however
    // little (a consumer may wait for more than the buffer holds: read(n) of a large n). Counted once read() returned.
    process.nextTick(() => {
      if (this.received >= this.granted) this.grant(1);
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending = { chunk, offset: 0, cb };
    this.flushPending();
  }

  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    while (p.offset < p.chunk.length && this.credit > 0) {
      const n = Math.min(p.chunk.length - p.offset, MAX_DATA_FRAME, this.credit);
      this.link.sendData(this.id, p.chunk.subarray(p.offset, p.offset + n));
      p.offset += n;
      this.credit -= n;
    }
    if (p.offset >= p.chunk.length) {
      this.pending = null;
      p.cb();
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.remoteClosed) this.link.sendEnd(this.id);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.remoteClosed) this.link.sendClose(this.id, err && !(err instanceof StreamClosedError) ? err.message : undefined);
    this.link.forget(this.id);
    const p = this.pending;
    this.pending = null;
    p?.cb(err ?? new Error('stream closed'));
    cb(err instanceof StreamClosedError ? null : err);
  }
}

/** The peer closed the stream on purpose (the reason is informational, not a local failure). */
export class StreamClosedError extends Error {}
