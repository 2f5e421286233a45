import net, { type AddressInfo } from 'node:net';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, FrameKind, parseRequestHead, type RequestHead, type ResponseHead } from '@hoop/httpwire';
import type { TunnelStream } from '@hoop/protocol';
import { afterAll, expect, it } from 'vitest';
import { httpFront } from './connect-http';

const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers) c();
});

/**
 * The agent's end of the session: request 1 is answered with a body that never ends (64 KiB frames while the stream
 * takes them), every other with a line; an upgrade request with 101 (its body frames are then the connection's
 * bytes). `aborted`: the exchanges the local side broke off.
 */
function agent(stream: net.Socket) {
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
      const upgrade = (parseRequestHead(f.payload) as RequestHead).headers.upgrade;
      const head: ResponseHead = upgrade
        ? { status: 101, headers: { connection: 'Upgrade', upgrade } }
        : { status: 200, headers: { 'content-type': 'text/plain' } };
      stream.write(encodeHead(f.exchange, FrameKind.response, head));
      if (f.exchange === 1) return flood(f.exchange);
      for (const b of encodeBody(f.exchange, Buffer.from(`hello ${f.exchange}\n`))) stream.write(b);
      stream.write(encodeFrame(f.exchange, FrameKind.end));
    }),
  );
  return { aborted };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** hoop connect's local port on one session (a TCP connection: the kernel's backpressure, as a tunnel stream's window) */
async function front() {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const local = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const remote = await accepted;
  listener.close();
  closers.push(
    () => local.destroy(),
    () => remote.destroy(),
  );
  const { aborted } = agent(remote);
  let sessions = 0;
  const server = httpFront({
    openSession: async () => {
      sessions++;
      return local as unknown as TunnelStream;
    },
    say: () => undefined,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, local, aborted, sessions: () => sessions };
}

/** a client that sends `request` and reads nothing: its socket fills, the session stops reading for it, then it goes */
async function stalledThenGone(f: Awaited<ReturnType<typeof front>>, request: string): Promise<void> {
  const slow = net.connect(f.port, '127.0.0.1');
  slow.write(request);
  slow.pause();
  await until(() => f.local.isPaused());
  slow.destroy();
  await until(() => f.aborted.includes(1));
}

it('a client that goes away while its answer waits for it holds up none of the session’s other requests', async () => {
  const f = await front();
  await stalledThenGone(f, 'GET /big HTTP/1.1\r\nHost: hoop\r\n\r\n');
  const res = await fetch(`http://127.0.0.1:${f.port}/small`);
  expect(await res.text()).toBe('hello 2\n');
  expect(f.sessions()).toBe(1);
});

it('so does an upgraded connection (kubectl exec, cp) that goes away while its output waits for it', async () => {
  const f = await front();
  const UPGRADE = 'GET /x HTTP/1.1\r\nHost: hoop\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n';
  await stalledThenGone(f, UPGRADE);
  const next = net.connect(f.port, '127.0.0.1');
  next.write(UPGRADE);
  let text = '';
  next.on('data', (d: Buffer) => void (text += d.toString('latin1')));
  await new Promise((r) => next.once('end', r));
  expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\nhello 2\n$/);
  next.destroy();
  expect(f.sessions()).toBe(1);
});
