import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope, STREAM_WINDOW } from './messages';
import { pair } from './tunnel-pair';
import { OpenError } from './tunnel';

describe('tunnel', () => {
  it('carries bytes both ways on many streams and keeps them apart', async () => {
    const { a } = pair(
      {},
      {
        onOpen: (o) => {
          const s = o.accept();
          s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from(`${o.request.connection}:`), d])));
          s.on('end', () => s.end());
        },
      },
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const { stream } = await a.openStream({ connection: `c${i}`, mode: 'connect' });
        const chunks: Buffer[] = [];
        stream.on('data', (d: Buffer) => chunks.push(d));
        stream.end(`hello ${i}`);
        await new Promise((r) => stream.on('end', r));
        return Buffer.concat(chunks).toString();
      }),
    );
    results.forEach((r, i) => expect(r).toBe(`c${i}:hello ${i}`));
  });

  it('stops the writer when the reader does not read (credit), and loses nothing', async () => {
    let server!: import('./stream').TunnelStream;
    const { a, wire } = pair({}, { onOpen: (o) => (server = o.accept()) });
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    server.pause();
    const payload = randomBytes(4 * 1024 * 1024);
    let writeDone = false;
    stream.write(payload, () => (writeDone = true));
    await new Promise((r) => setTimeout(r, 200));
    // only about one window is on the wire while nobody reads
    expect(wire.aToB).toBeLessThanOrEqual(STREAM_WINDOW + 64 * 1024);
    expect(writeDone).toBe(false);
    const got: Buffer[] = [];
    server.on('data', (d: Buffer) => got.push(d));
    server.resume();
    stream.end();
    await new Promise((r) => server.on('end', r));
    expect(createHash('sha256').update(Buffer.concat(got)).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('never stalls when piped into a slow destination', async () => {
    const { Writable } = await import('node:stream');
    let server!: import('./stream').TunnelStream;
    const { a } = pair({}, { onOpen: (o) => (server = o.accept()) });
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    const payload = randomBytes(8 * STREAM_WINDOW + 12345);
    const got: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 4096,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        setTimeout(cb, chunk.length > 30_000 ? 1 : 0);
      },
    });
    for (let i = 0; i < payload.length; i += 20_000) stream.write(payload.subarray(i, i + 20_000));
    stream.end();
    await new Promise((r) => server.pipe(slow).on('finish', r));
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  }, 20_000);

  it('grants credit in steps of a quarter window, not a message per frame read', async () => {
    const { a, wire } = pair(
      {},
      {
        onOpen: (o) => {
          const s = o.accept();
          s.on('data', (d: Buffer) => s.write(d));
        },
      },
    );
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    const before = wire.texts.length;
    const query = Buffer.alloc(100, 1);
    for (let i = 0; i < 2000; i++) {
      stream.write(query);
      await new Promise((r) => stream.once('data', r));
    }
    // 200 KB each way: one credit per quarter window read, on each side (it was one per frame read: 4,000)
    const steps = Math.floor((2000 * query.length) / (STREAM_WINDOW / 4));
    expect(wire.texts.slice(before).filter((t) => t === 'credit').length).toBe(2 * steps);
    const big = randomBytes(3 * STREAM_WINDOW);
    const got: Buffer[] = [];
    const echoed = new Promise((r) => {
      let n = 0;
      stream.on('data', (d: Buffer) => {
        got.push(d);
        n += d.length;
        if (n >= big.length) r(null);
      });
    });
    stream.write(big);
    await echoed;
    expect(Buffer.concat(got).equals(big)).toBe(true);
  });

  it('never stalls when the reader takes a little at a time with read(n)', async () => {
    let server!: import('./stream').TunnelStream;
    const { a } = pair({}, { onOpen: (o) => (server = o.accept()) });
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    const payload = randomBytes(3 * STREAM_WINDOW + 777);
    stream.end(payload);
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const take = () => {
        const chunk = server.read(1000) as Buffer | null;
        if (chunk) {
          got.push(chunk);
          setImmediate(take);
        }
      };
      server.on('readable', take);
      server.on('end', resolve);
    });
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  });

  it('never stalls when the reader waits for more than a quarter window at once (read(n) of a large n)', async () => {
    let server!: import('./stream').TunnelStream;
    const { a } = pair({}, { onOpen: (o) => (server = o.accept()) });
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    const payload = randomBytes(4 * STREAM_WINDOW);
    stream.end(payload);
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      // a little first (less than a quarter window: no credit is due for it yet), then nearly a whole window at once:
      // more than is buffered while the writer waits for credit
      let size = 2000;
      server.on('readable', () => {
        let chunk: Buffer | null;
        while ((chunk = server.read(size) as Buffer | null) !== null) {
          got.push(chunk);
          size = STREAM_WINDOW - 1000;
        }
      });
      server.on('end', resolve);
    });
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  });

  it('reports a refused open with its code and message', async () => {
    const { a } = pair({}, { onOpen: (o) => o.reject('not_found', 'connection "nope" does not exist') });
    await expect(a.openStream({ connection: 'nope', mode: 'exec' })).rejects.toMatchObject({ code: 'not_found', message: 'connection "nope" does not exist' });
  });

  it('closes the far side of a stream that is destroyed', async () => {
    let server!: import('./stream').TunnelStream;
    const { a } = pair({}, { onOpen: (o) => (server = o.accept()) });
    const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
    stream.destroy();
    await new Promise((r) => server.on('close', r));
    expect(server.destroyed).toBe(true);
  });

  it('fails pending opens and streams when the socket goes away', async () => {
    const { a } = pair({}, { onOpen: () => undefined /* never answers */ });
    const pending = a.openStream({ connection: 'x', mode: 'connect' });
    a.shutdown('gateway connection lost');
    await expect(pending).rejects.toBeInstanceOf(OpenError);
  });

  it('ends a stream accepted after the socket went away, once its taker listens', async () => {
    let answer!: (accept: () => import('./stream').TunnelStream) => void;
    const { a, b } = pair({}, { onOpen: (o) => answer(() => o.accept()) });
    const asked = new Promise<() => import('./stream').TunnelStream>((r) => (answer = r));
    void a.openStream({ connection: 'x', mode: 'connect' }).catch(() => undefined);
    const accept = await asked;
    // the far end set its session up (a credential, a policy) while its tunnel went down
    b.shutdown('gateway connection lost');
    const stream = accept();
    stream.on('error', () => undefined);
    await new Promise((r) => stream.on('close', r));
    expect(stream.destroyed).toBe(true);
    expect(stream.closeReason).toBe('gateway connection lost');
  });

  it('closes the tunnel on malformed frames instead of crashing', () => {
    const errors: string[] = [];
    const { a, wire } = pair({ onProtocolError: (e) => errors.push(e.message) });
    a.handleText('{not json');
    expect(errors[0]).toMatch(/not JSON/);
    expect(wire.closed.length).toBe(1);
    const { a: a2 } = pair({ onProtocolError: (e) => errors.push(e.message) });
    a2.handleText(encodeEnvelope('credit', { stream: 1, bytes: 10 }).replace('"bytes":10', '"bytes":-5'));
    expect(errors[1]).toMatch(/invalid credit/);
    const { a: a3 } = pair({ onProtocolError: (e) => errors.push(e.message) });
    a3.handleBinary(Buffer.from([9, 0, 0]));
    expect(errors[2]).toMatch(/malformed binary frame/);
  });

  it('ignores message types it does not know (forward compatibility)', () => {
    const seen: string[] = [];
    const { a } = pair({ onMessage: (m) => seen.push(m.type), onProtocolError: () => seen.push('error') });
    a.handleText(JSON.stringify({ v: 2, type: 'future_feature', payload: { x: 1 } }));
    expect(seen).toEqual([]);
  });
});

