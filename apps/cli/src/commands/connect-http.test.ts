import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, FrameKind } from '@hoop/httpwire';
import type { TunnelStream } from '@hoop/protocol';
import { afterAll, expect, it } from 'vitest';
import { httpFront } from './connect-http';

const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers) c();
});

/**
 * The agent's end of the session: request 1 is answered with a body that never ends (64 KiB frames while the stream
 * takes them), every other with a line. `aborted`: the exchanges the local side broke off.
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
      stream.write(encodeHead(f.exchange, FrameKind.response, { status: 200, headers: { 'content-type': 'text/plain' } }));
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

it('a client that goes away while its answer waits for it holds up none of the session’s other requests', async () => {
  // the session's stream: a TCP connection, with the kernel's backpressure as a tunnel stream has its window
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
  const front = httpFront({
    openSession: async () => {
      sessions++;
      return local as unknown as TunnelStream;
    },
    say: () => undefined,
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  closers.push(() => front.close());
  const port = (front.address() as AddressInfo).port;

  // a client that reads nothing: its socket fills, and the session stops reading the agent's frames for it
  const slow = net.connect(port, '127.0.0.1');
  slow.write('GET /big HTTP/1.1\r\nHost: hoop\r\n\r\n');
  slow.pause();
  await until(() => local.isPaused());
  slow.destroy();
  await until(() => aborted.includes(1));

  const res = await fetch(`http://127.0.0.1:${port}/small`);
  expect(await res.text()).toBe('hello 2\n');
  expect(sessions).toBe(1);
});
