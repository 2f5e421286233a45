/**
 * What goes to the client through ClientBatch arrives whole and in order, however slowly the client's stream takes it:
 * a buffer is written into again only once the stream has taken every part of it, and the few buffers it has are used
 * over and over (not a new buffer per batch).
 */
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { framePacket } from '@hoop/mysqlwire';
import { describe, expect, it } from 'vitest';
import { ClientBatch } from './client-batch';

/** a client that takes each write a turn of the event loop later, copying it only then (as a tunnel stream copies into its frame) */
function slowClient() {
  const received: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const client = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      buffers.add(chunk.buffer);
      setImmediate(() => {
        received.push(Buffer.from(chunk));
        cb();
      });
    },
  });
  return { client, received, buffers };
}

describe('ClientBatch', () => {
  it('delivers every packet byte for byte through a slow stream, reusing its buffers', async () => {
    const { client, received, buffers } = slowClient();
    const target = new PassThrough();
    const batch = new ClientBatch(client as never, target);
    const expected: Buffer[] = [];
    for (let i = 0; i < 4000; i++) {
      // packets of 1 to 3,000 bytes, each filled with its own number; some larger than the room left in a buffer
      const payload = Buffer.alloc(1 + ((i * 7919) % 3000), i & 0xff);
      const inside = Buffer.concat([Buffer.from('xx'), payload, Buffer.from('yy')]);
      batch.packet(inside, 2, 2 + payload.length, i & 0xff);
      expected.push(framePacket(payload, i & 0xff));
      // a result streaming in: sent in batches, the stream taking them while more comes; the target waits while the
      // client's stream is full, as the relay's target socket does
      batch.flushIfDue(false);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      while (target.isPaused()) await once(target, 'resume');
    }
    batch.flush();
    await new Promise<void>((r) => client.end(r));
    expect(Buffer.concat(received).equals(Buffer.concat(expected))).toBe(true);
    // about 6 MB went through 128 KB buffers: a new one per batch would be ~50
    expect(buffers.size).toBeLessThan(12);
  });

  it('a packet larger than a buffer goes in one of its own, between the others in order', async () => {
    const { client, received } = slowClient();
    const batch = new ClientBatch(client as never, new PassThrough());
    const parts = [Buffer.alloc(100, 1), Buffer.alloc(200_000, 2), Buffer.alloc(60_000, 3), Buffer.alloc(70_000, 4), Buffer.alloc(10, 5)];
    parts.forEach((p, i) => batch.packet(p, 0, p.length, i));
    batch.flush();
    await new Promise<void>((r) => client.end(r));
    expect(Buffer.concat(received).equals(Buffer.concat(parts.map((p, i) => framePacket(p, i))))).toBe(true);
  });
});
