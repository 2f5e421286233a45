import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';
import { findPii } from './scan';
import { rng } from './testdata/generate';

const m = createMasker({ defaultStyle: 'partial', hashKey: 'fuzz-key-0123456789' });
const hashing = createMasker({ defaultStyle: 'hash', hashKey: 'fuzz-key-0123456789' });

describe('robustness', () => {
  it('never throws on random strings, and spans are ordered and inside the text', () => {
    const r = rng(7);
    const alphabet = '0123456789 -.:@+()/_=\'"%abcdefxyzABCDEFXYZ\n\t{}[],;\\éΩ🙂eyJAKIAghp_sk-';
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(r() * 200);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(r() * alphabet.length)];
      const spans = findPii(s);
      let pos = 0;
      for (const sp of spans) {
        expect(sp.start).toBeGreaterThanOrEqual(pos);
        expect(sp.end).toBeGreaterThan(sp.start);
        expect(sp.end).toBeLessThanOrEqual(s.length);
        pos = sp.end;
      }
      expect(typeof m.maskText(s).text).toBe('string');
      expect(typeof hashing.maskText(s).text).toBe('string');
      m.columnMasker({ name: 'payload', typeOid: 3802 }).mask(s);
      m.columnMasker({ name: 'email', typeOid: 25 }).mask(s);
    }
  });

  it('finishes on pathological inputs with correct output', () => {
    const digits = '7'.repeat(100_000);
    expect(m.maskText(digits).text).toBe(digits);
    const digitsWithCard = `${'1 '.repeat(50_000)}4111 1111 1111 1111`;
    expect(m.maskText(digitsWithCard).text.endsWith('************1111')).toBe(true);
    const ats = '@'.repeat(1_000_000);
    expect(m.maskText(ats).text).toBe(ats);
    const locals = 'a'.repeat(1_000_000);
    expect(m.maskText(`${locals}@`).text).toBe(`${locals}@`);
    const pairs = 'a@'.repeat(300_000);
    expect(m.maskText(pairs).text).toBe(pairs);
    const dots = '1.'.repeat(300_000);
    expect(m.maskText(dots).text).toBe(dots);
    const colons = ':'.repeat(500_000);
    expect(m.maskText(colons).text).toBe(colons);
    const hexColons = 'a1:'.repeat(200_000);
    expect(m.maskText(hexColons).text).toBe(hexColons);
    const jwtish = `eyJ${'A'.repeat(500_000)}`;
    expect(m.maskText(jwtish).text).toBe(jwtish);
    const eyjs = 'eyJ.'.repeat(200_000);
    expect(m.maskText(eyjs).text).toBe(eyjs);
    const plus = '+1 '.repeat(200_000);
    expect(m.maskText(plus).text).toBe(plus);
    const pem = `-----BEGIN PRIVATE KEY-----${'A'.repeat(500_000)}`;
    expect(m.maskText(pem).text.startsWith('[PRIVATE_KEY]')).toBe(true);
    expect(m.maskText(pem).text).not.toContain('BEGIN');
    const pw = 'password='.repeat(100_000);
    expect(typeof m.maskText(pw).text).toBe('string');
    const spaced = '4 '.repeat(500_000);
    expect(m.maskText(spaced).text).toBe(spaced);
  });
});
