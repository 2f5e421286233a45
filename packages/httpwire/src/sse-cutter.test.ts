import { describe, expect, it } from 'vitest';
import { SseCutter, type SseEvent, SseParser } from './sse';

const cut = (text: string, cuts: number[]) => {
  const c = new SseCutter();
  const pieces: { raw: string; event: SseEvent | null }[] = [];
  const bytes = Buffer.from(text);
  let at = 0;
  for (const n of [...cuts, bytes.length]) {
    c.push(bytes.subarray(at, n), (raw, event) => pieces.push({ raw: raw.toString('utf8'), event }));
    at = n;
  }
  return { pieces, rest: c.rest().toString('utf8') };
};

describe('an event stream cut into its events', () => {
  const text = 'event: a\ndata: {"x":"é✓"}\n\n: comment\n\nevent: b\r\ndata: 1\r\ndata: 2\r\n\r\ndata: cr\r\rid: 9\n\nevent: tail\ndata: cut';
  it('gives pieces that join back to the bytes, each with the event the parser reads at its end, at every cut', () => {
    const whole = cut(text, []);
    const parsed: SseEvent[] = [];
    new SseParser().push(Buffer.from(text), (e) => parsed.push(e));
    expect(whole.pieces.map((p) => p.event).filter(Boolean)).toEqual(parsed);
    expect(whole.pieces.map((p) => p.raw).join('') + whole.rest).toBe(text);
    expect(whole.pieces.map((p) => p.raw)).toEqual([
      'event: a\ndata: {"x":"é✓"}\n\n',
      ': comment\n\n',
      'event: b\r\ndata: 1\r\ndata: 2\r\n\r\n',
      'data: cr\r\r',
      'id: 9\n\n',
    ]);
    expect(whole.pieces[1]!.event).toBeNull();
    expect(whole.rest).toBe('event: tail\ndata: cut');
    const n = Buffer.byteLength(text);
    for (let i = 1; i < n; i++) {
      const split = cut(text, [i]);
      expect(split.pieces.map((p) => p.raw).join('') + split.rest).toBe(text);
      expect(split.pieces.map((p) => p.event)).toEqual(whole.pieces.map((p) => p.event));
    }
  });

  it('refuses an event over its limit rather than holding more', () => {
    const c = new SseCutter(16);
    expect(() => c.push(Buffer.from('data: 0123456789abcdef'), () => undefined)).toThrow(/over 16 bytes/);
  });
});
