import { describe, expect, it } from 'vitest';
import { createMasker } from '../mask/masker';
import { JsonStreamMasker, MAX_JSON_TOKEN } from './json-stream';
import { sseLineMasker, TextStreamMasker } from './text-stream';

const maskers = (config = {}) => {
  const m = createMasker({ hashKey: 'k', ...config });
  return { columnMasker: (c: Parameters<typeof m.columnMasker>[0]) => m.columnMasker(c), maskText: (t: string) => m.maskText(t).text };
};

/** the body masked when it arrives in pieces cut at `cuts` */
function masked(body: string, cuts: number[] = [], config = {}): string {
  const s = new JsonStreamMasker(maskers(config));
  const bytes = Buffer.from(body);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(s.push(bytes.subarray(at, c)));
    at = c;
  }
  out.push(s.end());
  return Buffer.concat(out).toString('utf8');
}

const doc = JSON.stringify({
  invoices: [
    { id: 1, customer: { name: 'Ann Lee', email: 'ann@example.com' }, note: 'call 415-555-0100 or mail bob@corp.io', card: 4111111111111111, total: 12.5 },
    { id: 2, customer: { name: 'Bo', email: null }, tags: ['x'], ok: true },
  ],
  next: null,
});

describe('JSON masked as it streams', () => {
  it('masks by key names and values, and the same whatever the pieces', () => {
    const whole = masked(doc);
    const v = JSON.parse(whole);
    expect(v.invoices[0].customer.email).toBe('[EMAIL]');
    expect(v.invoices[0].customer.name).not.toBe('Ann Lee');
    expect(v.invoices[0].note).not.toContain('bob@corp.io');
    expect(v.invoices[0].card).not.toBe(4111111111111111);
    expect(v.invoices[0].total).toBe(12.5);
    expect(v.invoices[1]).toMatchObject({ id: 2, tags: ['x'], ok: true });
    expect(v.next).toBeNull();
    const n = Buffer.byteLength(doc);
    for (let i = 1; i < n; i += 3) expect(masked(doc, [i])).toBe(whole);
    expect(
      masked(
        doc,
        Array.from({ length: n - 1 }, (_, i) => i + 1),
      ),
    ).toBe(whole);
  });

  it('reads escaped keys and values as their characters, and passes allow-listed keys', () => {
    expect(JSON.parse(masked('{"em\\u0061il":"a@b.io"}'))).toEqual({ email: '[EMAIL]' });
    expect(JSON.parse(masked('{"x":"ann\\u0040example.com"}')).x).not.toContain('example.com');
    expect(JSON.parse(masked('{"email":"a@b.io","contact":{"email":"c@d.io"}}', [], { allowColumns: ['contact'] }))).toEqual({
      email: '[EMAIL]',
      contact: { email: 'c@d.io' },
    });
    expect(masked('{"a@b.io": 1}')).not.toContain('a@b.io');
  });

  it('reads NDJSON and falls back to text when the body stops being JSON', () => {
    const nd = masked('{"email":"a@b.io"}\n{"email":"c@d.io"}\n');
    expect(
      nd
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).email),
    ).toEqual(['[EMAIL]', '[EMAIL]']);
    const broken = masked('{"a": 1} oops mail me at x@y.io\n');
    expect(broken).toContain('{"a": 1}');
    expect(broken).not.toContain('x@y.io');
    expect(masked('{"note":"unterminated x@y.io')).not.toContain('x@y.io');
  });

  it('refuses to hold one value over the limit', () => {
    const s = new JsonStreamMasker(maskers(), 1024);
    expect(() => s.push(Buffer.from(`["${'a'.repeat(2000)}"]`))).toThrow(/over/);
    expect(MAX_JSON_TOKEN).toBeGreaterThan(1024);
  });
});

describe('text and event streams masked as they stream', () => {
  it('masks whole lines, emitted at each line end', () => {
    const m = maskers();
    const t = new TextStreamMasker(m.maskText);
    expect(t.push(Buffer.from('hello bob@ex')).toString()).toBe('');
    expect(t.push(Buffer.from('ample.com\nnext')).toString()).toBe('hello [EMAIL]\n');
    expect(t.end().toString()).toBe('next');
    const long = new TextStreamMasker(m.maskText, 16);
    expect(long.push(Buffer.from('é'.repeat(20))).length).toBeGreaterThan(0);
  });

  it('masks SSE data payloads as JSON documents', () => {
    const m = maskers();
    const doc = (text: string) => {
      const s = new JsonStreamMasker(m);
      return Buffer.concat([s.push(Buffer.from(text)), s.end()]).toString();
    };
    const line = sseLineMasker(doc, m.maskText);
    expect(line('data: {"email":"a@b.io"}\n')).toBe('data: {"email":"[EMAIL]"}\n');
    expect(line('event: update\n')).toBe('event: update\n');
    expect(line('data: plain c@d.io\r\n')).toBe('data: plain [EMAIL]\r\n');
  });
});
