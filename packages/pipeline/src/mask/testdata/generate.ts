/** Seeded generators of valid identifiers (and near misses) for the masking corpus. */
import { ibanMod97, IBAN_LENGTHS } from '../iban';
import { luhn } from '../validate';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const chars = (r: Rand, alphabet: string, n: number) => Array.from({ length: n }, () => pick(r, alphabet.split(''))).join('');
export const digits = (r: Rand, n: number) => chars(r, '0123456789', n);

/** A number with this prefix and length whose last digit makes Luhn pass. */
export function luhnNumber(r: Rand, prefix: string, length: number): string {
  const body = prefix + digits(r, length - prefix.length - 1);
  for (let d = 0; d < 10; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

/** The same number with a check digit that fails Luhn. */
export function breakLuhn(n: string): string {
  const last = Number(n.slice(-1));
  return n.slice(0, -1) + String((last + 1) % 10);
}

export const CARD_SHAPES: readonly (readonly [string, number])[] = [
  ['4', 16],
  ['4', 13],
  ['4', 19],
  ['51', 16],
  ['52', 16],
  ['53', 16],
  ['54', 16],
  ['55', 16],
  ['2221', 16],
  ['2500', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['6011', 19],
  ['65', 16],
  ['644', 16],
  ['649', 16],
  ['622126', 16],
  ['3528', 16],
  ['3589', 16],
  ['3530', 19],
  ['36', 14],
  ['38', 16],
  ['300', 14],
  ['305', 14],
  ['3095', 14],
  ['39', 16],
];

/** `4111 1111 1111 1111`, Amex `3782 822463 10005`, Diners `3056 930902 5904`, other lengths in fours. */
export function grouped(n: string, sep: string): string {
  if (n.length === 15) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  if (n.length === 14) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  return n.match(/.{1,4}/g)!.join(sep);
}

export function ssn(r: Rand, sep = '-'): string {
  let area = int(r, 1, 899);
  if (area === 666) area = 665;
  return [String(area).padStart(3, '0'), String(int(r, 1, 99)).padStart(2, '0'), String(int(r, 1, 9999)).padStart(4, '0')].join(sep);
}

/** A valid IBAN for `country`: a random BBAN (digits, some letters where banks use them) and computed check digits. */
export function iban(r: Rand, country: string): string {
  const len = IBAN_LENGTHS[country]!;
  const letters = ['GB', 'NL', 'IE', 'MT', 'QA', 'BH', 'KW', 'JO', 'MU'].includes(country) ? 4 : 0;
  const bban = chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', letters) + digits(r, len - 4 - letters);
  const check = 98 - ibanMod97(`${country}00${bban}`);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}

export const spacedIban = (compact: string) => compact.match(/.{1,4}/g)!.join(' ');

export const b64url = (s: string) => Buffer.from(s).toString('base64url');

export function jwt(r: Rand, alg = 'HS256'): string {
  const header = b64url(JSON.stringify({ alg, typ: 'JWT', ...(r() < 0.5 ? { kid: chars(r, 'abcdef0123456789', 8) } : {}) }));
  const payload = b64url(JSON.stringify({ sub: digits(r, 10), name: 'Jane Doe', iat: 1_700_000_000 + int(r, 0, 1e6) }));
  const sig = alg === 'none' ? '' : chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', alg.startsWith('RS') ? 342 : 43);
  return `${header}.${payload}.${sig}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A string over `alphabet` with at least one lower-case letter, upper-case letter and digit. */
export function mixed(r: Rand, n: number, alphabet = ALNUM): string {
  for (;;) {
    const s = chars(r, alphabet, n);
    if (/[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s)) return s;
  }
}

export function pem(r: Rand, label: string, lines = 4): string {
  const body = Array.from({ length: lines }, () => chars(r, `${ALNUM}+/`, 64)).join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}

export function uuid(r: Rand): string {
  const h = chars(r, '0123456789abcdef', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${pick(r, ['8', '9', 'a', 'b'])}${h.slice(17, 20)}-${h.slice(20)}`;
}
