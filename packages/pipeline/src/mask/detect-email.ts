/**
 * E-mail addresses found by expanding around each `@` (or URL-encoded `%40`): at most 64 characters of local part to
 * the left, at most 8 labels to the right, the last of which must have the shape of a TLD. Linear in the text.
 */
import type { PiiSpan } from './types';
import { isTld } from './validate';

const LOCAL = new Uint8Array(128);
const DOMAIN = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  LOCAL[c] = alnum || "._%+-'".includes(ch) ? 1 : 0;
  DOMAIN[c] = alnum || ch === '-' ? 1 : 0;
}

const isLocal = (c: number) => c < 128 && LOCAL[c] === 1;
const isDomain = (c: number) => c < 128 && DOMAIN[c] === 1;

export function findEmails(text: string, out: PiiSpan[]): void {
  let from = 0;
  let at = -2;
  let pct = -2;
  while (from < text.length) {
    // each search result is kept until passed, so the text is searched once for each needle
    if (at !== -1 && at < from) at = text.indexOf('@', from);
    if (pct !== -1 && pct < from) pct = text.indexOf('%40', from);
    let pos: number;
    let width: number;
    if (at < 0 && pct < 0) return;
    if (at >= 0 && (pct < 0 || at < pct)) {
      pos = at;
      width = 1;
    } else {
      pos = pct;
      width = 3;
    }
    from = pos + width;
    const start = localStart(text, pos);
    if (start < 0 || isUrlPassword(text, start)) continue;
    const end = domainEnd(text, pos + width);
    if (end < 0) continue;
    out.push({ start, end, type: 'email' });
    from = end;
  }
}

const URL_USER = /[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/[^\s:@/]{0,128}:$/;

/** `scheme://user:password@host`: what precedes `@` is a password (masked as a secret), not a mailbox. */
function isUrlPassword(text: string, start: number): boolean {
  return start > 3 && text[start - 1] === ':' && URL_USER.test(text.slice(Math.max(0, start - 170), start));
}

/** Start of the local part ending before `at`, or -1. Leading dots and quotes are not part of it. */
function localStart(text: string, at: number): number {
  const min = Math.max(0, at - 64);
  let i = at;
  while (i > min && isLocal(text.charCodeAt(i - 1))) i--;
  while (i < at && (text[i] === '.' || text[i] === "'")) i++;
  if (i === at) return -1;
  return i;
}

/** End of a domain starting at `from` whose last label is a TLD, or -1. */
function domainEnd(text: string, from: number): number {
  let i = from;
  let labels = 0;
  let lastLabelStart = from;
  let end = -1;
  while (labels < 9) {
    const labelStart = i;
    while (i < text.length && i - labelStart < 63 && isDomain(text.charCodeAt(i))) i++;
    if (i === labelStart || text[labelStart] === '-' || text[i - 1] === '-') break;
    labels++;
    lastLabelStart = labelStart;
    if (labels >= 2 && isTld(text.slice(lastLabelStart, i))) end = i;
    if (text[i] !== '.' || !isDomain(text.charCodeAt(i + 1))) break;
    i++;
  }
  if (end < 0) return -1;
  // `a@b.com5` or `a@b.com_x` is not an address ending at `com`
  const next = text.charCodeAt(end);
  if (end < text.length && (isDomain(next) || next === 95)) return -1;
  return end;
}
