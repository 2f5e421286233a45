import { analyzeSql } from './analyze';
import type { StatementInfo } from './classify';

/**
 * A SQL text with its numeric constants taken out, for a verdict cache that is not defeated by a client sending the
 * same statement with new numbers every time (`SELECT … WHERE aid = 48213`). Only texts read by a deliberately small
 * lexer get a shape: ASCII identifiers, quoted identifiers, numbers, operators and punctuation. Anything else — a
 * string constant (E'', U&'', dollar quotes), a comment, a parameter (`$1`), a backslash, a control or non-ASCII
 * character — gives no shape, so two texts with the same `key` differ in nothing but the digits of numbers this lexer
 * and Postgres' both read as numbers (an integer of at most 9 digits, or one with a fraction), each of the same kind.
 * Whether a verdict may be reused for another text of the shape is `literalFree`'s to say, not the shape's.
 */
export interface LiteralShape {
  key: string;
  /** the text's statements as the guard cuts them (split at `;`, trimmed, empty ones left out) */
  statements: string[];
}

/** longer texts get no shape (they are judged, and cached by exact text, as before) */
const MAX_SHAPE_TEXT = 4096;
const INT = '\u0001';
const DEC = '\u0002';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c);
/** characters Postgres puts into operators, and plain punctuation; `$`, `'`, `\`, `"` are handled (or refused) apart */
const OPERATOR = new Set('+-*/<>=~!@#%^&|`?'.split('').map((c) => c.charCodeAt(0)));
const PUNCTUATION = new Set('(),;[]:.'.split('').map((c) => c.charCodeAt(0)));
const WHITESPACE = new Set([32, 9, 10, 13]);

export function literalShape(sql: string): LiteralShape | null {
  if (sql.length > MAX_SHAPE_TEXT || sql.includes('--') || sql.includes('/*')) return null;
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
      // the one place Postgres' grammar checks a number's value: float(0) and float(54) do not parse, float(5) does
      if (i - start === 5 && sql.slice(start, i).toLowerCase() === 'float' && /^\s*\(/.test(sql.slice(i))) return null;
      // `x$1` and `x'…'` continue an identifier, or start a string, in ways this lexer does not follow
      const next = sql.charCodeAt(i);
      if (next === 36 || next === 39) return null;
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
      // `1e5`, `0x1f`, `1_000`, `1abc`, `1.5.6`, `1$`: read otherwise by one Postgres or another
      const after = i < sql.length ? sql.charCodeAt(i) : 32;
      if (isIdentChar(after) || after === 46 || after === 36 || after === 39 || after === 34) return null;
      if (kind === INT && i - start > 9) return null; // past 2^31 an integer becomes a numeric constant
      if (i - start > 30) return null;
      key += sql.slice(from, start) + kind;
      from = i;
      numbers++;
      continue;
    }
    if (c === 34) {
      // a quoted identifier: kept as it is; `""` inside one reads here as two identifiers side by side, the same text
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return null;
      for (let j = i + 1; j < end; j++) if (sql.charCodeAt(j) < 32 || sql.charCodeAt(j) > 126) return null;
      i = end + 1;
      continue;
    }
    if (c === 59) cuts.push(i);
    if (WHITESPACE.has(c) || OPERATOR.has(c) || PUNCTUATION.has(c)) {
      i++;
      continue;
    }
    return null;
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
}

/**
 * Node types through which no guard rule reads a numeric constant, in a plain SELECT. A rule that starts to look at
 * constants under one of these (or at a SELECT's constants at all) must take that type out of this list; the test
 * beside this file judges every shape it tries with other numbers and compares.
 */
const LITERAL_FREE_NODES = new Set([
  'SelectStmt',
  'ResTarget',
  'ColumnRef',
  'A_Star',
  'A_Const',
  'A_Expr',
  'BoolExpr',
  'NullTest',
  'BooleanTest',
  'RangeVar',
  'Alias',
  'JoinExpr',
  'SortBy',
  'String',
  'Integer',
  'Float',
  'TypeCast',
  'TypeName',
  'FuncCall',
  'SubLink',
  'CoalesceExpr',
  'CaseExpr',
  'CaseWhen',
  'RangeSubselect',
  'RowExpr',
  'A_ArrayExpr',
  'A_Indirection',
  'A_Indices',
  'MinMaxExpr',
  'LockingClause',
  'WindowDef',
  'List',
]);
/** calls whose constant arguments a rule reads (read-only-override) */
const READS_ARGUMENTS = new Set(['set_config']);

/**
 * Whether the guard's verdict on `sql` cannot depend on its numeric constants: every statement is a plain SELECT
 * (a read, nothing inside it judged on its own, nothing opaque) made only of the node types above, and calls no
 * function whose arguments a rule reads. False for anything else, and for a text that does not parse.
 */
export function literalFree(sql: string): boolean {
  const analysis = analyzeSql(sql);
  return analysis.ok && analysis.statements.length > 0 && analysis.statements.every(statementLiteralFree);
}

function statementLiteralFree(s: StatementInfo): boolean {
  if (s.type !== 'SelectStmt' || s.kind !== 'read' || s.inner.length > 0 || s.opaque.length > 0) return false;
  for (const type of s.nodes.keys()) if (!LITERAL_FREE_NODES.has(type)) return false;
  return !s.functions.some((f) => READS_ARGUMENTS.has(f.split('.').at(-1)!.toLowerCase()));
}
