import { shapeReader } from '../sql/shape';
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
export const literalShapeMysql = shapeReader({
  refused: ['--', '/*', '*/'],
  operators: '+-*/<>=!%^&|~',
  punctuation: '(),;.',
  quote: '`',
});

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
