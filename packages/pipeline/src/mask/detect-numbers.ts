/** Payment cards, US SSNs and IBANs: candidates by shape, kept only when their checksum or ranges validate. */
import { IBAN_LENGTHS, isIban } from './iban';
import type { PiiSpan } from './types';
import { isCardNumber, isSsn } from './validate';

/** Runs of digit groups joined by single spaces or dashes. */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigitCode = (c: number) => c >= 48 && c <= 57;

/**
 * Card numbers written plain (`4111111111111111`) or in groups (`4111 1111 1111 1111`, `3782-822463-10005`).
 * Inside a longer run of groups every window that starts and ends on a group boundary is tried, so a card next to
 * other numbers is still found. A window glued to letters (hex hashes, identifiers) or part of a decimal number is not.
 */
export function findCards(text: string, out: PiiSpan[]): void {
  DIGIT_RUN.lastIndex = 0;
  for (let m = DIGIT_RUN.exec(text); m !== null; m = DIGIT_RUN.exec(text)) {
    const run = m[0];
    if (run.length < 13) continue;
    if (run.length <= 19 && isDigitCode(run.charCodeAt(run.length - 1)) && !/[ -]/.test(run)) {
      // one plain group, the common case
      if (cardBoundary(text, m.index, m.index + run.length) && isCardNumber(run)) out.push({ start: m.index, end: m.index + run.length, type: 'card' });
      continue;
    }
    const starts: number[] = [];
    const lens: number[] = [];
    let s = 0;
    for (let i = 0; i <= run.length; i++) {
      if (i === run.length || !isDigitCode(run.charCodeAt(i))) {
        starts.push(m.index + s);
        lens.push(i - s);
        s = i + 1;
      }
    }
    scanWindows(text, run.replace(/[ -]/g, ''), starts, lens, out);
  }
}

/** Tries the windows of a run of groups (`compact` is the run's digits), longest valid one first at each start. */
function scanWindows(text: string, compact: string, starts: number[], lens: number[], out: PiiSpan[]): void {
  if (compact.length < 13) return;
  let g = 0;
  let offset = 0;
  while (g < starts.length) {
    let found = -1;
    let total = 0;
    for (let h = g; h < starts.length && total + lens[h]! <= 19; h++) {
      total += lens[h]!;
      if (total < 13 || !groupingOk(lens, g, h)) continue;
      const start = starts[g]!;
      const end = starts[h]! + lens[h]!;
      if (cardBoundary(text, start, end) && isCardNumber(compact.slice(offset, offset + total))) found = h;
    }
    if (found < 0) {
      offset += lens[g]!;
      g++;
      continue;
    }
    out.push({ start: starts[g]!, end: starts[found]! + lens[found]!, type: 'card' });
    for (; g <= found; g++) offset += lens[g]!;
  }
}

/** One plain group, groups of four with a shorter last one, or the Amex/Diners 4-6-5 and 4-6-4 layouts. */
function groupingOk(lens: number[], g: number, h: number): boolean {
  if (g === h) return true;
  const n = h - g + 1;
  if (n === 3 && lens[g] === 4 && lens[g + 1] === 6 && (lens[h] === 5 || lens[h] === 4)) return true;
  if (n === 4 && lens[g] === 4 && lens[g + 1] === 3 && lens[g + 2] === 3 && lens[h] === 3) return true;
  for (let i = g; i < h; i++) if (lens[i] !== 4) return false;
  return lens[h]! >= 1 && lens[h]! <= 4;
}

function cardBoundary(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : -1;
  const after = end < text.length ? text.charCodeAt(end) : -1;
  if (isWordCode(before) || isWordCode(after)) return false;
  // a fraction (`0.4111…`) or a number with decimals (`4111….50`); a comma is a field's end in CSV (`7,4111…,2027`)
  if (before === 46 && start > 1 && isDigitCode(text.charCodeAt(start - 2))) return false;
  if (after === 46 && end + 1 < text.length && isDigitCode(text.charCodeAt(end + 1))) return false;
  return true;
}

/** `123-45-6789` or `123 45 6789` (the same separator twice); plain nine digits only count in an `ssn` column. */
const SSN = /(?<![\w.-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;

export function findSsns(text: string, out: PiiSpan[]): void {
  SSN.lastIndex = 0;
  for (let m = SSN.exec(text); m !== null; m = SSN.exec(text)) {
    if (isSsn(m[1]!, m[3]!, m[4]!)) out.push({ start: m.index, end: m.index + m[0].length, type: 'ssn' });
  }
}

const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?= ?[A-Za-z0-9])/g;

/** Country code and check digits, then exactly the country's length of letters and digits, single spaces allowed. */
export function findIbans(text: string, out: PiiSpan[]): void {
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m !== null; m = IBAN_START.exec(text)) {
    const len = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
    if (len === undefined) continue;
    let compact = m[0].toUpperCase();
    let i = m.index + 4;
    while (compact.length < len && i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 && i + 1 < text.length && isWordCode(text.charCodeAt(i + 1)) && text.charCodeAt(i + 1) !== 95) {
        i++;
        continue;
      }
      if (!isWordCode(c) || c === 95) break;
      compact += text[i]!.toUpperCase();
      i++;
    }
    if (compact.length !== len || (i < text.length && isWordCode(text.charCodeAt(i)))) continue;
    if (!isIban(compact)) continue;
    out.push({ start: m.index, end: i, type: 'iban' });
    IBAN_START.lastIndex = i;
  }
}
