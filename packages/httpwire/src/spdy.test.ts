import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SPDY_DICTIONARY, SpdyError, type SpdyFrame, SpdyReader, SpdyWriter, spdyHeaders } from './spdy';
import { encodeHeaderBlock } from './spdy-headers';

const readAll = (bytes: Buffer, r = new SpdyReader()) => {
  const out: SpdyFrame[] = [];
  r.push(bytes, (f) => out.push(f));
  return out;
};

/** a compressor as Go's spdy framer runs it: one zlib stream with the dictionary, flushed after each block */
async function goStyleBlocks(blocks: Buffer[]): Promise<Buffer[]> {
  const d = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const out: Buffer[] = [];
  for (const b of blocks) {
    const parts: Buffer[] = [];
    const onData = (c: Buffer) => parts.push(c);
    d.on('data', onData);
    d.write(b);
    await new Promise<void>((r) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(r)));
    d.off('data', onData);
    out.push(Buffer.concat(parts));
  }
  d.close();
  return out;
}

function synStreamWith(streamId: number, compressed: Buffer): Buffer {
  const head = Buffer.alloc(18);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(1, 2);
  head.writeUIntBE(10 + compressed.length, 5, 3);
  head.writeUInt32BE(streamId, 8);
  return Buffer.concat([head, compressed]);
}

describe('SPDY/3.1 frames', () => {
  it('the dictionary is SPDY/3’s (1423 bytes)', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('writes and reads every frame type, header blocks sharing one context, at every split', () => {
    const w = new SpdyWriter();
    const bytes = Buffer.concat([
      w.synStream(1, spdyHeaders({ streamtype: 'error' })),
      w.synStream(3, spdyHeaders({ streamtype: 'stdout', multi: ['a', 'b'] }), { fin: true, priority: 2 }),
      w.synReply(1, spdyHeaders({})),
      w.headers(3, spdyHeaders({ streamtype: 'stdout' }), true),
      ...w.data(3, Buffer.from('hello'), true),
      w.rst(3, 5),
      w.settings([{ id: 7, value: 65536, flags: 1 }]),
      w.ping(2),
      w.windowUpdate(0, 1000),
      w.goAway(3, 0),
    ]);
    const expected = readAll(bytes);
    expect(expected.map((f) => f.type)).toEqual([
      'syn_stream',
      'syn_stream',
      'syn_reply',
      'headers',
      'data',
      'rst_stream',
      'settings',
      'ping',
      'window_update',
      'goaway',
    ]);
    expect(expected[1]).toMatchObject({
      streamId: 3,
      fin: true,
      priority: 2,
      headers: new Map([
        ['streamtype', ['stdout']],
        ['multi', ['a', 'b']],
      ]),
    });
    expect(expected[6]).toMatchObject({ entries: [{ id: 7, value: 65536, flags: 1 }] });
    for (let at = 0; at <= bytes.length; at++) {
      const r = new SpdyReader();
      const got: SpdyFrame[] = [];
      r.push(bytes.subarray(0, at), (f) => got.push(f));
      r.push(bytes.subarray(at), (f) => got.push(f));
      expect(got).toEqual(expected);
    }
    const oneByOne = new SpdyReader();
    const got: SpdyFrame[] = [];
    for (let at = 0; at < bytes.length; at++) oneByOne.push(bytes.subarray(at, at + 1), (f) => got.push(f));
    expect(got).toEqual(expected);
  });

  it('reads a DATA frame of 1 MiB that comes in 1,000-byte pieces', () => {
    const data = Buffer.alloc(1024 * 1024, 7);
    const bytes = Buffer.concat([...new SpdyWriter().data(5, data, true, 1024 * 1024), new SpdyWriter().ping(1)]);
    const r = new SpdyReader();
    const got: SpdyFrame[] = [];
    for (let at = 0; at < bytes.length; at += 1000) r.push(bytes.subarray(at, at + 1000), (f) => got.push(f));
    expect(got).toEqual([
      { type: 'data', streamId: 5, fin: true, data },
      { type: 'ping', id: 1 },
    ]);
  });

  it('reads header blocks from a real zlib stream flushed after each block (as Go writes them)', async () => {
    const blocks = [spdyHeaders({ streamtype: 'error' }), spdyHeaders({ streamtype: 'stdin' }), spdyHeaders({ streamtype: 'stdout', x: 'y'.repeat(40000) })];
    const compressed = await goStyleBlocks(blocks.map(encodeHeaderBlock));
    const frames = readAll(Buffer.concat(compressed.map((c, i) => synStreamWith(2 * i + 1, c))), new SpdyReader({ maxHeaderBlock: 64 * 1024 }));
    expect(frames.map((f) => (f as { headers: Map<string, string[]> }).headers)).toEqual(blocks);
  });

  it('writes header blocks a real zlib stream reads', async () => {
    const w = new SpdyWriter();
    const inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
    const blocks = [spdyHeaders({ streamtype: 'error' }), spdyHeaders({ streamtype: 'stdout' }), spdyHeaders({ streamtype: 'stdout' })];
    const got: Buffer[] = [];
    inflate.on('data', (c: Buffer) => got.push(c));
    for (const b of blocks) inflate.write(w.synReply(1, b).subarray(12));
    await new Promise<void>((r) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(r)));
    expect(Buffer.concat(got)).toEqual(Buffer.concat(blocks.map(encodeHeaderBlock)));
  });
});

