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
const KEYWORD =
  /(?<![\w])(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|fax|call|sms|whatsapp|telefon|telefone|t[ée]l[ée]phone|handy|m[óo]vil|celular|cellulare)(?![\w])(?:\s{0,2}(?:no\.?|number|nr\.?|#))?[.:#]?\s{0,3}(\+?\(?\d[\d \-.()/]{5,22}\d)/gi;
const DATE_OR_TIME = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)|^\d{1,2}:\d{2}/;

const MEMO_LIMIT = 8192;
const memo = new Map<string, boolean>();

/** libphonenumber validity (full metadata patterns), memoized per normalized number. */
function valid(e164OrNational: string, region?: 'US'): boolean {
  const key = region ? `${region}:${e164OrNational}` : e164OrNational;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  let ok = false;
  try {
    ok = (region ? parsePhoneNumberFromString(e164OrNational, region) : parsePhoneNumberFromString(e164OrNational))?.isValid() ?? false;
  } catch {
    ok = false;
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, ok);
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

export function findPhones(text: string, out: PiiSpan[]): void {
  if (text.includes('+')) {
    INTERNATIONAL.lastIndex = 0;
    for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
      const end = longestValid(text, m.index, m.index + m[0].length, (d) => d.length >= 7 && d.length <= 15 && valid(`+${d}`));
      if (end > 0) {
        out.push({ start: m.index, end, type: 'phone' });
        INTERNATIONAL.lastIndex = end;
      }
    }
  }
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
    if (m[1] !== undefined && m[1] !== m[2]) continue;
    if (valid(digitsOf(text, m.index, m.index + m[0].length).replace(/^1(?=\d{10}$)/, ''), 'US')) {
      out.push({ start: m.index, end: m.index + m[0].length, type: 'phone' });
    }
  }
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
    const number = m[1]!;
    if (DATE_OR_TIME.test(number.replace(/^\+/, ''))) continue;
    const start = m.index + m[0].length - number.length;
    const end = longestValid(text, start, start + number.length, (d) => d.length >= 7 && d.length <= 15);
    if (end > 0) out.push({ start, end, type: 'phone' });
  }
}

/** The longest prefix of the candidate, cut at a digit group's end, that passes `ok` and is not glued to a word. */
function longestValid(text: string, start: number, end: number, ok: (digits: string) => boolean): number {
  for (const e of groupEnds(text, start, end)) {
    if (e < text.length && isWord(text.charCodeAt(e))) continue;
    const d = digitsOf(text, start, e);
    if (d.length > 15) continue;
    if (d.length < 7) return -1;
    if (ok(d)) return e;
  }
  return -1;
}
