import type { Duplex } from 'node:stream';
import { SpdyGoAwayStatus, type SpdyHeaders, SpdyReader, SpdyRstStatus, SpdyWriter } from '@hoop/httpwire';

/** One stream the client opened: its headers, what it sends (null once it half-closes), and the way back. */
export interface KitStream {
  id: number;
  headers: SpdyHeaders;
  type: string;
  write(data: Buffer | string): void;
  /** FIN: nothing more from the server on this stream */
  end(): void;
  onData(fn: (data: Buffer | null) => void): void;
}

/**
 * The server's end of a SPDY/3.1 connection after `101 Switching Protocols`, as the kubelet's spdystream runs it:
 * each SYN_STREAM the client opens is answered at once with a SYN_REPLY and handed to `onStream`; DATA goes to the
 * stream's reader (null at FIN or RST_STREAM); PINGs are answered; a frame the codec cannot read ends the connection
 * with GOAWAY. No flow control, as spdystream has none. `send` writes bytes toward the client (a socket, or
 * WebSocket messages when SPDY is tunnelled).
 */
export class KitSpdyConn {
  private readonly reader = new SpdyReader({ maxData: 1024 * 1024 });
  private readonly writer = new SpdyWriter();
  private readonly streams = new Map<number, { buffered: (Buffer | null)[]; readers: ((d: Buffer | null) => void)[]; ended: boolean }>();
  private lastId = 0;
  private finished = false;
  closed = false;
  /** why the connection was closed, when the client broke it */
  error: string | null = null;

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly onStream: (s: KitStream) => void,
    private readonly onClose: () => void,
  ) {}

  static overSocket(socket: Duplex, head: Buffer, onStream: (s: KitStream) => void, onClose: () => void): KitSpdyConn {
    const conn = new KitSpdyConn(
      (b) => !socket.destroyed && socket.write(b),
      onStream,
      () => {
        socket.end();
        onClose();
      },
    );
    socket.on('data', (d: Buffer) => conn.push(d));
    socket.on('close', () => conn.gone());
    if (head.length) conn.push(head);
    return conn;
  }

  push(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.reader.push(chunk, (f) => {
        switch (f.type) {
          case 'syn_stream': {
            if (f.streamId % 2 === 0 || f.streamId <= this.lastId) return this.send(this.writer.rst(f.streamId, SpdyRstStatus.protocolError));
            this.lastId = f.streamId;
            const entry = { buffered: [] as (Buffer | null)[], readers: [] as ((d: Buffer | null) => void)[], ended: false };
            this.streams.set(f.streamId, entry);
            this.send(this.writer.synReply(f.streamId, new Map()));
            if (f.fin) entry.buffered.push(null);
            const id = f.streamId;
            this.onStream({
              id,
              headers: f.headers,
              type: f.headers.get('streamtype')?.[0] ?? '',
              write: (data) => {
                if (!entry.ended && !this.closed) for (const b of this.writer.data(id, Buffer.from(data))) this.send(b);
              },
              end: () => {
                if (entry.ended || this.closed) return;
                entry.ended = true;
                for (const b of this.writer.data(id, Buffer.alloc(0), true)) this.send(b);
              },
              onData: (fn) => {
                entry.readers.push(fn);
                for (const d of entry.buffered.splice(0)) fn(d);
              },
            });
            return;
          }
          case 'data':
          case 'rst_stream': {
            const s = this.streams.get(f.streamId);
            if (!s) return;
            const items = f.type === 'data' ? [...(f.data.length ? [f.data] : []), ...(f.fin ? [null] : [])] : [null];
            for (const d of items) {
              if (s.readers.length) for (const r of s.readers) r(d);
              else s.buffered.push(d);
            }
            return;
          }
          case 'ping':
            return this.send(this.writer.ping(f.id));
          case 'goaway':
            return this.close();
          default:
            return;
        }
      });
    } catch (err) {
      this.error = (err as Error).message;
      this.send(this.writer.goAway(this.lastId, SpdyGoAwayStatus.protocolError));
      this.closed = true;
      this.finish();
    }
  }

  /** GOAWAY and the end of the connection */
  close(): void {
    if (this.closed) return;
    this.send(this.writer.goAway(this.lastId));
    this.closed = true;
    this.finish();
  }

  /** the client's side went away */
  gone(): void {
    this.closed = true;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const s of this.streams.values()) for (const r of s.readers) r(null);
    this.streams.clear();
    this.onClose();
  }
}

/** The protocol the client offered first that the server speaks (`X-Stream-Protocol-Version`, repeated or joined). */
export function negotiate(offered: string | string[] | undefined, supported: string[]): string | null {
  const list = (Array.isArray(offered) ? offered : [offered ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return list.find((p) => supported.includes(p)) ?? null;
}
