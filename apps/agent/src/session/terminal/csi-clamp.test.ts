import { describe, expect, it } from 'vitest';
import { CsiClamp } from './csi-clamp';

const clamp = () => new CsiClamp(() => ({ cols: 80, rows: 24 }));

describe('bounding step-by-step control sequences by the screen', () => {
  it('lowers huge counts to the screen and leaves everything else alone', () => {
    const c = clamp();
    expect(c.filter('a\x1b[2147483647Sb')).toBe('a\x1b[24Sb');
    expect(c.filter('\x1b[5L\x1b[100M\x1b[9999@\x1b[3P\x1b[1000000000b')).toBe('\x1b[5L\x1b[24M\x1b[80@\x1b[3P\x1b[1920b');
    expect(c.filter('\x1b[1;31mred\x1b[0m \x1b[?1049h \x1b[2147483647A')).toBe('\x1b[1;31mred\x1b[0m \x1b[?1049h \x1b[2147483647A');
    expect(c.filter('\x9b99999T')).toBe('\x9b24T');
    expect(c.filter(`\x1b[${'0'.repeat(50)}7S`)).toBe('\x1b[24S');
  });

  it('holds a sequence split across chunks, at any point', () => {
    const whole = 'x\x1b[2147483647Sy\x1b[31mz\x1b';
    for (let cut = 0; cut <= whole.length; cut++) {
      const c = clamp();
      expect(c.filter(whole.slice(0, cut)) + c.filter(whole.slice(cut)) + c.filter('[0m')).toBe('x\x1b[24Sy\x1b[31mz\x1b[0m');
    }
  });

  it('drops a sequence too long to be real instead of holding it without end', () => {
    const c = clamp();
    expect(c.filter(`a\x1b[${'1'.repeat(100)}S b`)).toBe('a b');
    expect(c.filter(`\x1b[${'2'.repeat(70)}`)).toBe('');
    expect(c.filter('9Tc')).toBe('9Tc');
  });
});
