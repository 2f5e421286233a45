import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';
import type { PiiType } from './types';

/** A second, independent corpus: generated cards per brand, positives of every type, look-alike decoys. */

/** Valid card numbers per brand, generated with a correct Luhn digit. */
function card(prefix: string, length: number, seed: number): string {
  let body = prefix;
  let x = seed;
  while (body.length < length - 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    body += String(x % 10);
  }
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

const cards: string[] = [];
for (let i = 0; i < 12; i++) {
  cards.push(
    card('4', 16, i),
    card('4', 13, i + 100),
    card(String(51 + (i % 5)), 16, i),
    card(String(2221 + i * 40), 16, i),
    card(i % 2 ? '34' : '37', 15, i),
    card('6011', 16, i),
    card('3530', 16, i),
    card('36', 14, i),
  );
}
const spaced = cards.slice(0, 20).map((c) => c.replace(/(\d{4})(?=\d)/g, '$1 '));
const dashed = cards.slice(20, 40).map((c) => c.replace(/(\d{4})(?=\d)/g, '$1-'));

const positives: [PiiType, string][] = [
  ...[
    'alice@example.com',
    'bob.smith+tag@mail.example.org',
    'x_y-z@sub.domain.co.uk',
    'UPPER@EXAMPLE.IO',
    'first.last@company.museum',
    'a1@b2.dev',
    "o'neil@example.ie".replace("'", ''),
    'user%test@example.travel',
  ].map((v) => ['email', v] as [PiiType, string]),
  ...Array.from({ length: 40 }, (_, i) => ['email', `user${i}.name@host${i}.example.com`] as [PiiType, string]),
  ...cards.map((v) => ['card', v] as [PiiType, string]),
  ...spaced.map((v) => ['card', v] as [PiiType, string]),
  ...dashed.map((v) => ['card', v] as [PiiType, string]),
  ...['123-45-6789', '078-05-1120', '665-12-3456', '899-99-9999', '001-01-0001', '219-09-9999'].map((v) => ['ssn', v] as [PiiType, string]),
  ...[
    'DE89370400440532013000',
    'GB29NWBK60161331926819',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'ES9121000418450200051332',
    'CH9300762011623852957',
    'GB29 NWBK 6016 1331 9268 19',
    'BE68539007547034',
    'IT60X0542811101000000123456',
    'PL61109010140000071219812874',
  ].map((v) => ['iban', v] as [PiiType, string]),
  ...[
    '+14155552671',
    '+1 415 555 2671',
    '+44 20 7946 0958',
    '+49 30 901820',
    '+33 1 42 68 53 00',
    '+81 3-1234-5678',
    '+61 2 9374 4000',
    '+1 (212) 555-0187',
    '+34 912 345 678',
    '+46 8 123 456 78',
  ].map((v) => ['phone', v] as [PiiType, string]),
  ...[
    '192.168.1.1',
    '10.0.0.254',
    '8.8.8.8',
    '172.16.254.1',
    '203.0.113.7',
    '2001:db8::1',
    'fe80::1ff:fe23:4567:890a',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
    '::ffff:192.0.2.128',
  ].map((v) => ['ip', v] as [PiiType, string]),
  ...['AKIAIOSFODNN7EXAMPLE', 'ASIAJEXAMPLEXEG2JICE', 'AKIA1234567890ABCDEF'].map((v) => ['aws_key', v] as [PiiType, string]),
  [
    'jwt',
    // header . payload . signature
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' +
      'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.' +
      'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  ],
  ['jwt', 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ'],
  ['private_key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabc\n-----END RSA PRIVATE KEY-----'],
  ['private_key', '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----'],
  ['private_key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'],
  ...[
    'ghp_1234567890abcdefghijklmnopqrstuvwxyz',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789',
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx012345',
    'glpat-abcdefghij1234567890',
    'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    'Bearer abcdef0123456789abcdef0123456789',
  ].map((v) => ['token', v] as [PiiType, string]),
];

const decoys: string[] = [
  ...Array.from({ length: 40 }, (_, i) => {
    const c = cards[i]!;
    return c.slice(0, -1) + String((Number(c.slice(-1)) + 1) % 10); // fails Luhn
  }),
  '550e8400-e29b-41d4-a716-446655440000',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  '2026-11-24',
  '2026-11-24T14:02:11.123Z',
  '2026-11-24 14:02:11+00',
  '14:02:11',
  '12:30',
  '1999-12-31',
  '1234.56',
  '-42.5',
  '1,234,567.89',
  '$1,299.00',
  '€ 19,99',
  '100%',
  '0.0001',
  'v1.2.3',
  '1.2.3',
  '10.2.3-beta.1',
  'node-20.11.1',
  'Version 4.2.1',
  'd41d8cd98f00b204e9800998ecf8427e',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'order #12345678',
  'ORD-2026-000123',
  'INV 2026 0042 17',
  'tracking 1Z999AA10123456784',
  'SKU 4006381333931',
  '1700000000000',
  '1700000000',
  '42',
  '9999999999999999999999',
  'user@',
  '@handle',
  'not an email @ all',
  'a@b',
  'name@localhost',
  '000-12-3456',
  '666-12-3456',
  '900-12-3456',
  '123-00-4567',
  '123-45-0000',
  '12-345-6789',
  'DE00370400440532013000',
  'GB00NWBK60161331926819',
  'XX89370400440532013000',
  '256.1.1.1',
  '1.2.3.4.5',
  '999.999.999.999',
  'a:b:c',
  '::',
  'localhost:5432',
  'AKIA123',
  'akiaiosfodnn7example',
  'eyJnotajwt',
  'eyJhbGciOiJIUzI1NiJ9.bad',
  'ghp_short',
  'sk-short',
  'the quick brown fox jumps over the lazy dog',
  'SELECT * FROM customers WHERE id = 42',
  'phone: call me maybe',
  '+1',
  '+12',
  'ISBN 978-3-16-148410-0',
  'doi:10.1000/182',
  'see RFC 7677 section 3',
];

describe('detectors: every positive masked, no decoy touched', () => {
  const m = createMasker();
  it(`has hundreds of values (${positives.length} positives, ${decoys.length} decoys)`, () => {
    expect(positives.length + decoys.length).toBeGreaterThanOrEqual(300);
  });
  it.each(positives)('%s: %s', (type, value) => {
    const r = m.maskText(value);
    expect(r.counts[type]).toBe(1);
    expect(r.text).not.toContain(value);
    // inside free text too
    const inText = m.maskText(`note: ${value} (seen twice) and again ${value}.`);
    expect(inText.counts[type]).toBe(2);
  });
  it.each(decoys)('decoy %s', (value) => {
    expect(m.maskText(value)).toEqual({ text: value, counts: {} });
  });
});

describe('free text', () => {
  it('masks every kind in one string and leaves the rest', () => {
    const m = createMasker();
    const r = m.maskText('refund 4111 1111 1111 1111 for bob@x.io, ssn 123-45-6789, from 10.1.2.3 on 2026-11-24 amount 12.50');
    expect(r.text).toBe('refund [CARD] for [EMAIL], ssn [SSN], from [IP] on 2026-11-24 amount 12.50');
    expect(r.counts).toEqual({ card: 1, email: 1, ssn: 1, ip: 1 });
  });
  it('finishes quickly and correctly on pathological input', () => {
    const m = createMasker();
    const digits = '7'.repeat(100_000);
    expect(m.maskText(digits).text).toBe(digits);
    const ats = '@'.repeat(1_000_000);
    expect(m.maskText(ats).text).toBe(ats);
    const dots = '1.'.repeat(50_000);
    expect(m.maskText(dots).text).toBe(dots);
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 40 }, () => String.fromCharCode(32 + Math.floor(Math.random() * 95))).join('');
      expect(() => m.maskText(s)).not.toThrow();
    }
  });
});
