import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { STREAM_WINDOW } from './messages';
import type { TunnelStream } from './stream';
import { pair } from './tunnel-pair';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A TCP connection on loopback: `inner` is the side a stream relays, `outer` the client's. */
async function sockets(): Promise<{ inner: net.Socket; outer: net.Socket; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const outer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const inner = await accepted;
  inner.pause();
  return { inner, outer, close: () => server.close() };
}

/** A stream relayed to a socket at one end of a tunnel; `far` is the stream's other end. */
async function relayed(first: Buffer | null = null, tap: ((d: Buffer) => boolean) | null = null) {
  let far!: TunnelStream;
  const { a, wire } = pair({}, { onOpen: (o) => (far = o.accept()) });
  const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
  const s = await sockets();
  stream.relaySocket(s.inner, first, tap);
  return { stream, far, wire, ...s };
}

/** waits until `ready` holds (checked every 10 ms, for at most 10 s) */
async function until(what: string, ready: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((ok) => setTimeout(ok, 10));
  if (!ready()) throw new Error(`never happened: ${what}`);
}

/** waits until `value` stops moving (the same over 10 checks, 20 ms apart) */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  let same = 0;
  while (same < 10) {
    await new Promise((ok) => setTimeout(ok, 20));
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
  }
  return last;
}

const collect = (r: Readable) => {
  const got: Buffer[] = [];
  r.on('data', (d: Buffer) => got.push(d));
  return got;
};

describe('a stream relayed to a socket', () => {
  it('carries bytes both ways, what it was given first ahead of the socket’s, and ends and closes as the pipes did', async () => {
    const seen: string[] = [];
    const r = await relayed(Buffer.from('startup;'), (d) => {
      seen.push(d.toString());
      return seen.length < 2;
    });
    const atFar = collect(r.far);
    const atClient = collect(r.outer);
    r.outer.write('query;');
    r.far.write('answer 1;');
    r.far.write('answer 2;');
    r.far.write('answer 3;');
    const text = (b: Buffer[]) => Buffer.concat(b).toString();
    await until('the query at the far end', () => text(atFar).length >= 'startup;query;'.length);
    expect(text(atFar)).toBe('startup;query;');
    await until('the answers at the client', () => text(atClient).length >= 27);
    // the tap saw what the far end sent until it said it was done
    expect(seen.length).toBe(2);
    // the far end ends: the client's socket ends; the client ends: the far end ends, and the stream closes
    r.far.end();
    await new Promise((ok) => r.outer.once('end', ok));
    expect(Buffer.concat(atClient).toString()).toBe('answer 1;answer 2;answer 3;');
    const closed = new Promise((ok) => r.stream.once('close', ok));
    r.outer.end();
    await new Promise((ok) => r.far.once('end', ok));
    await closed;
    r.close();
  });

  it('holds a client that sends faster than the far end reads to the window, and loses nothing', async () => {
    const r = await relayed();
    r.far.pause();
    const payload = randomBytes(4 * 1024 * 1024);
    r.outer.write(payload);
    r.outer.end();
    // the far end reads nothing: about one window crosses the tunnel, and no more
    await until('a window sent', () => r.wire.aToB >= STREAM_WINDOW);
    expect(await settled(() => r.wire.aToB)).toBeLessThanOrEqual(STREAM_WINDOW + 64 * 1024);
    const got = collect(r.far);
    r.far.resume();
    await new Promise((ok) => r.far.once('end', ok));
    expect(sha(Buffer.concat(got))).toBe(sha(payload));
    r.close();
  });

  it('grants the far end credit only as the client takes what it sent, and loses nothing', async () => {
    const r = await relayed();
    r.outer.pause();
    const payload = randomBytes(16 * 1024 * 1024);
    let written = false;
    r.far.write(payload, () => (written = true));
    r.far.end();
    // the client reads nothing: the socket's buffers fill and then the far end stops
    expect(await settled(() => r.wire.bToA)).toBeLessThan(payload.length);
    expect(written).toBe(false);
    const got = collect(r.outer);
    r.outer.resume();
    await new Promise((ok) => r.outer.once('end', ok));
    expect(sha(Buffer.concat(got))).toBe(sha(payload));
    r.close();
  });

  it('drops what the far end sends once unrelayed, and closes both when the far end closes', async () => {
    const r = await relayed();
    const atClient = collect(r.outer);
    r.far.write('before;');
    await until('the first answer at the client', () => atClient.length > 0);
    r.stream.unrelaySocket();
    r.far.write('after;');
    const closed = new Promise((ok) => r.stream.once('close', ok));
    r.far.destroy();
    await closed;
    // anything written to the socket would arrive before its end
    const ended = new Promise((ok) => r.outer.once('end', ok));
    r.inner.end();
    await ended;
    expect(Buffer.concat(atClient).toString()).toBe('before;');
    r.close();
  });
});
