import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { type SpdyFrame, SpdyReader, SpdyWriter, spdyHeaders } from '@hoop/httpwire';

/**
 * A raw SPDY/3.1 client for tests: the upgrade (`Upgrade: SPDY/3.1` and the protocols offered), then streams opened
 * by hand, everything received kept per stream, and the writer at hand to send frames kubectl never would.
 */
export interface RawSpdyClient {
  status: number;
  /** the protocol the server chose (`X-Stream-Protocol-Version`) */
  protocol: string;
  /** the body of a refused upgrade */
  body: string;
  writer: SpdyWriter;
  /** what each stream received, as text; whether it ended (FIN or RST) */
  streams: Map<number, { type: string; text: string; ended: boolean; reset: number | null; replied: boolean }>;
  frames: SpdyFrame[];
  /** the frames could not be read (what the reader said) */
  error: string | null;
  closed: Promise<void>;
  open(id: number, headers: Record<string, string>, fin?: boolean): void;
  send(id: number, data: string | Buffer, fin?: boolean): void;
  raw(bytes: Buffer): void;
  /** resolves once `fn` holds (checked at each frame and at the close) */
  until(fn: () => boolean): Promise<void>;
  close(): void;
  /** stop reading the connection (the server's writes back up), and start again */
  pause(): void;
  resume(): void;
  /** DATA bytes received so far, on all streams */
  received: number;
}

export function rawSpdy(url: string, o: { protocols?: string[]; ca?: string; headers?: Record<string, string> } = {}): Promise<RawSpdyClient> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      method: 'POST',
      headers: {
        connection: 'Upgrade',
        upgrade: 'SPDY/3.1',
        'x-stream-protocol-version': o.protocols ?? ['v4.channel.k8s.io'],
        ...(o.headers ?? {}),
      },
      ...(o.ca ? { ca: o.ca } : {}),
    });
    req.on('upgrade', (res, socket: Duplex, head) =>
      resolve(client(res.statusCode ?? 0, String(res.headers['x-stream-protocol-version'] ?? ''), socket, head)),
    );
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => void (body += d.toString()));
      res.on('end', () => resolve({ ...client(res.statusCode ?? 0, '', null, Buffer.alloc(0)), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function client(status: number, protocol: string, socket: Duplex | null, head: Buffer): RawSpdyClient {
  const reader = new SpdyReader({ maxData: 16 * 1024 * 1024 - 1 });
  const writer = new SpdyWriter();
  const waiters: { fn: () => boolean; resolve(): void }[] = [];
  const check = () => {
    for (const w of waiters.filter((x) => x.fn())) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  let closed: () => void = () => undefined;
  const c: RawSpdyClient = {
    status,
    protocol,
    body: '',
    writer,
    streams: new Map(),
    frames: [],
    error: null,
    closed: new Promise<void>((r) => {
      closed = r;
    }),
    open(id, headers, fin = false) {
      c.streams.set(id, { type: headers.streamtype ?? '', text: '', ended: false, reset: null, replied: false });
      socket?.write(writer.synStream(id, spdyHeaders(headers), { fin }));
    },
    send(id, data, fin = false) {
      for (const f of writer.data(id, Buffer.from(data), fin)) socket?.write(f);
    },
    raw(bytes) {
      socket?.write(bytes);
    },
    until(fn) {
      if (fn() || !socket || socket.destroyed) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ fn, resolve }));
    },
    close() {
      socket?.end();
    },
    pause() {
      socket?.pause();
    },
    resume() {
      socket?.resume();
    },
    received: 0,
  };
  if (!socket) {
    closed();
    return c;
  }
  const onData = (d: Buffer) => {
    try {
      reader.push(d, (f) => {
        c.frames.push(f);
        const s = 'streamId' in f ? c.streams.get(f.streamId) : undefined;
        if (f.type === 'ping') socket.write(writer.ping(f.id));
        if (!s) return;
        if (f.type === 'syn_reply') s.replied = true;
        if (f.type === 'data') {
          c.received += f.data.length;
          if (s.text.length < 1024 * 1024) s.text += f.data.toString('utf8');
        }
        if ((f.type === 'data' || f.type === 'syn_reply') && f.fin) s.ended = true;
        if (f.type === 'rst_stream') {
          s.ended = true;
          s.reset = f.status;
        }
      });
    } catch (err) {
      c.error = (err as Error).message;
    }
    check();
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed();
    for (const w of waiters.splice(0)) w.resolve();
  });
  if (head.length) onData(head);
  return c;
}
