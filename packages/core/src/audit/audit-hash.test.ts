import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventHash, isIsoMillis, normalizeEvent } from './audit-hash';

/** The canonical JSON every stored hash was made with: the one in use must give the very same text. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** a small seeded generator (mulberry32), so a failure can be run again */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// keys that sort differently by code unit than by code point or locale, numeric-looking keys (own, not indices),
// __proto__ as an own key, empty and quoted keys
const KEYS = ['a', 'B', 'b', 'é', 'e\u0301', '😀', '\uffff', '10', '2', '', '__proto__', 'x"y', 'line\nbreak', 'sql', 'data'];
const STRINGS = ['', 'select 1', 'O\'Brien "quoted"', '\u0000\u001f', '\ud800', '😀', 'é', '\\', '</script>'];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 4 || r < 0.45) {
    const leaf = [null, undefined, true, false, 0, -0, 1.5, 1e21, -42, Number.NaN, Number.POSITIVE_INFINITY];
    return next() < 0.5 ? STRINGS[Math.floor(next() * STRINGS.length)] : leaf[Math.floor(next() * leaf.length)];
  }
  if (r < 0.7) return Array.from({ length: Math.floor(next() * 5) }, () => value(next, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(next() * 6);
  for (let i = 0; i < n; i++) {
    Object.defineProperty(o, KEYS[Math.floor(next() * KEYS.length)]!, { value: value(next, depth + 1), enumerable: true, configurable: true, writable: true });
  }
  return o;
}

describe('canonical JSON of audit events', () => {
  it('gives exactly the text every stored hash was made with, for any JSON value and for the values JSON.parse makes', () => {
    const next = random(16);
    for (let i = 0; i < 20_000; i++) {
      const v = value(next, 0);
      expect(canonicalJson(v)).toBe(reference(v));
      const parsed = JSON.parse(JSON.stringify(v) ?? 'null');
      expect(canonicalJson(parsed)).toBe(reference(parsed));
    }
  });

  it('gives the same text for values whose keys come in sorted order already (written by JSON.stringify then)', () => {
    const next = random(17);
    // the same values with each object's keys put in in sorted order: most are then in order, except where a key
    // that looks like an array index ('10', '2') comes first in Object.keys wherever it sorts
    const sorted = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sorted);
      if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        Object.defineProperty(o, k, { value: sorted((v as Record<string, unknown>)[k]), enumerable: true, configurable: true, writable: true });
      }
      return o;
    };
    for (let i = 0; i < 20_000; i++) {
      const v = sorted(value(next, 0));
      expect(canonicalJson(v)).toBe(reference(v));
      const parsed = JSON.parse(JSON.stringify(v) ?? 'null');
      expect(canonicalJson(parsed)).toBe(reference(parsed));
    }
    // in order, yet not what JSON.stringify writes as canonical JSON does: left to the loops
    const fn = () => 1;
    for (const v of [{ a: fn, b: [undefined, 1], c: new Date(0), d: Object.create({ x: 1 }) }, { a: 1, b: { toJSON: () => 'x' } }, [1, new Date(0)]])
      expect(canonicalJson(v)).toBe(reference(v));
  });

  it('sorts keys by code unit at every level and leaves undefined out', () => {
    expect(canonicalJson({ b: 1, a: [{ z: undefined, y: 'é', '😀': 2, '\uffff': 3 }, undefined], c: new Date(0) })).toBe(
      '{"a":[{"y":"é","😀":2,"\uffff":3},null],"b":1,"c":{}}',
    );
  });

  it('hashes an event the same way whatever order its keys come in', () => {
    const at = '2026-12-07T03:00:00.000Z';
    expect(eventHash('0', 's', 1, { type: 'statement', at, data: { sql: 'select 1', rows: 1 } })).toBe(
      eventHash('0', 's', 1, { type: 'statement', at, data: { rows: 1, sql: 'select 1' } }),
    );
  });

  it('hashes the text every stored hash was made with: sha256 of the previous hash, a newline, [session, seq, type, at, data]', () => {
    const next = random(18);
    for (let i = 0; i < 5_000; i++) {
      const data = value(next, 0);
      const event = { type: String(STRINGS[i % STRINGS.length]), at: new Date(1_700_000_000_000 + i).toISOString(), data };
      const stored = createHash('sha256')
        .update(`h${i}\n${reference([`s${i}`, i, event.type, event.at, data])}`)
        .digest('hex');
      expect(eventHash(`h${i}`, `s${i}`, i, event)).toBe(stored);
      expect(eventHash(`h${i}`, `s${i}`, i, event, canonicalJson(data))).toBe(stored);
    }
  });
});

describe("an event's time", () => {
  const roundTrips = (s: string) => {
    const t = new Date(s);
    return !Number.isNaN(t.getTime()) && t.toISOString() === s;
  };

  it('is read as toISOString wrote it exactly when a Date would give it back unchanged', () => {
    const next = random(19);
    const samples: string[] = [
      '2024-02-29T23:59:59.999Z',
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2026-04-31T00:00:00.000Z',
      '2026-12-08T24:00:00.000Z',
      '2026-12-08T03:60:00.000Z',
      '2026-12-08T03:00:60.000Z',
      '2026-12-08T03:00:00.000z',
      '2026-12-08T03:00:00Z',
      '2026-12-08T03:00:00.0000',
      '+02026-12-08T03:00:00.000Z',
      '2026-12-08 03:00:00.000Z',
      '2026-00-08T03:00:00.000Z',
      '2026-13-08T03:00:00.000Z',
      '2026-12-00T03:00:00.000Z',
      '2026-12-08T03:00:00.-00Z',
    ];
    const alphabet = '0123456789-:.TZz +/ab\u0660';
    for (let i = 0; i < 30_000; i++) {
      const at = new Date(Math.floor(next() * 253_402_300_800_000)).toISOString();
      samples.push(at);
      const chars = [...at];
      chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)]!;
      samples.push(chars.join(''));
    }
    for (const s of samples) expect(isIsoMillis(s), s).toBe(roundTrips(s));
  });

  it('is kept as it is when already so written (the same event, not a copy), and written so otherwise', () => {
    const event = { type: 'statement', at: '2026-12-08T03:00:00.123Z', data: {} };
    expect(normalizeEvent(event)).toBe(event);
    expect(normalizeEvent({ ...event, at: '2026-12-08T04:00:00.123+01:00' }).at).toBe('2026-12-08T03:00:00.123Z');
    expect(normalizeEvent({ ...event, at: '2026-12-08T03:00:00Z' }).at).toBe('2026-12-08T03:00:00.000Z');
    const before = Date.now();
    const bad = normalizeEvent({ ...event, at: '2026-02-30T00:00:00.000Z' });
    expect(bad.at).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(normalizeEvent({ ...event, at: 'yesterday' }).at).getTime()).toBeGreaterThanOrEqual(before - 1);
  });
});
