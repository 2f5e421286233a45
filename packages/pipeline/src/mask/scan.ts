/**
 * Finds PII in text. One pass over the characters gathers cheap facts (digit count, longest word, which punctuation
 * occurs); a detector runs only when those facts allow a match, so the common cell (a status, a name, a sentence
 * without numbers) costs one loop and no regex.
 */
import { findEmails } from './detect-email';
import { findIpv4, findIpv6 } from './detect-network';
import { findCards, findIbans, findSsns } from './detect-numbers';
import { findPhones } from './detect-phone';
import { findAssignedSecrets, findAuthCredentials, findAwsKeys, findJwts, findPrefixedTokens, findPrivateKeys } from './detect-secrets';
import { PII_TYPES, type PiiSpan, type PiiType } from './types';

const AT = 1;
const PERCENT = 2;
const COLON = 4;
const DOT = 8;
const DASH = 16;
const PLUS = 32;
const SPACE = 64;
const ASSIGN = 128; // `=` or `'`

const FLAG = new Uint8Array(128);
const WORDISH = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  FLAG[c] = ch === '@' ? AT : ch === '%' ? PERCENT : ch === ':' ? COLON : ch === '.' ? DOT : ch === '-' ? DASH : ch === '+' ? PLUS : ch === ' ' ? SPACE : ch === '=' || ch === "'" ? ASSIGN : 0;
  WORDISH[c] = /[A-Za-z0-9_\-+/=.~]/.test(ch) ? 1 : 0;
}

/** Bit per type, so the set of enabled types is one number. */
export const TYPE_BIT: Readonly<Record<PiiType, number>> = Object.fromEntries(PII_TYPES.map((t, i) => [t, 1 << i])) as Record<PiiType, number>;
export const ALL_TYPES = (1 << PII_TYPES.length) - 1;

export interface ScanOptions {
  /** bitmask of `TYPE_BIT`s to look for */
  types: number;
  /** false in columns named like a version, where dotted quads are versions */
  ipv4: boolean;
}

/** Spans sorted and merged (overlaps join; the longest detection names the joined span), or null when none. */
export function scan(text: string, options: ScanOptions): PiiSpan[] | null {
  const len = text.length;
  if (len < 6) return null;
  let digits = 0;
  let flags = 0;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      run = 0;
      continue;
    }
    if (c >= 48 && c <= 57) digits++;
    else flags |= FLAG[c]!;
    if (WORDISH[c] === 1) {
      if (++run > longest) longest = run;
    } else run = 0;
  }
  const on = options.types;
  const out: PiiSpan[] = [];
  if (longest >= 16) {
    if (on & TYPE_BIT.private_key && flags & DASH && text.includes('-----BEGIN ')) findPrivateKeys(text, out);
    if (on & TYPE_BIT.jwt && flags & DOT && text.includes('eyJ')) findJwts(text, out);
    if (on & TYPE_BIT.aws_key) findAwsKeys(text, out);
    if (on & TYPE_BIT.token) {
      findPrefixedTokens(text, out);
      if (flags & SPACE && digits > 0) findAuthCredentials(text, out);
    }
  }
  if (on & TYPE_BIT.secret && flags & (COLON | ASSIGN)) findAssignedSecrets(text, out);
  if (on & TYPE_BIT.email && (flags & AT || (flags & PERCENT && text.includes('%40')))) findEmails(text, out);
  if (digits >= 13 && on & TYPE_BIT.card) findCards(text, out);
  if (digits >= 9 && on & TYPE_BIT.ssn && flags & (DASH | SPACE)) findSsns(text, out);
  if (digits >= 6 && len >= 15 && on & TYPE_BIT.iban) findIbans(text, out);
  if (digits >= 7 && on & TYPE_BIT.phone) findPhones(text, out);
  if (on & TYPE_BIT.ip) {
    if (digits >= 4 && flags & DOT && options.ipv4) findIpv4(text, out);
    if (digits > 0 && flags & COLON) findIpv6(text, out);
  }
  return out.length === 0 ? null : merge(out);
}

function merge(spans: PiiSpan[]): PiiSpan[] {
  if (spans.length === 1) return spans;
  spans.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const merged: PiiSpan[] = [];
  let cur = { ...spans[0]! };
  let curLen = cur.end - cur.start;
  for (let i = 1; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.start < cur.end) {
      if (s.end - s.start > curLen) {
        cur.type = s.type;
        curLen = s.end - s.start;
      }
      if (s.end > cur.end) cur.end = s.end;
    } else {
      merged.push(cur);
      cur = { ...s };
      curLen = cur.end - cur.start;
    }
  }
  merged.push(cur);
  return merged;
}

/** Every PII span in `text` (sorted, non-overlapping). The same detectors the maskers use, for other callers. */
export function findPii(text: string, options: { disabledTypes?: readonly PiiType[]; ipv4?: boolean } = {}): PiiSpan[] {
  let types = ALL_TYPES;
  for (const t of options.disabledTypes ?? []) types &= ~TYPE_BIT[t];
  return scan(text, { types, ipv4: options.ipv4 ?? true }) ?? [];
}
