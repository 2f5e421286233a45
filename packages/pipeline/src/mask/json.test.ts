import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';

describe('maskJson', () => {
  const m = createMasker();

  it('masks by key names, deep, and by values elsewhere', () => {
    const input = {
      user: { first_name: 'Alice', lastName: 'Smith', email: 'alice@example.com', dob: '1990-04-01', plan: 'pro' },
      contacts: [{ name: 'Bob', phone: '+1 415 555 2671' }],
      logs: ['login from 203.0.113.7', 'ok'],
      auth: { password: 'hunter2', apiKey: 12345 },
      card: 4111111111111111,
      total: 42.5,
      active: true,
      nothing: null,
    };
    const { value, counts } = m.maskJson(input);
    expect(value).toEqual({
      user: { first_name: '[NAME]', lastName: '[NAME]', email: '[EMAIL]', dob: '[DOB]', plan: 'pro' },
      contacts: [{ name: '[NAME]', phone: '[PHONE]' }],
      logs: ['login from [IP]', 'ok'],
      auth: { password: '[SECRET]', apiKey: '[SECRET]' },
      card: '[CARD]',
      total: 42.5,
      active: true,
      nothing: null,
    });
    expect(counts).toEqual({ name: 3, email: 1, dob: 1, phone: 1, ip: 1, secret: 2, card: 1 });
  });

  it('treats `name` as a person only in an object about a person', () => {
    expect(m.maskJson({ metadata: { name: 'nginx', namespace: 'default' } }).value).toEqual({ metadata: { name: 'nginx', namespace: 'default' } });
    expect(m.maskJson({ name: 'widget', price: 3 }).value).toEqual({ name: 'widget', price: 3 });
    expect(m.maskJson({ customers: [{ name: 'Alice' }] }).value).toEqual({ customers: [{ name: '[NAME]' }] });
    expect(m.maskJson({ name: 'Alice', email: 'a@b.io' }).value).toEqual({ name: '[NAME]', email: '[EMAIL]' });
  });

  it('masks a whole subtree under a PII key, unless a deeper key says otherwise', () => {
    expect(m.maskJson({ address: { line1: '1 Main St', city: 'Springfield', verified: true } }).value).toEqual({
      address: { line1: '[ADDRESS]', city: '[ADDRESS]', verified: true },
    });
  });

  it('masks PII used as keys and keeps colliding keys apart', () => {
    expect(m.maskJson({ 'a@b.io': 1, 'c@d.io': 2 }).value).toEqual({ '[EMAIL]': 1, '[EMAIL]#2': 2 });
  });

  it('returns the very same value when nothing changed, and never mutates its input', () => {
    const clean = { a: [1, 2, { b: 'c' }], d: 'e' };
    expect(m.maskJson(clean).value).toBe(clean);
    const dirty = { a: { b: 'x@y.io' }, keep: { z: 1 } };
    const copy = structuredClone(dirty);
    const out = m.maskJson(dirty).value as typeof dirty;
    expect(dirty).toEqual(copy);
    expect(out.keep).toBe(dirty.keep);
  });

  it('survives very deep documents', () => {
    let deep: unknown = 'bob@x.io';
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(() => m.maskJson(deep)).not.toThrow();
  });
});

describe('maskDocument', () => {
  const m = createMasker({ styles: { email: 'null' } });

  it('reads a JSON document as JSON: escapes decoded, keys heard, long integers kept exact, null style as in JSON', () => {
    const text = '{"contact":"bob\\u0040example.com","ssn":"123-45-6789","id":12345678901234567890,"ok":true}';
    const { text: out, counts } = m.maskDocument(text);
    expect(JSON.parse(out.replace(/12345678901234567890/, '0'))).toEqual({ contact: null, ssn: '[SSN]', id: 0, ok: true });
    expect(out).toContain('"id":12345678901234567890');
    expect(counts).toEqual({ email: 1, ssn: 1 });
  });

  it('searches other text as free text: never null, a whole-value match replaced in place', () => {
    expect(m.maskDocument('bob@example.com')).toEqual({ text: '[EMAIL]', counts: { email: 1 } });
    expect(m.maskDocument('{"broken": bob@example.com').text).toBe('{"broken": [EMAIL]');
    expect(m.maskDocument('4111111111111111').text).toBe('[CARD]');
  });

  it('gives the very same text back when nothing is found', () => {
    const text = '{\n  "a": [1, 2]\n}';
    expect(m.maskDocument(text).text).toBe(text);
  });
});