describe('splice', () => {
  it('relays a stream through a middle tunnel pair frame by frame, with backpressure and close', async () => {
    // client ⇄ [gateway: inbound tunnel | outbound tunnel] ⇄ agent
    let agentSide!: import('./stream').TunnelStream;
    const agentPair = pair({}, { onOpen: (o) => (agentSide = o.accept()) });
    const clientPair = pair(
      {},
      {
        onOpen: (o) => {
          void agentPair.a.openStream({ connection: 'x', mode: 'connect' }).then(({ stream: out }) => {
            const inbound = o.accept();
            inbound.splice(out);
          });
        },
      },
    );
    const { stream: client } = await clientPair.a.openStream({ connection: 'x', mode: 'connect' });
    await new Promise((r) => setTimeout(r, 10));
    agentSide.on('data', (d: Buffer) => agentSide.write(d)); // echo
    const payload = randomBytes(6 * STREAM_WINDOW);
    const got: Buffer[] = [];
    client.on('data', (d: Buffer) => got.push(d));
    client.write(payload);
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(got).length >= payload.length ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    agentSide.destroy();
    await new Promise((r) => client.on('close', r));
  });

  it('passes each end the window of the other, so ends with different windows never send past the credit', async () => {
    // a client of another version (a 64 KB window) and an agent with a larger one (4 windows): the middle opens to the
    // agent with the client's window and answers the client with the agent's, as the gateway does
    const clientWindow = 64 * 1024;
    let agentSide!: import('./stream').TunnelStream;
    const agentPair = pair({}, { onOpen: (o) => (agentSide = o.accept(undefined, 4 * STREAM_WINDOW)) });
    const clientPair = pair(
      {},
      {
        onOpen: (o) => {
          void agentPair.a.openStream({ connection: 'x', mode: 'connect' }, undefined, o.request.window).then(({ stream: out, opened }) => {
            o.accept(undefined, opened.window).splice(out);
          });
        },
      },
    );
    const { stream: client, opened } = await clientPair.a.openStream({ connection: 'x', mode: 'connect' }, undefined, clientWindow);
    expect(opened.window).toBe(4 * STREAM_WINDOW);
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    client.pause();
    const down = randomBytes(2 * 1024 * 1024);
    agentSide.write(down);
    await new Promise((r) => setTimeout(r, 100));
    // the agent sends no more than the client's window while the client reads nothing
    expect(agentPair.wire.bToA).toBeLessThanOrEqual(clientWindow + 5);
    const got: Buffer[] = [];
    client.on('data', (d: Buffer) => got.push(d));
    client.resume();
    // and the client may send the agent's whole window at once: more than its own
    const up = randomBytes(3 * STREAM_WINDOW);
    const upDone = new Promise((r) => client.write(up, r));
    const upGot: Buffer[] = [];
    agentSide.on('data', (d: Buffer) => upGot.push(d));
    await upDone;
    await new Promise<void>((resolve) => {
      const check = () => (Buffer.concat(got).length >= down.length && Buffer.concat(upGot).length >= up.length ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(Buffer.concat(got).equals(down)).toBe(true);
    expect(Buffer.concat(upGot).equals(up)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('forwards what the far end sent before the splice (servers that speak first, like SSH)', async () => {
    const agentPair = pair(
      {},
      {
        onOpen: (o) => {
          const s = o.accept();
          s.write('SSH-2.0-banner\r\n');
          s.end();
        },
      },
    );
    const clientPair = pair(
      {},
      {
        onOpen: (o) => {
          void agentPair.a.openStream({ connection: 'x', mode: 'connect' }).then(async ({ stream: out }) => {
            // the banner and the end arrive while the relay is still busy setting up
            await new Promise((r) => setTimeout(r, 20));
            o.accept().splice(out);
          });
        },
      },
    );
    const { stream: client } = await clientPair.a.openStream({ connection: 'x', mode: 'connect' });
    const got: Buffer[] = [];
    client.on('data', (d: Buffer) => got.push(d));
    await new Promise((r) => client.on('end', r));
    expect(Buffer.concat(got).toString()).toBe('SSH-2.0-banner\r\n');
  });
});
