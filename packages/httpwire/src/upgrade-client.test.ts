import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeClient } from './client';
import { whenDrained } from './drain';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, FrameKind } from './exchange';
import { relayUpgrade } from './upgrade-client';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** two ends of a TCP connection, as the tunnel's stream is one with the kernel's backpressure */
async function tcpPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const other = await accepted;
  server.close();
  closers.push(() => {
    client.destroy();
    other.destroy();
  });
  return [client, other];
}

/**
 * An agent that upgrades every request: exchange 1 gets output without end (64 KiB frames while the stream takes
 * them), every later one a line and its end. `aborted` lists the exchanges the client broke off.
 */
function floodingAgent(stream: net.Socket) {
  const aborted: number[] = [];
  const parser = new ExchangeFrameParser();
  const chunk = Buffer.alloc(64 * 1024, 'y');
  const flood = (id: number) => {
    while (!aborted.includes(id) && !stream.destroyed) {
      let ok = true;
      for (const f of encodeBody(id, chunk)) ok = stream.write(f) && ok;
      if (!ok) return void stream.once('drain', () => flood(id));
    }
  };
  stream.on('data', (bytes: Buffer) =>
    parser.push(bytes, (f) => {
      if (f.kind === FrameKind.abort) aborted.push(f.exchange);
      if (f.kind !== FrameKind.request) return;
      stream.write(encodeHead(f.exchange, FrameKind.response, { status: 101, headers: { connection: 'Upgrade', upgrade: 'test' } }));
      if (f.exchange === 1) return flood(f.exchange);
      for (const b of encodeBody(f.exchange, Buffer.from(`hello ${f.exchange}\n`))) stream.write(b);
      stream.write(encodeFrame(f.exchange, FrameKind.end));
    }),
  );
  return { aborted };
}

const UPGRADE = 'GET /x HTTP/1.1\r\nHost: hoop\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n';

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('relayUpgrade', () => {
  it('a client that goes away while its output waits for it holds up none of the session’s other exchanges', async () => {
    const [cli, agent] = await tcpPair();
    const { aborted } = floodingAgent(agent);
    const client = new ExchangeClient(cli);
    const front = http.createServer();
    front.on('upgrade', (req, socket, head) => relayUpgrade(client, req, socket, head, () => undefined));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    closers.push(() => front.close());
    const port = (front.address() as AddressInfo).port;

    // a client that reads nothing: its socket fills, and the session stops reading the agent's frames for it
    const slow = net.connect(port, '127.0.0.1');
    slow.write(UPGRADE);
    slow.pause();
    await until(() => cli.isPaused());
    slow.destroy();
    await until(() => aborted.includes(1));

    const next = net.connect(port, '127.0.0.1');
    next.write(UPGRADE);
    let text = '';
    next.on('data', (d: Buffer) => void (text += d.toString('latin1')));
    await new Promise((r) => next.once('end', r));
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\nhello 2\n$/);
    next.destroy();
  });
});

describe('whenDrained', () => {
  /** a writable that takes one byte and then waits until `release` */
  function stalled() {
    let release: (() => void) | null = null;
    const w = new Writable({
      highWaterMark: 1,
      write(_c, _e, cb) {
        release = cb;
      },
    });
    return { w, release: () => release?.() };
  }

  it('calls back at the drain, once', async () => {
    const { w, release } = stalled();
    expect(w.write('ab')).toBe(false);
    let calls = 0;
    whenDrained(w, () => calls++);
    release();
    await until(() => calls > 0);
    w.destroy();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    expect(w.listenerCount('close')).toBe(0);
  });

  it('calls back when the stream closes without draining', async () => {
    const { w } = stalled();
    w.write('ab');
    let called = false;
    whenDrained(w, () => void (called = true));
    w.destroy();
    await until(() => called);
    expect(w.listenerCount('drain')).toBe(0);
  });

  it('calls back after the caller’s turn when there is nothing to wait for', async () => {
    const { w } = stalled();
    const order: string[] = [];
    whenDrained(w, () => order.push('resumed'));
    order.push('paused');
    await until(() => order.length === 2);
    expect(order).toEqual(['paused', 'resumed']);
    w.destroy();
    const after: string[] = [];
    whenDrained(w, () => after.push('closed'));
    await until(() => after.length === 1);
  });
});
