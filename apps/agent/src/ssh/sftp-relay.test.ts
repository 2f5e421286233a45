import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FileEvent } from './sftp-events';
import { relaySftp } from './sftp-relay';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const s = (v: string | Buffer) => {
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  return Buffer.concat([u32(b.length), b]);
};
const pkt = (type: number, ...fields: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...fields]);
  return Buffer.concat([u32(body.length), body]);
};
const INIT = pkt(1, u32(3));
const VERSION = pkt(2, u32(3));
const WRITE = (id: number, data: Buffer) => pkt(6, u32(id), s(u32(0)), Buffer.alloc(8), s(data));
const tick = () => new Promise((r) => setImmediate(r));

/** a stream end whose writes complete only when the test says so */
function slowSink(highWaterMark: number) {
  const written: Buffer[] = [];
  const waiting: (() => void)[] = [];
  const stream = new Duplex({
    writableHighWaterMark: highWaterMark,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      waiting.push(cb);
    },
  });
  const release = async () => {
    while (waiting.length) {
      waiting.shift()!();
      await tick();
    }
  };
  return { stream, written, release, bytes: () => written.reduce((n, b) => n + b.length, 0) };
}

function fastSink() {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { stream, written };
}

describe('relaySftp', () => {
  it('stops reading the client while the target cannot take more, and loses nothing', async () => {
    const client = fastSink();
    const target = slowSink(64 * 1024);
    const events: FileEvent[] = [];
    const fails: string[] = [];
    relaySftp(client.stream, target.stream, { record: (e) => events.push(e), refused: () => undefined, fail: (r) => fails.push(r) });
    client.stream.push(INIT);
    target.stream.push(VERSION);
    const data = Buffer.alloc(32 * 1024, 3);
    const writes = Array.from({ length: 64 }, (_, i) => WRITE(i + 1, data));
    for (const w of writes) client.stream.push(w);
    await tick();
    // two megabytes offered; the target took what fits its buffer, the rest waits in the client's stream
    expect(target.bytes()).toBeLessThan(256 * 1024);
    expect(client.stream.readableLength).toBeGreaterThan(1024 * 1024);
    await target.release();
    await tick();
    await target.release();
    expect(Buffer.concat(target.written).equals(Buffer.concat([INIT, ...writes]))).toBe(true);
    expect(client.stream.readableLength).toBe(0);
    // one record for the handle whose open was not seen, not one per write
    expect(events).toEqual([{ op: 'write', path: '(unknown handle 00000000)', handle: '00000000' }]);
    expect(fails).toEqual([]);
  });

  it('stops reading the target while the client cannot take more', async () => {
    const client = slowSink(16 * 1024);
    const target = fastSink();
    relaySftp(client.stream, target.stream, { record: () => undefined, refused: () => undefined, fail: () => undefined });
    client.stream.push(INIT);
    const replies = [VERSION, ...Array.from({ length: 100 }, (_, i) => pkt(103, u32(i), s(Buffer.alloc(30_000, 1))))];
    for (const r of replies) target.stream.push(r);
    await tick();
    expect(client.bytes()).toBeLessThan(128 * 1024);
    expect(target.stream.readableLength).toBeGreaterThan(1024 * 1024);
    while (client.bytes() < Buffer.concat(replies).length) await client.release();
    expect(Buffer.concat(client.written).equals(Buffer.concat(replies))).toBe(true);
  });

  it('stops both ways and reports once when the client sends what it cannot read', async () => {
    const client = fastSink();
    const target = fastSink();
    const fails: string[] = [];
    relaySftp(client.stream, target.stream, { record: () => undefined, refused: () => undefined, fail: (r) => fails.push(r) });
    client.stream.push(INIT);
    target.stream.push(VERSION);
    await tick();
    client.stream.push(pkt(77, u32(1)));
    client.stream.push(pkt(13, u32(2), s('/srv/x')));
    target.stream.push(pkt(101, u32(1), u32(0), s(''), s('')));
    await tick();
    expect(fails).toEqual(['unknown packet type 77']);
    expect(Buffer.concat(target.written)).toEqual(INIT);
    expect(Buffer.concat(client.written)).toEqual(VERSION);
  });

  it('ends the target when the client ends cleanly, and reports a packet cut short at the end', async () => {
    const client = fastSink();
    const target = fastSink();
    let finished = false;
    target.stream.on('finish', () => (finished = true));
    const fails: string[] = [];
    relaySftp(client.stream, target.stream, { record: () => undefined, refused: () => undefined, fail: (r) => fails.push(r) });
    client.stream.push(INIT);
    client.stream.push(null);
    await tick();
    expect(finished).toBe(true);
    expect(fails).toEqual([]);

    const cut = fastSink();
    const t2 = fastSink();
    relaySftp(cut.stream, t2.stream, { record: () => undefined, refused: () => undefined, fail: (r) => fails.push(r) });
    cut.stream.push(INIT.subarray(0, 6));
    cut.stream.push(null);
    await tick();
    expect(fails).toEqual(["the client's input ended inside a packet (6 of 9 bytes)"]);
  });
});
