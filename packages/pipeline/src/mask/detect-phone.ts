/**
 * Phone numbers in free text. Only shapes that are phone numbers in practice are candidates, so amounts, dates,
 * order numbers and versions are never handed to the validator:
 * - international: `+` and a calling code (`+44 20 7946 0958`, `+1 (415) 555-2671`), validated by libphonenumber;
 * - North American with punctuation: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, validated as US;
 * - any national format right after a phone word (`tel`, `phone`, `mobile`, `fax`, `call`, …): 7–15 digits, not a
 *   date or time.
 * Bare digit strings without any of these cues are not phone numbers here; a column named like a phone is masked
 * whole by its name instead.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { PiiSpan } from './types';

const INTERNATIONAL = /(?<![\w+])\+\(?[1-9][\d \-.()/]{5,24}/g;
const NANP = /(?<![\w+(.-])(?:1[-. ])?(?:\(\d{3}\) ?|\d{3}([-. ]))\d{3}([-. ])\d{4}(?![\w-]|\.\d)/g;
const KEYWORD = new RegExp(
  // the word, in the languages seen most
  '(?<![\\w])(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|fax|call|sms|whatsapp|' +
    'telefon|telefone|t[ée]l[ée]phone|handy|m[óo]vil|celular|cellulare)(?![\\w])' +
    // `no.`, `number`, `#`, a colon, then the number
    '(?:\\s{0,2}(?:no\\.?|number|nr\\.?|#))?[.:#]?\\s{0,3}(\\+?\\(?\\d[\\d \\-.()/]{5,22}\\d)',
  'gi',
);
const DATE_OR_TIME = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)|^\d{1,2}:\d{2}/;

const MEMO_LIMIT = 16_384;
/** Validity per exact number. */
const exact = new Map<string, boolean>();
/**
 * Number ranges are allocated by prefix: whether a number is valid practically never depends on its last six digits.
 * A valid number therefore vouches for the others with the same prefix and length (numbers in one result tend to share
 * area codes). Only validity is shared this way, so a number is never let through on another's account: at worst a
 * number the library would reject is masked.
 */
const validPrefixes = new Set<string>();

function remember<K, V>(map: Map<K, V> | Set<K>, key: K, value?: V): void {
  if (map.size >= MEMO_LIMIT) map.clear();
  if (map instanceof Map) map.set(key, value as V);
  else map.add(key);
}

/** libphonenumber validity (number patterns per country and type), for `digits` with or without a calling code. */
function valid(digits: string, region?: 'US'): boolean {
  const key = region ? `${region}:${digits}` : digits;
  const hit = exact.get(key);
  if (hit !== undefined) return hit;
  const prefix = `${key.slice(0, key.length - Math.min(6, digits.length - 4))}/${digits.length}`;
  if (validPrefixes.has(prefix)) return true;
  let ok = false;
  try {
    ok = (region ? parsePhoneNumberFromString(digits, region) : parsePhoneNumberFromString(`+${digits}`))?.isValid() ?? false;
  } catch {
    ok = false;
  }
  remember(exact, key, ok);
  if (ok) remember(validPrefixes, prefix);
  return ok;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWord = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Ends of digit groups inside `[start, end)`, longest first. */
function groupEnds(text: string, start: number, end: number): number[] {
  const ends: number[] = [];
  for (let i = start; i < end; i++) {
    if (isDigit(text.charCodeAt(i)) && (i + 1 === end || !isDigit(text.charCodeAt(i + 1)))) ends.push(i + 1);
  }
  return ends.reverse();
}

function digitsOf(text: string, start: number, end: number): string {
  let d = '';
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) d += text[i];
  }
  return d;
}

/** `plus`, `tenDigits`, `words`: whether the text has a `+`, ten digits, letters (callers know from one pass). */
export function findPhones(text: string, out: PiiSpan[], plus = true, tenDigits = true, words = true): void {
  if (plus) {
    INTERNATIONAL.lastIndex = 0;
    for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
      const end = longestValid(text, m.index, m.index + m[0].length, true);
      if (end > 0) {
        out.push({ start: m.index, end, type: 'phone' });
        INTERNATIONAL.lastIndex = end;
      }
    }
  }
  if (tenDigits) findNanp(text, out);
  if (words) findAfterKeyword(text, out);
}

function findNanp(text: string, out: PiiSpan[]): void {
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
    if (m[1] !== undefined && m[1] !== m[2]) continue;
    if (valid(digitsOf(text, m.index, m.index + m[0].length).replace(/^1(?=\d{10}$)/, ''), 'US')) {
      out.push({ start: m.index, end: m.index + m[0].length, type: 'phone' });
    }
  }
}

function findAfterKeyword(text: string, out: PiiSpan[]): void {
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
    const number = m[1]!;
    if (DATE_OR_TIME.test(number.replace(/^\+/, ''))) continue;
    const start = m.index + m[0].length - number.length;
    const end = longestValid(text, start, start + number.length, false);
    if (end > 0) out.push({ start, end, type: 'phone' });
  }
}

/**
 * The longest prefix of the candidate, cut at a digit group's end, that has 7–15 digits, is not glued to a word and,
 * when `validate`, is a valid international number.
 */
function longestValid(text: string, start: number, end: number, validate: boolean): number {
  for (const e of groupEnds(text, start, end)) {
    if (e < text.length && isWord(text.charCodeAt(e))) continue;
    const d = digitsOf(text, start, e);
    if (d.length > 15) continue;
    if (d.length < 7) return -1;
    if (!validate || valid(d)) return e;
  }
  return -1;
}
