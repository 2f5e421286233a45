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

const DIGIT = 256;
const UPPER = 512;
const WORDISH = 1024;
const LETTER = 2048;
/** Per ASCII code: its flag, whether it is a digit or an upper-case letter, and whether it can be part of a token. */
const CLASS = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CLASS[c] =
    (ch === '@'
      ? AT
      : ch === '%'
        ? PERCENT
        : ch === ':'
          ? COLON
          : ch === '.'
            ? DOT
            : ch === '-'
              ? DASH
              : ch === '+'
                ? PLUS
                : ch === ' '
                  ? SPACE
                  : ch === '=' || ch === "'"
                    ? ASSIGN
                    : 0) |
    (/[0-9]/.test(ch) ? DIGIT : 0) |
    (/[A-Z]/.test(ch) ? UPPER : 0) |
    (/[A-Za-z]/.test(ch) ? LETTER : 0) |
    (/[A-Za-z0-9_\-+/=.~]/.test(ch) ? WORDISH : 0);
}

/** `CLASS` for every byte value: a byte of a multi-byte character has none */
const BYTE_CLASS = new Uint16Array(256);
BYTE_CLASS.set(CLASS);

/** Bit per type, so the set of enabled types is one number. */
export const TYPE_BIT: Readonly<Record<PiiType, number>> = Object.fromEntries(PII_TYPES.map((t, i) => [t, 1 << i])) as Record<PiiType, number>;
export const ALL_TYPES = (1 << PII_TYPES.length) - 1;

export interface ScanOptions {
  /** bitmask of `TYPE_BIT`s to look for */
  types: number;
  /** false in columns named like a version, where dotted quads are versions */
  ipv4: boolean;
}

/**
 * The cheap facts one pass over a text gathers (counts of digits, letters, dots and colons, which punctuation occurs,
 * the longest token-like run); which detectors may match depends only on them. A masker keeps one and reuses it.
 */
export class TextFacts {
  digits = 0;
  upper = 0;
  letters = 0;
  dots = 0;
  colons = 0;
  flags = 0;
  longest = 0;
  /** most digits in one stretch of digits, spaces and dashes (a card needs 13, an SSN 9) */
  digitRun = 0;
  /** most letters and digits in one stretch of letters, digits and spaces (an IBAN needs 15) */
  alnumRun = 0;

  /**
   * of the UTF-16 text `text`. This loop and `ofUtf8`'s are the same counting over char codes and over bytes; they
   * stay two loops on purpose: every cell of every row passes here, and one loop over either source would need a call
   * per character or a copy of the cell.
   */
  ofText(text: string): this {
    let digits = 0;
    let upper = 0;
    let dots = 0;
    let colons = 0;
    let letters = 0;
    let flags = 0;
    let run = 0;
    let longest = 0;
    let d = 0;
    let digitRun = 0;
    let a = 0;
    let alnumRun = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : 0;
      flags |= k;
      if (k & DIGIT) {
        digits++;
        if (++d > digitRun) digitRun = d;
        if (++a > alnumRun) alnumRun = a;
      } else if (k & LETTER) {
        letters++;
        if (k & UPPER) upper++;
        d = 0;
        if (++a > alnumRun) alnumRun = a;
      } else if (c !== 32) {
        if (c === 46) dots++;
        else if (c === 58) colons++;
        if (c !== 45) d = 0;
        a = 0;
      }
      if (k & WORDISH) {
        if (++run > longest) longest = run;
      } else run = 0;
    }
    return this.set(digits, upper, letters, dots, colons, flags, longest, digitRun, alnumRun);
  }

  /**
   * of the UTF-8 text `bytes[start, end)`: bytes of multi-byte characters are never digits, letters or punctuation, so
   * these are the facts of the decoded text
   */
  ofUtf8(bytes: Uint8Array, start: number, end: number): this {
    let digits = 0;
    let upper = 0;
    let dots = 0;
    let colons = 0;
    let letters = 0;
    let flags = 0;
    let run = 0;
    let longest = 0;
    let d = 0;
    let digitRun = 0;
    let a = 0;
    let alnumRun = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      const k = c < 128 ? CLASS[c]! : 0;
      flags |= k;
      if (k & DIGIT) {
        digits++;
        if (++d > digitRun) digitRun = d;
        if (++a > alnumRun) alnumRun = a;
      } else if (k & LETTER) {
        letters++;
        if (k & UPPER) upper++;
        d = 0;
        if (++a > alnumRun) alnumRun = a;
      } else if (c !== 32) {
        if (c === 46) dots++;
        else if (c === 58) colons++;
        if (c !== 45) d = 0;
        a = 0;
      }
      if (k & WORDISH) {
        if (++run > longest) longest = run;
      } else run = 0;
    }
    return this.set(digits, upper, letters, dots, colons, flags, longest, digitRun, alnumRun);
  }

  /**
   * of the UTF-8 text `bytes[start, end)`, by a lighter pass: the runs (of digits; of letters and digits) and the
   * letters are not counted but bounded, by the digits and by the length. `candidates` only asks whether a fact
   * reaches a threshold, so what it finds nothing in by these bounds it finds nothing in by the facts themselves;
   * anything else needs `ofUtf8`, whose facts `scan` uses.
   */
  boundsOfUtf8(bytes: Uint8Array, start: number, end: number): this {
    let digits = 0;
    let upper = 0;
    let dots = 0;
    let colons = 0;
    let flags = 0;
    let run = 0;
    let longest = 0;
    for (let i = start; i < end; i++) {
      const k = BYTE_CLASS[bytes[i]!]!;
      flags |= k;
      if (k & DIGIT) digits++;
      else if (k & UPPER) upper++;
      else if (k & DOT) dots++;
      else if (k & COLON) colons++;
      if (k & WORDISH) {
        if (++run > longest) longest = run;
      } else run = 0;
    }
    const len = end - start;
    return this.set(digits, upper, len, dots, colons, flags, longest, digits, len);
  }

  private set(
    digits: number,
    upper: number,
    letters: number,
    dots: number,
    colons: number,
    flags: number,
    longest: number,
    digitRun: number,
    alnumRun: number,
  ): this {
    this.digitRun = digitRun;
    this.alnumRun = alnumRun;
    this.digits = digits;
    this.upper = upper;
    this.letters = letters;
    this.dots = dots;
    this.colons = colons;
    this.flags = flags;
    this.longest = longest;
    return this;
  }
}

