import type { CommonToken, CommonTokenStream } from 'antlr4ng';

/**
 * A dump restores its tables with INSERTs of thousands of rows (mysqldump writes up to 1 MB per statement), and the
 * parser spends about as long on each row as on a short statement. The rows of an INSERT or REPLACE … VALUES list that
 * hold nothing but literals change no verdict (no rule reads a value there: tables, functions and the statement's kind
 * decide), so `literalRowCuts` finds the rows between the first and the last of each such run, and the parser reads the
 * text without them (parse.ts: the tokens after a cut get their offsets in the whole text back, so statement texts
 * and error positions are cut from the text itself): two rows where there were thousands. A row with anything else
 * (a function, a column, a subquery, an operator) ends the run, and is parsed as it is with everything after it.
 *
 * It reads a rendered text (render.ts): strings are `'…'` with `''` and backslash escapes, comments are spaces.
 */

/** a character of a word: letters, digits, `_`, `$`, and anything past ASCII */
const isWord = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36 || code >= 128;
/** a number, a hex or bit value, NULL, TRUE, FALSE or DEFAULT, ending where a word would end */
const ATOM = /(?:[-+]\s*)?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|0x[0-9a-f]+|0b[01]+|null|true|false|default)(?![A-Za-z0-9_$\u0080-\uffff])/iy;
/** what may open a string: a charset introducer (`_utf8mb4'…'`, `_binary '…'`), N'…', X'…' or B'…' */
const STRING_PREFIX = /(?:_[a-z0-9]+\s*|n|x(?=')|b(?='))?'/iy;
const HEX = /^x'([0-9a-f]{2})*'$/i;
const BITS = /^b'[01]*'$/i;

/** the end of the string whose quote is at `i`, -1 when it does not end */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92 /* \\ */) j++;
    else if (c === 39 /* ' */) {
      if (text.charCodeAt(j + 1) !== 39) return j + 1;
      j++;
    }
  }
  return -1;
}

/** the end of the literal at `i`, -1 when there is none */
function literalEnd(text: string, i: number): number {
  ATOM.lastIndex = i;
  if (ATOM.test(text)) return ATOM.lastIndex;
  STRING_PREFIX.lastIndex = i;
  if (!STRING_PREFIX.test(text)) return -1;
  const end = stringEnd(text, STRING_PREFIX.lastIndex - 1);
  if (end < 0) return -1;
  const lead = text[i]!.toLowerCase();
  if ((lead === 'x' && !HEX.test(text.slice(i, end))) || (lead === 'b' && !BITS.test(text.slice(i, end)))) return -1;
  return end < text.length && isWord(text.charCodeAt(end)) ? -1 : end;
}

const skipSpace = (text: string, i: number) => {
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
};

/** the end of the row of literals `(…)` at `i` (after spaces), -1 when it is not one */
function rowEnd(text: string, i: number): number {
  i = skipSpace(text, i);
  if (text[i] !== '(') return -1;
  for (;;) {
    i = literalEnd(text, skipSpace(text, i + 1));
    if (i < 0) return -1;
    i = skipSpace(text, i);
    if (text[i] === ')') return i + 1;
    if (text[i] !== ',') return -1;
  }
}

/** The inner rows of each run of three or more literal rows after VALUES in an INSERT or REPLACE, [from, to) (see above). */
export function literalRowCuts(text: string): [number, number][] {
  if (!/\bvalues?\b/i.test(text)) return [];
  const cuts: [number, number][] = [];
  let first: string | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 39 /* ' */ || c === 96 /* ` */) {
      const end = c === 39 ? stringEnd(text, i) : text.indexOf('`', i + 1) + 1;
      if (end <= 0) break;
      i = end;
      continue;
    }
    if (c === 59 /* ; */) first = null;
    if (!isWord(c)) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && isWord(text.charCodeAt(end))) end++;
    const word = text.slice(i, end).toLowerCase();
    first ??= word;
    i = end;
    if ((word !== 'values' && word !== 'value') || (first !== 'insert' && first !== 'replace')) continue;
    // rows: (…) , (…) , …; the inner ones of a run of three or more are blanked
    let last = rowEnd(text, i);
    if (last < 0) continue;
    const keep = last;
    let rows = 1;
    let lastComma = -1;
    for (;;) {
      const comma = skipSpace(text, last);
      if (text[comma] !== ',') break;
      const next = rowEnd(text, comma + 1);
      if (next < 0) break;
      lastComma = comma;
      last = next;
      rows++;
    }
    if (rows >= 3) cuts.push([keep, lastComma]);
    i = last;
  }
  return cuts;
}

/** The text with the cuts blanked (spaces, newlines kept): what the parser reads, at the same offsets. */
export function blankLiteralRows(text: string): string {
  let out = '';
  let at = 0;
  for (const [from, to] of literalRowCuts(text)) {
    out += text.slice(at, from) + text.slice(from, to).replace(/[^\n]/g, ' ');
    at = to;
  }
  return out + text.slice(at);
}

/** The text without the cuts (their newlines kept, so line numbers stay right). */
export function withoutCuts(text: string, cuts: [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [from, to] of cuts) {
    out += text.slice(at, from) + text.slice(from, to).replace(/[^\n]/g, '');
    at = to;
  }
  return out + text.slice(at);
}

/** Reads every token, and gives each its offsets in the whole text (its text is kept as read). */
export function shiftTokens(tokens: CommonTokenStream, text: string, cuts: [number, number][]): void {
  tokens.fill();
  // from `at` on, an offset in the shortened text is `by` short of the whole text's
  const marks: { at: number; by: number }[] = [];
  let removed = 0;
  for (const [from, to] of cuts) {
    let newlines = 0;
    for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) newlines++;
    removed += to - from - newlines;
    marks.push({ at: to - removed, by: removed });
  }
  const shift = (offset: number) => {
    let by = 0;
    for (const m of marks) if (offset >= m.at) by = m.by;
    return offset + by;
  };
  for (const t of tokens.getTokens() as CommonToken[]) {
    // a token reads its text from the input at its offsets: kept before they change
    const read = t.text;
    t.text = read;
    const { start, stop } = t;
    t.start = shift(start);
    t.stop = stop < start ? t.start - 1 : shift(stop);
  }
}
