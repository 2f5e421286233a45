import type { Duplex } from 'node:stream';
import { framePacket, MysqlWireError, type PacketParser, packetCount } from '@hoop/mysqlwire';

export interface Packet {
  payload: Buffer;
  sequenceId: number;
}

/**
 * The packets of one socket as a queue to await, for the login's back and forth. `detach()` stops reading (before
 * TLS takes the socket over, or when the session's relay takes the connection), keeping the parser and what it holds.
 */
export class PacketChannel {
  private queue: Packet[] = [];
  private waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private socket: Duplex | null = null;

  constructor(
    readonly parser: PacketParser,
    private readonly describeClose: () => string,
  ) {}

  attach(socket: Duplex): void {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  detach(): void {
    const s = this.socket;
    if (!s) return;
    s.removeListener('data', this.onData);
    s.removeListener('close', this.onClose);
    s.removeListener('error', this.onError);
    this.socket = null;
  }

  /** Sends a packet; the answer is expected with the sequence id after it. */
  write(payload: Uint8Array, sequenceId: number): void {
    this.parser.sequenceId = (sequenceId + packetCount(payload.length)) & 0xff;
    this.socket?.write(framePacket(payload, sequenceId));
  }

  /** The next packet; rejects once the socket closes, fails, or sends what the codec refuses. */
  next(): Promise<Packet> {
    const p = this.queue.shift();
    if (p) return Promise.resolve(p);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.parser.push(chunk, (payload, sequenceId) => {
        // a view of the chunk is enough: nothing writes into a socket's chunk after it is handed out
        const p = { payload, sequenceId };
        const w = this.waiter;
        if (w) {
          this.waiter = null;
          w.resolve(p);
        } else this.queue.push(p);
      });
    } catch (err) {
      this.fail(err instanceof MysqlWireError ? new Error(`the target sent a malformed packet: ${err.message}`) : (err as Error));
    }
  };

  private readonly onClose = (): void => this.fail(new Error(this.describeClose()));
  private readonly onError = (err: NodeJS.ErrnoException): void => this.fail(new Error(`target connection error: ${err.code ?? err.message}`));
}
