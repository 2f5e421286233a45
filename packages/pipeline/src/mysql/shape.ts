import type { LiteralShape } from '../guard/shape';
import { describeMysql, type MysqlStatement } from './classify';
import { parseMysql } from './parse';
import { readings } from './render';

/**
 * The MySQL counterpart of `literalShape` (see guard/shape.ts): a text with its numbers taken out, for a verdict
 * cache that sysbench or an ORM sending the same statement with new numbers does not defeat. Only texts read by a
 * deliberately small lexer get a shape: ASCII identifiers, backquoted identifiers (no backquote inside), numbers,
 * operators and punctuation. Anything else gives none: a string ('…', and "…", a string unless ANSI_QUOTES), a
 * comment of any kind (`#`, `--`, `/* *\/`, and so the versioned `/*!50000 … *\/` and `/*M! … *\/`), a backslash, a
 * variable (`@x`, `@@session.x`), a placeholder (`?`), `{`, `$`, `:`, a hex or bit literal (0x1f, x'1f', b'01'),
 * `1e5`, a control or non-ASCII character. Two texts with the same key differ in nothing but the digits of numbers
 * (integers of at most 9 digits, or with a fraction), each of the same kind. Whether a verdict may be reused for
 * another text of the shape is `literalFreeMysql`'s to say.
 */
const MAX_SHAPE_TEXT = 4096;
const INT = '\u0001';
const DEC = '\u0002';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c);
const OPERATOR = new Set('+-*/<>=!%^&|~'.split('').map((c) => c.charCodeAt(0)));
const PUNCTUATION = new Set('(),;.'.split('').map((c) => c.charCodeAt(0)));
const WHITESPACE = new Set([32, 9, 10, 13]);

export function literalShapeMysql(sql: string): LiteralShape | null {
  if (sql.length > MAX_SHAPE_TEXT || sql.includes('--') || sql.includes('/*') || sql.includes('*/')) return null;
  let key = '';
  let from = 0;
  let numbers = 0;
  const cuts: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (isIdentStart(c)) {
      while (i < sql.length && isIdentChar(sql.charCodeAt(i))) i++;
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
        if (i === fraction) return null; // `1.`, `1..2`, `1.e5`
        kind = DEC;
      }
      // `1e5`, `0x1f`, `0b01`, `1abc` (an identifier in MySQL), `1.5.6`
      const after = i < sql.length ? sql.charCodeAt(i) : 32;
      if (isIdentChar(after) || after === 46) return null;
      if (kind === INT && i - start > 9) return null; // a BIGINT or DECIMAL constant past 32 bits
      if (i - start > 30) return null;
      key += sql.slice(from, start) + kind;
      from = i;
      numbers++;
      continue;
    }
    if (c === 96) {
      // a backquoted identifier, kept as it is: printable ASCII, no backquote inside (`` would continue it)
      const end = sql.indexOf('`', i + 1);
      if (end < 0 || sql.charCodeAt(end + 1) === 96) return null;
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
 * Grammar nodes through which no guard rule (nor the statement's kind or command) reads a number, in a plain SELECT:
 * the rules that do read constants look at DELETE and UPDATE conditions (always-true WHERE), SET and transaction
 * statements (read-only-override) and PREPARE's text; INTO OUTFILE/DUMPFILE turns a SELECT into a write. A rule that
 * starts to read constants under one of these must take it out of this list; the test beside this file judges every
 * shape it tries with other numbers and compares.
 */
const LITERAL_FREE_NODES = new Set([
  'SqlStatement',
  'DmlStatement',
  'UnionAndLateralSelect',
  'QuerySpecification',
  'SelectSpec',
  'SelectElements',
  'SelectElement_label',
  'SelectLiteralColumnName',
  'SelectElement_expr',
  'SelectExpressionElement',
  'PureAllColumns',
  'ColumnName',
  'ColumnNamePath_default',
  'DottedId',
  'Uid',
  'SimpleId',
  'FromClause',
  'TableSources',
  'TableSourceBase',
  'AtomTableItem',
  'TableName',
  'FullId',
  'InnerJoin',
  'JoinSpec',
  'PredicateExpression',
  'ExpressionAtomPredicate',
  'ConstantExpressionAtom',
  'ColumnNameExpressionAtom',
  'NestedExpressionAtom',
  'MathExpressionAtom',
  'MathOperator',
  'UnaryExpressionAtom',
  'UnaryOperator',
  'BinaryComparisonPredicate',
  'ComparisonOperator',
  'ComparisonBase',
  'BetweenPredicate',
  'InPredicate',
  'Expressions',
  'IsNullPredicate',
  'NullNotNull',
  'NotExpression',
  'LogicalExpression',
  'LogicalOperator',
  'Constant',
  'DecimalLiteral',
  'FunctionCallExpressionAtom',
  'AggregateFunctionCall',
  'AggregateWindowedFunction',
  'FunctionArg',
  'GroupByClause',
  'GroupByItem',
  'HavingClause',
  'OrderByClause',
  'OrderByExpression',
  'LimitClause',
  'LimitClauseAtom',
]);

/**
 * Whether the MySQL guard's verdict on `sql` cannot depend on its numbers: it reads one way only (no versioned
 * comment, string or backslash: a shaped text never has one) and every statement is a plain SELECT (a read, nothing
 * inside it judged on its own) made only of the nodes above. False for anything else, and for a text that does not
 * parse.
 */
export function literalFreeMysql(sql: string): boolean {
  const all = readings(sql);
  const reading = all?.length === 1 ? all[0] : undefined;
  if (!reading || reading.unterminated) return false;
  const parsed = parseMysql(reading.text);
  if (!parsed.ok || parsed.statements.length === 0) return false;
  return parsed.statements.every((p) => statementLiteralFree(describeMysql(p.text, p.node, reading.text)));
}

function statementLiteralFree(s: MysqlStatement): boolean {
  if (s.kind !== 'read' || s.command !== 'SELECT' || s.inner.length > 0) return false;
  for (const name of s.nodes.keys()) if (!LITERAL_FREE_NODES.has(name)) return false;
  return true;
}
