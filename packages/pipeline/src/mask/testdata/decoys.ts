/** Harmless values that look like PII: none of them may be masked, alone or inside a sentence. */
import { b64url, breakLuhn, CARD_SHAPES, chars, digits, grouped, iban, int, luhnNumber, pick, rng, uuid } from './generate';

const r = rng(424242);
const hex = (n: number) => chars(r, '0123456789abcdef', n);

const orderNumbers = [
  ...CARD_SHAPES.flatMap(([prefix, len]) => {
    const bad = breakLuhn(luhnNumber(r, prefix, len));
    return [bad, grouped(breakLuhn(luhnNumber(r, prefix, len)), ' ')];
  }),
  '1234567890123456',
  '0000 0000 0000 0000',
  '9999999999999995',
  '12345678901234567890123',
  '4111111111111111111111',
  'ORD-2024-000123',
  'INV-48213991',
  '#48213991',
  'order 99887766',
  'tracking 1Z999AA10123456784',
  '7700000000000000',
  '1000000000000008',
  '8000 0000 0000 0000 0000',
];

const uuids = Array.from({ length: 25 }, () => uuid(r)).concat(['00000000-0000-0000-0000-000000000000', '123e4567-e89b-12d3-a456-426614174000']);

const dates = [
  '2024-01-15',
  '15/01/2024',
  '01.15.2024',
  '20240115',
  'Jan 15, 2024',
  '2024-01-15T10:20:30Z',
  '2024-01-15 10:20:30.123456+00',
  '2026-11-24 12:00:00+00',
  'Tue, 24 Nov 2026 14:16:26 +0000',
  '1999-12-31T23:59:59.999-08:00',
  '2024-W03-1',
  '2024-015',
  ...Array.from({ length: 15 }, () => `${int(r, 1950, 2030)}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}`),
];

const amounts = [
  '$1,234,567.89',
  '1234567.89',
  '€ 12.345,67',
  '-0.000123',
  '1e10',
  '4111111111111111.00',
  '0.4111111111111111',
  '3.141592653589793',
  '2.718281828459045',
  '1,000,000',
  '12.50',
  '+12.50',
  '+1.5%',
  '-42',
  '99.99 USD',
  '¥123456789',
  '12,345,678,901,234',
  '1234567890.123456',
  '0.30000000000000004',
  '9007199254740993',
  ...Array.from({ length: 10 }, () => `${int(r, 1, 999_999)}.${digits(r, 2)}`),
];

const versions = [
  '1.2.3',
  'v1.2.3.4',
  'V2.0.0.1',
  'version 1.2.3.4',
  'Version: 10.2.0.5',
  'build 4.2.0.17',
  'release 3.1.4.1',
  '10.0.19045.3693',
  '2.0.0-rc.1',
  '1.2.3.4.5',
  'node v20.11.1',
  'libphonenumber-js@1.13.16',
  'pkg@1.0.0',
  'python3.12',
  'go1.22.4',
  'rev 2.1.0.3',
];

const hashes = [
  ...Array.from({ length: 10 }, () => hex(32)),
  ...Array.from({ length: 10 }, () => hex(40)),
  ...Array.from({ length: 10 }, () => hex(64)),
  'a1b2c3d',
  'deadbeefcafebabe',
  `sha256:${hex(64)}`,
  `sha512-${Buffer.from(hex(64), 'hex').toString('base64')}`,
];

const timestamps = ['1700000000', '1700000000123', '1732457786', '12:30:45', '12:30:45.123', '00:00:00', '23:59', 'T10:20:30Z', '1732457786.123456'];

const ssnLike = [
  '000-12-3456',
  '666-12-3456',
  '900-12-3456',
  '999-99-9999',
  '123-00-4567',
  '123-45-0000',
  '123-45-678',
  '1234-56-7890',
  '123-456-789',
  '123456789',
];

const ibanLike = [
  'DE89 3704 0044 0532 0130 01',
  'DE8937040044053201300',
  'GB82 WEST 1234 5698 7654 33',
  'XX89370400440532013000',
  `${iban(r, 'FR').slice(0, -1)}X`,
  'AB12 3456 7890 1234',
  'US64SVBKUS6S3300958879',
  'ISO8601',
  'ES00 0000 0000 0000 0000 0000',
];

const emailLike = [
  'user@localhost',
  'a@b',
  'foo@bar.c',
  'icon@2x.png',
  'logo@3x.jpg',
  '@handle',
  'user@',
  'name at example dot com',
  'git@1.2.3',
  'foo@bar.123',
  '@types/node',
  'x@y.z1',
  'me@-bad.com',
  '.@example..com',
  'foo@bar_baz.com',
];

const phoneLike = [
  '555-123-4567',
  '123-456-7890',
  '#48213991',
  'INV-2024-000123',
  'qty 12 345 678',
  '978-3-16-148410-0',
  '94105-1234',
  '37.7749, -122.4194',
  '(555) 123-4567',
  '+1 555',
  '+0 123 456 7890',
  'call 2024-01-15 10:00',
  'fax 12:30',
  'phone 123',
  '+12',
  '10-20-30-40',
];

const ipLike = [
  '256.1.1.1',
  '1.2.3',
  '01.02.03.04',
  '127.0.0.1',
  '0.0.0.0',
  '255.255.255.255',
  '::1',
  '::',
  'std::vector',
  'a::b',
  'add::bad',
  '00:1a:2b:3c:4d:5e',
  'fe80:',
  '1::2::3',
  '12:34:56',
  '999.1.1.1',
  'Foo::Bar::baz()',
];

const secretLike = [
  'ghp_short',
  'sk-test',
  'sk-blue-widget-large-size-xl',
  'sk-item-2024-blue-widget-large',
  'AKIA1234',
  'AKIAIOSFODNN7EXAMPLEX',
  'akiaiosfodnn7example',
  'eyJhbGciOi.notjson.x',
  `eyJub3RhbGciOiJ4In0.${b64url('{}')}.abc`,
  'Bearer token',
  'bearer of bad news',
  'password reset requested',
  'the secret ingredient',
  'tokens=5',
  'max_tokens: 4096',
  'password: ********',
  '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
  '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----',
  'task-scheduler-main-queue',
  'desk-lamp-2024-XL-black',
  'pk_live_abcdef1234567890ABCDEF',
  'xoxb-',
  `AIza${'x'.repeat(10)}`,
];

const prose = [
  'Customer asked about upgrading to the team plan.',
  'Prefers contact by email.',
  'VIP since 2019; renewal due 2026-09-01',
  'Refunded order #48213 on 2024-03-02',
  'See ticket OPS-1234 and PR #5678',
  'Latency p99 was 123.45 ms at 12:30:45',
  'GET /api/orders/123456 200 57ms',
  'Deployed v1.2.3 to prod at 2024-01-15T10:00:00Z',
  'ratio 3:2, score 10/10',
  'SELECT * FROM customers WHERE id = 42',
  'ERROR: duplicate key value violates unique constraint "customers_pkey"',
  `trace=${hex(32)} span=${hex(16)}`,
  'name: widget, size: XL',
  'The quick brown fox jumps over the lazy dog',
];

export const DECOYS: Readonly<Record<string, readonly string[]>> = {
  orderNumbers,
  uuids,
  dates,
  amounts,
  versions,
  hashes,
  timestamps,
  ssnLike,
  ibanLike,
  emailLike,
  phoneLike,
  ipLike,
  secretLike,
  prose,
};

export const decoyCount = () => Object.values(DECOYS).reduce((n, xs) => n + xs.length, 0);
export { pick };
