import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeWsFrame, type WsFrame, WsFrameParser, type WsMessage, WsMessageReader, WsOpcode } from './websocket';

const framesOf = (bytes: Buffer, cuts: number[]): WsFrame[] => {
  const p = new WsFrameParser();
  const out: WsFrame[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(at, c), (f) => out.push({ ...f, raw: Buffer.from(f.raw) }));
    at = c;
  }
  return out;
};

describe('WebSocket frames', () => {
  const mask = Buffer.from([1, 2, 3, 4]);
  const big = randomBytes(70_000);
  const mid = randomBytes(300);
  const bytes = Buffer.concat([
    encodeWsFrame(WsOpcode.binary, Buffer.from([1, 104, 105])),
    encodeWsFrame(WsOpcode.binary, mid, { mask }),
    encodeWsFrame(WsOpcode.binary, big),
    encodeWsFrame(WsOpcode.close, Buffer.from([3, 232])),
  ]);

  it('come out whole, unmasked, with their raw bytes, however the bytes are split', () => {
    const whole = framesOf(bytes, []);
    expect(whole.map((f) => [f.opcode, f.fin, f.masked, f.payload.length])).toEqual([
      [2, true, false, 3],
      [2, true, true, 300],
      [2, true, false, 70_000],
      [8, true, false, 2],
    ]);
    expect(whole[1]!.payload.equals(mid)).toBe(true);
    expect(whole[2]!.payload.equals(big)).toBe(true);
    expect(Buffer.concat(whole.map((f) => f.raw)).equals(bytes)).toBe(true);
    const digest = (fs: WsFrame[]) => fs.map((f) => `${f.opcode}:${f.fin}:${f.masked}:${createHash('sha256').update(f.payload).digest('hex')}:${f.raw.length}`);
    for (const cut of [1, 2, 3, 4, 5, 6, 8, 10, 12, 300, 306, 308, 309, 312, 70_000]) expect(digest(framesOf(bytes, [cut]))).toEqual(digest(whole));
  });

  it('refuse a frame over the limit from its header, before its payload comes', () => {
    const p = new WsFrameParser(1000);
    expect(() => p.push(encodeWsFrame(WsOpcode.binary, Buffer.alloc(1001)).subarray(0, 4), () => undefined)).toThrow(/over the 1000 bytes/);
    const huge = Buffer.from([0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(() => new WsFrameParser().push(huge, () => undefined)).toThrow(/over the/);
  });

  it('join fragments into messages, with control frames between them, and refuse what they cannot read', () => {
    const r = new WsMessageReader(100);
    const got: WsMessage[] = [];
    const on = (m: WsMessage) => got.push(m);
    r.push(encodeWsFrame(WsOpcode.binary, Buffer.from([1, 97]), { fin: false }), on);
    r.push(encodeWsFrame(WsOpcode.ping, Buffer.from('p')), on);
    r.push(encodeWsFrame(WsOpcode.continuation, Buffer.from('bc'), { mask, fin: false }), on);
    expect(got.map((m) => [m.opcode, m.data.toString('latin1')])).toEqual([[9, 'p']]);
    r.push(encodeWsFrame(WsOpcode.continuation, Buffer.from('d')), on);
    expect(got.map((m) => [m.opcode, m.data.toString('latin1')])).toEqual([
      [9, 'p'],
      [2, '\x01abcd'],
    ]);
    expect(() => new WsMessageReader().push(encodeWsFrame(WsOpcode.continuation, Buffer.from('x')), on)).toThrow(/without a message/);
    const deflated = encodeWsFrame(WsOpcode.binary, Buffer.from('x'));
    deflated[0]! |= 0x40;
    expect(() => new WsMessageReader().push(deflated, on)).toThrow(/compression/);
    const long = new WsMessageReader(10);
    long.push(encodeWsFrame(WsOpcode.binary, Buffer.alloc(8), { fin: false }), on);
    expect(() => long.push(encodeWsFrame(WsOpcode.continuation, Buffer.alloc(8), { fin: false }), on)).toThrow(/over 10 bytes/);
  });
});
