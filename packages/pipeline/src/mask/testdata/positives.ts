/**
 * Values each detector must find in free text: generated (valid checksums and ranges) and hand-written shapes.
 * Each value is expected to be replaced exactly, nothing more and nothing less, wherever it sits in a sentence.
 */
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountries, getExampleNumber } from 'libphonenumber-js/min';
import type { PiiType } from '../types';
import { CARD_SHAPES, chars, digits, grouped, iban, int, jwt, luhnNumber, mixed, pem, pick, rng, spacedIban, ssn } from './generate';

const r = rng(20261124);

const emails = [
  'alice@example.com',
  'bob@x.io',
  'Jane.Doe@Example.COM',
  'j.doe+billing@mail.example.co.uk',
  "o'brien@example.ie",
  'first_last@sub.domain.example.org',
  'user-1999@company.technology',
  'x@y.museum',
  'ops@xn--80ak6aa92e.com',
  'test.user@xn--e1afmkfd.xn--p1ai',
  'a@b.co',
  'support@hoop.dev',
  'CAPS@EXAMPLE.NET',
  'n.ame123@e-x-a-m-p-l-e.de',
  'bob%40example.com',
  ...Array.from(
    { length: 35 },
    () =>
      `${chars(r, 'abcdefghijklmnopqrstuvwxyz', int(r, 1, 12))}${pick(r, ['', '.', '_', '+', '-'])}${digits(r, int(r, 0, 4))}@` +
      `${chars(r, 'abcdefghijklmnopqrstuvwxyz', int(r, 2, 10))}.` +
      `${pick(r, ['com', 'org', 'net', 'io', 'dev', 'co.uk', 'com.br', 'de', 'fr', 'app', 'email'])}`,
  ),
];

const cards = CARD_SHAPES.flatMap(([prefix, len]) => {
  const a = luhnNumber(r, prefix, len);
  const b = luhnNumber(r, prefix, len);
  const c = luhnNumber(r, prefix, len);
  return [a, grouped(b, ' '), grouped(c, '-')];
});
cards.push(
  '4111111111111111',
  '4111 1111 1111 1111',
  '4242-4242-4242-4242',
  '5555555555554444',
  '378282246310005',
  '3782 822463 10005',
  '6011111111111117',
  '3530111333300000',
  '30569309025904',
);

const ssns = [...Array.from({ length: 40 }, () => ssn(r)), ...Array.from({ length: 10 }, () => ssn(r, ' ')), '123-45-6789', '078-05-1120', '899-99-9999'];

const ibanCountries = [
  'DE',
  'GB',
  'FR',
  'ES',
  'IT',
  'NL',
  'BE',
  'CH',
  'AT',
  'PL',
  'SE',
  'NO',
  'DK',
  'FI',
  'IE',
  'PT',
  'LU',
  'MT',
  'SA',
  'BR',
  'TR',
  'QA',
  'KW',
  'RO',
  'CZ',
];
const ibans = [
  ...ibanCountries.flatMap((c) => {
    const x = iban(r, c);
    return [x, spacedIban(iban(r, c))];
  }),
  'DE89 3704 0044 0532 0130 00',
  'GB82 WEST 1234 5698 7654 32',
  'GB82WEST12345698765432',
  'FR14 2004 1010 0505 0001 3M02 606',
  'NO9386011117947',
];

/** libphonenumber's example mobile number of every country, international and E.164. */
const phones: string[] = [];
for (const country of getCountries()) {
  const n = getExampleNumber(country, examples);
  if (n) phones.push(n.formatInternational(), n.number);
}
phones.push(
  '+1 (415) 555-2671',
  '+1-415-555-2671',
  '+44 20 7946 0958',
  '+33 1 42 68 53 00',
  '+49 30 901820',
  '(415) 555-2671',
  '415-555-2671',
  '415.555.2671',
  '1-800-555-0199',
  '(212) 555 0147',
);

const ips = [
  ...Array.from({ length: 30 }, () => [int(r, 1, 223), int(r, 0, 255), int(r, 0, 255), int(r, 1, 254)].join('.')).filter((x) => !x.startsWith('127.')),
  '10.0.0.1',
  '192.168.1.20',
  '172.16.254.3',
  '8.8.8.8',
  '255.255.255.0',
  '100.64.0.1',
  '2001:db8::8a2e:370:7334',
  '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  'fe80::1ff:fe23:4567:890a',
  '2606:4700:4700::1111',
  '::ffff:192.0.2.128',
  '2001:db8:0:0:1:0:0:1',
  'fd12:3456:789a:1::1',
  '2a00:1450:4009:81f::200e',
];

const awsKeys = [
  'AKIAIOSFODNN7EXAMPLE',
  'ASIAY34FZKBOKMUTVV7A',
  ...Array.from({ length: 20 }, () => `${pick(r, ['AKIA', 'ASIA'])}${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`),
];

const jwts = [
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  ...Array.from({ length: 12 }, () => jwt(r, pick(r, ['HS256', 'RS256', 'ES256', 'EdDSA', 'PS512']))),
  jwt(r, 'none'),
];

