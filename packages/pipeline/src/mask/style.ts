/** What a detected value is replaced with, per style. */
import { createHmac, randomBytes } from 'node:crypto';
import { type MaskStyle, PII_TYPES, type PiiType } from './types';

export const LABELS: Readonly<Record<PiiType, string>> = {
  email: 'EMAIL',
  card: 'CARD',
  ssn: 'SSN',
  iban: 'IBAN',
  phone: 'PHONE',
  ip: 'IP',
  aws_key: 'AWS_KEY',
  jwt: 'JWT',
  private_key: 'PRIVATE_KEY',
  token: 'TOKEN',
  name: 'NAME',
  address: 'ADDRESS',
  dob: 'DOB',
  secret: 'SECRET',
};

/** Hex characters of the HMAC kept in a hash token: 48 bits, so a million distinct values rarely collide. */
const HASH_CHARS = 12;

/** The form that is hashed: formatting differences (`4111 1111…` vs `4111-1111…`, case of an e-mail) do not count. */
function canonical(type: PiiType, value: string): string {
  switch (type) {
    case 'card':
    case 'ssn':
    case 'phone':
      return value.replace(/\D/g, '');
    case 'iban':
      return value.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
    case 'email':
    case 'ip':
      return value.trim().toLowerCase().replace('%40', '@');
    case 'name':
    case 'address':
      return value.trim().toLowerCase().replace(/\s+/g, ' ');
    default:
      return value.trim();
  }
}

const LABEL_TEXT = Object.fromEntries(Object.entries(LABELS).map(([t, l]) => [t, `[${l}]`])) as Record<PiiType, string>;

export class Styler {
  private readonly key: Buffer;
  private readonly styles: Record<PiiType, MaskStyle>;

  constructor(styleOf: (type: PiiType) => MaskStyle, hashKey: string | undefined) {
    this.key = hashKey !== undefined && hashKey.length > 0 ? Buffer.from(hashKey, 'utf8') : randomBytes(32);
    this.styles = Object.fromEntries(PII_TYPES.map((t) => [t, styleOf(t)])) as Record<PiiType, MaskStyle>;
  }

  style(type: PiiType): MaskStyle {
    return this.styles[type];
  }

  /** Replacement of a whole value: null means NULL. */
  whole(type: PiiType, value: string): string | null {
    const style = this.styles[type];
    if (style === 'redact') return LABEL_TEXT[type];
    return style === 'null' ? null : this.render(type, style, value);
  }

  /** Replacement of a match inside longer text, where NULL is not possible: the `null` style redacts. */
  inText(type: PiiType, value: string): string {
    const style = this.styles[type];
    return style === 'redact' || style === 'null' ? LABEL_TEXT[type] : this.render(type, style, value);
  }

  private render(type: PiiType, style: 'partial' | 'hash', value: string): string {
    if (style === 'hash') return `[${LABELS[type]}:${this.hash(type, value)}]`;
    return partial(type, value) ?? LABEL_TEXT[type];
  }

  hash(type: PiiType, value: string): string {
    return createHmac('sha256', this.key).update(type).update('\0').update(canonical(type, value)).digest('hex').slice(0, HASH_CHARS);
  }
}

const stars = (n: number) => '*'.repeat(Math.max(0, n));

/** Digits kept: the last `keep`; other digits become `*`, other characters stay (`+* *** *** 2671`). */
function keepLastDigits(value: string, keep: number): string {
  let seen = 0;
  let out = '';
  for (let i = value.length - 1; i >= 0; i--) {
    const ch = value[i]!;
    if (ch >= '0' && ch <= '9') out = (seen++ < keep ? ch : '*') + out;
    else out = ch + out;
  }
  return out;
}

/** The part that may be shown, or null when a type has none (the value is then redacted). */
export function partial(type: PiiType, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'email': {
      const at = v.lastIndexOf('@') >= 0 ? v.lastIndexOf('@') : v.indexOf('%40');
      if (at <= 0) return null;
      const domainAt = v[at] === '@' ? at + 1 : at + 3;
      return `${v[0]}****@${v.slice(domainAt)}`;
    }
    case 'card': {
      const digits = v.replace(/\D/g, '');
      if (digits.length < 12) return stars(digits.length) || null;
      return stars(digits.length - 4) + digits.slice(-4);
    }
    case 'phone': {
      const count = v.replace(/\D/g, '').length;
      return count >= 7 ? keepLastDigits(v, 4) : null;
    }
    case 'ssn': {
      const digits = v.replace(/\D/g, '');
      return digits.length === 9 ? `***-**-${digits.slice(-4)}` : null;
    }
    case 'iban': {
      const compact = v.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      return compact.length >= 12 ? compact.slice(0, 2) + stars(compact.length - 6) + compact.slice(-4) : null;
    }
    case 'ip': {
      const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(v);
      if (v4) return `${v4[1]}.${v4[2]}.*.*`;
      const groups = v.split(':');
      return v.includes(':') && groups.length >= 3 && groups[0] !== '' ? `${groups[0]}:${groups[1] || '0'}:*` : null;
    }
    case 'aws_key':
      return v.length === 20 ? v.slice(0, 4) + stars(16) : null;
    case 'token': {
      const prefix = /^(?:github_pat_|[a-z]{2,6}[_-](?:(?:live|test|proj|ant)[_-])?|AIza|SG\.)/.exec(v);
      return prefix ? `${prefix[0]}****` : null;
    }
    case 'name': {
      const words = v.split(/\s+/).filter(Boolean);
      return words.length > 0 ? words.map((w) => `${w[0]}***`).join(' ') : null;
    }
    case 'dob': {
      const iso = /^(\d{4})-\d{1,2}-\d{1,2}/.exec(v);
      if (iso) return `${iso[1]}-**-**`;
      const local = /^\d{1,2}[/.-]\d{1,2}[/.-](\d{4})$/.exec(v);
      return local ? `**/**/${local[1]}` : null;
    }
    default:
      return null;
  }
}
