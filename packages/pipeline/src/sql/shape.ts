/**
 * A SQL text with its numeric constants taken out, for a verdict cache that is not defeated by a client sending the
 * same statement with new numbers every time (`SELECT … WHERE aid = 48213`). Only texts read by a deliberately small
 * lexer get a shape: ASCII identifiers, quoted identifiers, numbers, operators and punctuation, as each dialect
 * lists them (guard/shape.ts for Postgres, mysql/shape.ts for MySQL). Anything else — a string constant, a comment, a
 * parameter, a backslash, a control or non-ASCII character — gives no shape, so two texts with the same `key` differ
 * in nothing but the digits of numbers this lexer and the server both read as numbers (an integer of at most 9
 * digits, or one with a fraction), each of the same kind. Whether a verdict may be reused for another text of the
 * shape is the dialect's `literalFree` to say, not the shape's.
 */
export interface LiteralShape {
  key: string;
  /** the text's statements as the guard cuts them (split at `;`, trimmed, empty ones left out) */
  statements: string[];
}

/** What a dialect's shapes may hold. */
export interface ShapeLexicon {
  /** texts holding one of these get no shape (comment openers) */
  refused: string[];
  /** characters read as operators, and as punctuation */
  operators: string;
  punctuation: string;
  /** the character that quotes an identifier (kept as it is: printable ASCII, the quote not doubled inside) */
  quote: string;
  /** an identifier at [start, end) that the dialect reads in ways this lexer does not follow: no shape */
  strangeIdentifier?: (sql: string, start: number, end: number) => boolean;
  /** characters that may not follow a number (besides letters, digits and `.`) */
  afterNumber?: string;
}

/** longer texts get no shape (they are judged, and cached by exact text, as before) */
const MAX_SHAPE_TEXT = 4096;
const INT = '\u0001';
const DEC = '\u0002';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c);
const WHITESPACE = new Set([32, 9, 10, 13]);
const codes = (s: string) => new Set(s.split('').map((c) => c.charCodeAt(0)));

/** The shape reader of one dialect. */
export function shapeReader(lexicon: ShapeLexicon): (sql: string) => LiteralShape | null {
  const plain = new Set([...WHITESPACE, ...codes(lexicon.operators), ...codes(lexicon.punctuation)]);
  const afterNumber = codes(`.${lexicon.afterNumber ?? ''}`);
  const quote = lexicon.quote.charCodeAt(0);
  return (sql) => {
    if (sql.length > MAX_SHAPE_TEXT || lexicon.refused.some((r) => sql.includes(r))) return null;
    let key = '';
    let from = 0;
    let numbers = 0;
    const cuts: number[] = [];
    let i = 0;
    while (i < sql.length) {
      const c = sql.charCodeAt(i);
      if (isIdentStart(c)) {
        const start = i;
        while (i < sql.length && isIdentChar(sql.charCodeAt(i))) i++;
        if (lexicon.strangeIdentifier?.(sql, start, i)) return null;
        continue;
      }
      if (isDigit(c)) {
        const prev = i > 0 ? sql.charCodeAt(i - 1) : 32;
        if (prev === 46) return null; // `.5`, `t.1`
        const start = i;
        while (i < sql.length && isDigit(sql.charCodeAt(i))) i++;
        let kind = INT;
        if (sql.charCodeAt(i) === 46) {
          i++;
          const fraction = i;
          while (i < sql.length && isDigit(sql.charCodeAt(i))) i++;
          if (i === fraction) return null; // `1.` and `1..2`
          kind = DEC;
        }
        // `1e5`, `0x1f`, `1_000`, `1abc`, `1.5.6`, and what the dialect adds: read otherwise by one server or another
        const after = i < sql.length ? sql.charCodeAt(i) : 32;
        if (isIdentChar(after) || afterNumber.has(after)) return null;
        if (kind === INT && i - start > 9) return null; // past 2^31 an integer becomes another kind of constant
        if (i - start > 30) return null;
        key += sql.slice(from, start) + kind;
        from = i;
        numbers++;
        continue;
      }
      if (c === quote) {
        const end = sql.indexOf(lexicon.quote, i + 1);
        if (end < 0 || sql.charCodeAt(end + 1) === quote) return null;
        for (let j = i + 1; j < end; j++) if (sql.charCodeAt(j) < 32 || sql.charCodeAt(j) > 126) return null;
        i = end + 1;
        continue;
      }
      if (c === 59) cuts.push(i);
      if (!plain.has(c)) return null;
      i++;
    }
    if (numbers === 0) return null;
    key += sql.slice(from);
    const statements: string[] = [];
    let start = 0;
    for (const cut of [...cuts, sql.length]) {
      const text = sql.slice(start, cut).trim();
      if (text !== '') statements.push(text);
      start = cut + 1;
    }
    return { key, statements };
  };
}