describe('SPDY frames hoop refuses to read', () => {
  const bad: [string, Buffer, RegExp][] = [
    ['a DATA frame over the limit', Buffer.from([0, 0, 0, 1, 0, 0x20, 0, 0]), /DATA frame of 2097152 bytes/],
    ['a control frame of SPDY/2', Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]), /SPDY\/2 control frame/],
    ['a PING of 3 bytes', Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 3, 0, 0, 1]), /malformed SPDY PING/],
    ['a RST_STREAM with status 0', Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0]), /malformed SPDY RST_STREAM/],
    ['DATA on stream 0', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), /DATA frame on stream 0/],
    ['a SYN_STREAM whose header block is not zlib', synStreamWith(1, Buffer.from('not zlib at all')), /does not start a zlib stream/],
    ['a SETTINGS whose count lies', Buffer.from([0x80, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0, 9]), /malformed SPDY SETTINGS/],
  ];
  for (const [what, bytes, message] of bad)
    it(`${what}: an error that says so, and nothing read after it`, () => {
      const r = new SpdyReader();
      expect(() => readAll(bytes, r)).toThrow(message);
      expect(() => readAll(new SpdyWriter().ping(1), r)).toThrow(SpdyError);
    });

  it('a header block that decompresses huge is refused at the cap', async () => {
    const block = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0x78]), Buffer.alloc(4, 0xff), Buffer.alloc(10 * 1024 * 1024, 0x61)]);
    block.writeUInt32BE(10 * 1024 * 1024, 9);
    const [compressed] = await goStyleBlocks([block]);
    expect(compressed!.length).toBeLessThan(64 * 1024);
    expect(() => readAll(synStreamWith(1, compressed!))).toThrow(/decompresses to over 65536 bytes/);
  });

  it('header blocks that name a header twice, in upper case, or lie about their lengths', async () => {
    const twice = Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x62, 0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x63]);
    const upper = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 10]), Buffer.from('StreamType'), Buffer.from([0, 0, 0, 5]), Buffer.from('stdin')]);
    const long = Buffer.from([0, 0, 0, 1, 0, 0, 0, 200, 0x61]);
    for (const [block, message] of [
      [twice, /"a" is given twice/],
      [upper, /not in lower case/],
      [long, /longer than its block/],
    ] as const) {
      const [compressed] = await goStyleBlocks([block]);
      expect(() => readAll(synStreamWith(1, compressed!))).toThrow(message);
    }
  });
});