/**
 * The detectors that may match a text of `len` characters with these facts: a detector whose bit is clear cannot find
 * anything, so when none is set the text needs no further look. `scan` adds substring checks of its own.
 */
function candidates(len: number, f: TextFacts, options: ScanOptions): number {
  if (len < 6) return 0;
  const { digits, flags } = f;
  const on = options.types;
  let run = 0;
  if (f.longest >= 16) {
    if (flags & DASH) run |= on & TYPE_BIT.private_key;
    if (flags & DOT) run |= on & TYPE_BIT.jwt;
    run |= on & (TYPE_BIT.aws_key | TYPE_BIT.token);
  }
  if (flags & (COLON | ASSIGN)) run |= on & TYPE_BIT.secret;
  if (flags & (AT | PERCENT)) run |= on & TYPE_BIT.email;
  if (f.digitRun >= 13) run |= on & TYPE_BIT.card;
  if (f.digitRun >= 9 && flags & (DASH | SPACE)) run |= on & TYPE_BIT.ssn;
  if (digits >= 6 && f.upper >= 2 && f.alnumRun >= 15) run |= on & TYPE_BIT.iban;
  if (digits >= 7) run |= on & TYPE_BIT.phone;
  // a full IPv6 address has seven colons, a shortened one `::`; times (`12:30:45`) have neither
  if ((digits >= 4 && f.dots >= 3 && options.ipv4) || (digits > 0 && f.colons >= 2)) run |= on & TYPE_BIT.ip;
  return run;
}

/**
 * Whether `scan` could find anything in the UTF-8 text `bytes[start, end)`, decided on the bytes alone: false means
 * the value needs neither decoding nor detectors. The byte length can only exceed the text's length, which keeps the
 * length conditions on the safe side. `facts` receives what the pass found, for `scan` of the decoded text.
 */
export function mayHoldPii(bytes: Uint8Array, start: number, end: number, options: ScanOptions, facts = new TextFacts()): boolean {
  if (end - start < 6) return false;
  // most values (a status, a name, `order 4711 shipped`) are ruled out by the lighter pass's bounds alone
  if (candidates(end - start, facts.boundsOfUtf8(bytes, start, end), options) === 0) return false;
  return candidates(end - start, facts.ofUtf8(bytes, start, end), options) !== 0;
}

/**
 * Spans sorted and merged (overlaps join; the longest detection names the joined span), or null when none. `known`:
 * the facts of this same text, already gathered (by `mayHoldPii` on its bytes), so the text is not gone over again.
 */
export function scan(text: string, options: ScanOptions, known?: TextFacts): PiiSpan[] | null {
  const len = text.length;
  if (len < 6) return null;
  const f = known ?? new TextFacts().ofText(text);
  const may = candidates(len, f, options);
  if (may === 0) return null;
  const { digits, flags } = f;
  const out: PiiSpan[] = [];
  if (may & TYPE_BIT.private_key && text.includes('-----BEGIN ')) findPrivateKeys(text, out);
  if (may & TYPE_BIT.jwt && text.includes('eyJ')) findJwts(text, out);
  if (may & TYPE_BIT.aws_key) findAwsKeys(text, out);
  if (may & TYPE_BIT.token) {
    findPrefixedTokens(text, out);
    if (flags & SPACE && digits > 0) findAuthCredentials(text, out);
  }
  if (may & TYPE_BIT.secret) findAssignedSecrets(text, out);
  if (may & TYPE_BIT.email && (flags & AT || text.includes('%40'))) findEmails(text, out);
  if (may & TYPE_BIT.card) findCards(text, out);
  if (may & TYPE_BIT.ssn) findSsns(text, out);
  if (may & TYPE_BIT.iban) findIbans(text, out);
  if (may & TYPE_BIT.phone) findPhones(text, out, (flags & PLUS) !== 0, digits >= 10, f.letters >= 2);
  if (may & TYPE_BIT.ip) {
    if (digits >= 4 && f.dots >= 3 && options.ipv4) findIpv4(text, out);
    if (digits > 0 && (f.colons >= 7 || (f.colons >= 2 && text.includes('::')))) findIpv6(text, out);
  }
  return out.length === 0 ? null : merge(out);
}

function byStartThenLongest(a: PiiSpan, b: PiiSpan): number {
  return a.start - b.start || b.end - b.start - (a.end - a.start);
}

/** Spans are fresh objects owned by this scan, so they are merged in place. */
function merge(spans: PiiSpan[]): PiiSpan[] {
  if (spans.length === 1) return spans;
  spans.sort(byStartThenLongest);
  const merged: PiiSpan[] = [];
  let cur = spans[0]!;
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
      cur = s;
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
