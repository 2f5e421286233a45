import { isIPv4, isIPv6 } from 'node:net';
import { isPossiblePhoneNumber, isValidPhoneNumber } from 'libphonenumber-js';

export type PiiType =
  | 'email' | 'card' | 'ssn' | 'iban' | 'phone' | 'ip' | 'aws_key' | 'jwt' | 'private_key' | 'token'
  | 'name' | 'address' | 'dob' | 'secret';

/** A value pattern plus the check that confirms a match (a pattern alone is never enough). */
export interface Detector {
  type: PiiType;
  /** cheap test on the whole text: false means this detector cannot match anywhere in it */
  maybe(text: string, digits: number): boolean;
  pattern: RegExp;
  valid(match: string): boolean;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Card brands by prefix and length: Visa, Mastercard (51–55, 2221–2720), Amex, Discover, JCB, Diners. */
export function cardBrand(d: string): string | null {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (n === 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))) return 'mastercard';
  if (n === 15 && (p2 === 34 || p2 === 37)) return 'amex';
  if ((n === 16 || n === 19) && (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925))) return 'discover';
  if (n >= 16 && n <= 19 && p4 >= 3528 && p4 <= 3589) return 'jcb';
  if ((n === 14 && (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305))) || (n === 16 && (p2 === 54 || p2 === 55))) return 'diners';
  return null;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

export function validIban(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const c of v) rem = (rem * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

export function validSsn(s: string): boolean {
  const m = /^(\d{3})-?(\d{2})-?(\d{4})$/.exec(s);
  if (!m) return false;
  const area = Number(m[1]);
  return area !== 0 && area !== 666 && area < 900 && m[2] !== '00' && m[3] !== '0000';
}

function validJwt(s: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(s.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string';
  } catch {
    return false;
  }
}

const hasAny = (text: string, needles: string[]) => needles.some((n) => text.includes(n));

/** libphonenumber is thorough and slow (tens of µs); columns repeat numbers, so answers are kept (bounded). */
const phoneAnswers = new Map<string, boolean>();
function cachedPhoneCheck(m: string): boolean {
  let ok = phoneAnswers.get(m);
  if (ok === undefined) {
    ok = isPossiblePhoneNumber(m) && (m.replace(/\D/g, '').length >= 10 || isValidPhoneNumber(m));
    if (phoneAnswers.size >= 50_000) phoneAnswers.clear();
    phoneAnswers.set(m, ok);
  }
  return ok;
}

/** In the order they run: longer, more specific shapes first, so a JWT is not read as an e-mail or a card. */
export const DETECTORS: Detector[] = [
  {
    type: 'private_key',
    maybe: (t) => t.includes('PRIVATE KEY-----'),
    pattern: /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----[\s\S]{0,20000}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----/g,
    valid: () => true,
  },
  {
    type: 'jwt',
    maybe: (t) => t.includes('eyJ'),
    pattern: /\beyJ[A-Za-z0-9_-]{4,2000}\.[A-Za-z0-9_-]{4,8000}\.[A-Za-z0-9_-]{4,2000}/g,
    valid: validJwt,
  },
  {
    type: 'token',
    maybe: (t) => hasAny(t, ['_', '-', 'AIza', 'earer']),
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abposr]-[A-Za-z0-9-]{10,200}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,200}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}|glpat-[A-Za-z0-9_-]{20,100}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})\b|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,4000}=*/g,
    valid: () => true,
  },
  {
    type: 'aws_key',
    maybe: (t) => hasAny(t, ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA']),
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
    valid: () => true,
  },
  {
    type: 'email',
    maybe: (t) => t.includes('@'),
    // the local part starts after a character that cannot belong to it, so the scan does not retry at every letter
    pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}\b/g,
    valid: (m) => !m.includes('..'),
  },
  {
    type: 'iban',
    maybe: (_t, digits) => digits >= 8,
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    valid: validIban,
  },
  {
    type: 'card',
    maybe: (_t, digits) => digits >= 13,
    pattern: /(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d.,]\d)/g,
    valid: (m) => {
      const d = m.replace(/[ -]/g, '');
      // separators must be consistent: all spaces, all dashes, or none
      if (/ /.test(m) && /-/.test(m)) return false;
      return d.length >= 13 && d.length <= 19 && luhn(d) && cardBrand(d) !== null;
    },
  },
  {
    type: 'ssn',
    maybe: (_t, digits) => digits >= 9,
    pattern: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g,
    valid: validSsn,
  },
  {
    type: 'phone',
    maybe: (t, digits) => digits >= 7 && t.includes('+'),
    pattern: /(?<![\w+])\+[1-9](?:[ .()-]{0,2}\d){6,14}(?!\d)/g,
    valid: (m) => cachedPhoneCheck(m),
  },
  {
    type: 'ip',
    maybe: (t, digits) => (digits >= 4 && t.includes('.')) || t.includes(':'),
    pattern: /(?<![\w.:])(?:(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:(?:\d{1,3}\.){3}\d{1,3})?)(?![\w:]|\.\d)/g,
    valid: (m) => (isIPv4(m) && m !== '0.0.0.0') || (m.includes(':') && isIPv6(m) && m.length > 2),
  },
];

export function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
