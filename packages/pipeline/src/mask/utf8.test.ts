import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';
import { ALL_TYPES, mayHoldPii, scan } from './scan';
import { DECOYS } from './testdata/decoys';
import { rng } from './testdata/generate';
import { IN_CONTEXT, POSITIVES } from './testdata/positives';
import { type MaskStyle, PII_TYPES } from './types';

const TEXT = 25;
const JSONB = 3802;
const TEXT_ARRAY = 1009;
const INET = 869;
const DATE = 1082;

/** Every kind of value the corpus holds, plus random strings over an alphabet that trips each detector's facts. */
function corpus(): string[] {
  const values = [
    ...Object.values(POSITIVES).flat(),
    ...IN_CONTEXT.map(([text]) => text),
    ...Object.values(DECOYS).flat(),
    '',
    ' ',
    '  \t',
    'short',
    'order 123456 shipped',
    'plan upgraded on 2026-03-14',
    '2026-11-24 12:00:00+00',
    '12:30:45',
    'ünïcödé tëxt wïth nö PII',
    'mail: élodie@exemple.fr',
    '電話 +81 90-1234-5678',
    '🙂🙂🙂 4111 1111 1111 1111 🙂',
    '\u00a0',
    '{"email": "a@b.co", "n": 1}',
    '{"note": "call +1 415 555 2671"}',
    '{}',
    '[1,2,3]',
  ];
  const r = rng(99);
  // whole code points: a cell from the server is valid UTF-8, never half of a surrogate pair
  const alphabet = Array.from('0123456789 -.:@+()/_=\'"%abcdefxyzABCDEFXYZ\n\t{}[],;\\éΩ🙂eyJAKIAghp_sk-');
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(r() * 80);
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(r() * alphabet.length)];
    values.push(s);
  }
  return values;
}

/** The value inside a larger buffer, as a DataRow cell arrives: other bytes on both sides. */
function cell(text: string): { buf: Buffer; start: number; end: number } {
  const bytes = Buffer.from(text, 'utf8');
  const before = Buffer.from('\u0000\u0000@x 4111');
  const buf = Buffer.concat([before, bytes, Buffer.from('@a.io 123456789')]);
  return { buf, start: before.length, end: before.length + bytes.length };
}

describe('masking UTF-8 cells without decoding them first', () => {
  it('rules a value out on its bytes only when the text scan finds nothing in it', () => {
    for (const ipv4 of [true, false]) {
      for (const text of corpus()) {
        const { buf, start, end } = cell(text);
        if (!mayHoldPii(buf, start, end, { types: ALL_TYPES, ipv4 })) expect(scan(text, { types: ALL_TYPES, ipv4 }), text).toBeNull();
      }
    }
  });

  it('rules a value out only when the scan finds nothing, whichever types are masked', () => {
    // the light first pass reads each detector's condition with bounds for what it does not count: one type alone or
    // one type left out shows a bound that is too tight for that type
    const values = corpus();
    for (const [i, type] of PII_TYPES.entries()) {
      for (const types of [1 << i, ALL_TYPES & ~(1 << i)]) {
        for (const text of values) {
          const { buf, start, end } = cell(text);
          if (!mayHoldPii(buf, start, end, { types, ipv4: true })) expect(scan(text, { types, ipv4: true }), `${type} ${types}: ${text}`).toBeNull();
        }
      }
    }
  });

  it('passes clean cells without decoding them (most cells of a table)', () => {
    for (const text of ['order 123456 shipped', 'Customer asked about upgrading', 'churn risk low', 'onboarding call done', 'x']) {
      const { buf, start, end } = cell(text);
      expect(mayHoldPii(buf, start, end, { types: ALL_TYPES, ipv4: true }), text).toBe(false);
    }
    for (const text of ['bob@x.io', 'call 415 555 2671', '10.0.0.1 said hi', 'token=abc123', '4111 1111 1111 1111']) {
      const { buf, start, end } = cell(text);
      expect(mayHoldPii(buf, start, end, { types: ALL_TYPES, ipv4: true }), text).toBe(true);
    }
  });

  it('gives the same result as mask() for every column kind and style, and undefined when nothing changed', () => {
    const styles: MaskStyle[] = ['redact', 'partial', 'hash', 'null'];
    const columns = [
      { name: 'notes', typeOid: TEXT },
      { name: 'email', typeOid: TEXT },
      { name: 'full_name', typeOid: TEXT },
      { name: 'app_version', typeOid: TEXT },
      { name: 'payload', typeOid: JSONB },
      { name: 'email', typeOid: JSONB },
      { name: 'tags', typeOid: TEXT_ARRAY },
      { name: 'phones', typeOid: TEXT_ARRAY },
      { name: 'ip_address', typeOid: INET },
      { name: 'date_of_birth', typeOid: DATE },
    ];
    const values = corpus();
    for (const defaultStyle of styles) {
      const m = createMasker({ defaultStyle, hashKey: 'utf8-test-key-0123456789' });
      for (const column of columns) {
        const cm = m.columnMasker(column);
        for (const text of values) {
          const expected = cm.mask(text);
          const { buf, start, end } = cell(text);
          const got = cm.maskUtf8(buf, start, end);
          expect(got === undefined ? text : got, `${defaultStyle} ${column.name} ${JSON.stringify(text)}`).toBe(expected);
          if (expected === text) expect(got).toBeUndefined();
        }
      }
    }
  });

  it('counts what it masks exactly as mask() does', () => {
    const a = createMasker();
    const b = createMasker();
    const values = corpus();
    for (const column of [
      { name: 'notes', typeOid: TEXT },
      { name: 'email', typeOid: TEXT },
      { name: 'ip', typeOid: INET },
    ]) {
      const ca = a.columnMasker(column);
      const cb = b.columnMasker(column);
      for (const text of values) {
        ca.mask(text);
        const { buf, start, end } = cell(text);
        cb.maskUtf8(buf, start, end);
      }
    }
    expect(b.counts()).toEqual(a.counts());
    expect(Object.keys(a.counts()).length).toBeGreaterThan(3);
  });
});