const privateKeys = [
  pem(r, 'RSA PRIVATE KEY'),
  pem(r, 'PRIVATE KEY', 10),
  pem(r, 'EC PRIVATE KEY', 3),
  pem(r, 'OPENSSH PRIVATE KEY', 6),
  pem(r, 'ENCRYPTED PRIVATE KEY'),
  pem(r, 'DSA PRIVATE KEY', 2),
  pem(r, 'PGP PRIVATE KEY BLOCK', 5),
  pem(r, 'RSA PRIVATE KEY').replace(/\n/g, '\\n'),
];

const tokens = [
  `ghp_${mixed(r, 36)}`,
  `gho_${mixed(r, 36)}`,
  `ghu_${mixed(r, 36)}`,
  `ghs_${mixed(r, 36)}`,
  `ghr_${mixed(r, 36)}`,
  `github_pat_${mixed(r, 22)}_${mixed(r, 59)}`,
  `xoxb-${digits(r, 12)}-${digits(r, 13)}-${mixed(r, 24)}`,
  `xoxp-${digits(r, 12)}-${digits(r, 12)}-${digits(r, 12)}-${chars(r, 'abcdef0123456789', 32)}`,
  `xoxa-2-${mixed(r, 30)}`,
  `xoxs-${mixed(r, 40)}`,
  `xapp-1-${mixed(r, 11)}-${digits(r, 13)}-${chars(r, 'abcdef0123456789', 64)}`,
  `sk_live_${mixed(r, 24)}`,
  `sk_live_${mixed(r, 99)}`,
  `rk_live_${mixed(r, 24)}`,
  `sk_test_${mixed(r, 24)}`,
  `sk-${mixed(r, 48)}`,
  `sk-proj-${mixed(r, 64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`,
  `sk-ant-api03-${mixed(r, 93, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}AA`,
  `glpat-${mixed(r, 20)}`,
  `AIza${mixed(r, 35)}`,
  `npm_${mixed(r, 36)}`,
  `hf_${mixed(r, 34)}`,
  `SG.${mixed(r, 22)}.${mixed(r, 43)}`,
  `shpat_${chars(r, 'abcdef0123456789', 32)}`,
  ...Array.from({ length: 10 }, () => `ghp_${mixed(r, 36)}`),
  ...Array.from({ length: 10 }, () => `sk-${mixed(r, int(r, 32, 60))}`),
];

export const POSITIVES: Readonly<Partial<Record<PiiType, readonly string[]>>> = {
  email: emails,
  card: cards,
  ssn: ssns,
  iban: ibans,
  phone: phones,
  ip: ips,
  aws_key: awsKeys,
  jwt: jwts,
  private_key: privateKeys,
  token: tokens,
};

/** Credentials whose surroundings stay: input → expected output. */
export const IN_CONTEXT: readonly (readonly [string, string])[] = [
  ['Authorization: Bearer abcDEF1234567890xyz', 'Authorization: Bearer [TOKEN]'],
  ['authorization: bearer 0123456789abcdef0123', 'authorization: bearer [TOKEN]'],
  ['Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==', 'Authorization: Basic [TOKEN]'],
  ['DB_PASSWORD=hunter2', 'DB_PASSWORD=[SECRET]'],
  ['password: correct-horse', 'password: [SECRET]'],
  ['{"api_key": "k-1234-abcd"}', '{"api_key": "[SECRET]"}'],
  ["client_secret='s3cr3t!'", "client_secret='[SECRET]'"],
  ['https://api.example.com/x?access_token=abc123&x=1', 'https://api.example.com/x?access_token=[SECRET]&x=1'],
  ['postgres://app:s3cr3t@db.internal:5432/main', 'postgres://app:[SECRET]@db.internal:5432/main'],
  ["ALTER ROLE app PASSWORD 'pa55w0rd'", "ALTER ROLE app PASSWORD '[SECRET]'"],
  ["CREATE USER 'bob'@'%' IDENTIFIED BY 'Tr0ub4dor'", "CREATE USER 'bob'@'%' IDENTIFIED BY '[SECRET]'"],
  ['token=deadbeefcafe', 'token=[SECRET]'],
  ['refund 4111 1111 1111 1111 for bob@x.io', 'refund [CARD] for [EMAIL]'],
  ['card 4111111111111111, exp 12/27', 'card [CARD], exp 12/27'],
  ['7,4111111111111111,2027', '7,[CARD],2027'],
  ['8,ann,4111 1111 1111 1111,12/27', '8,ann,[CARD],12/27'],
  ['ref 2024-01-15 4111-1111-1111-1111.', 'ref 2024-01-15 [CARD].'],
  ['ids 1234 4111 1111 1111 1111 5678', 'ids 1234 [CARD] 5678'],
  ['<bob@example.com>', '<[EMAIL]>'],
  ['mailto:bob@example.com?subject=hi', 'mailto:[EMAIL]?subject=hi'],
  ['tel:+14155552671', 'tel:[PHONE]'],
  ['call me on tel: 020 7946 0958 tomorrow', 'call me on tel: [PHONE] tomorrow'],
  ['Mobile: 06 12 34 56 78', 'Mobile: [PHONE]'],
  ['connect from 10.1.2.3:5432 failed', 'connect from [IP]:5432 failed'],
  ['[2001:db8::1]:8080', '[[IP]]:8080'],
  ['key=AKIAIOSFODNN7EXAMPLE;', 'key=[AWS_KEY];'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '[PRIVATE_KEY]'],
];
