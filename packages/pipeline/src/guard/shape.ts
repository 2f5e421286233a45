import { analyzeSql } from './analyze';
import type { StatementInfo } from './classify';

import { type LiteralShape, shapeReader } from '../sql/shape';

export type { LiteralShape };

/**
 * Postgres texts with their numbers taken out (see sql/shape.ts). Refused besides what every dialect refuses: string
 * constants (E'', U&'', dollar quotes), parameters (`$1`), `float(n)` — the one place Postgres' grammar checks a
 * number's value: float(0) and float(54) do not parse, float(5) does — and `x$1`, `x'…'`, which continue an
 * identifier or start a string in ways the lexer does not follow.
 */
export const literalShape = shapeReader({
  refused: ['--', '/*'],
  operators: '+-*/<>=~!@#%^&|`?',
  punctuation: '(),;[]:.',
  quote: '"',
  strangeIdentifier: (sql, start, end) => {
    const next = sql.charCodeAt(end);
    if (next === 36 || next === 39) return true;
    return end - start === 5 && sql.slice(start, end).toLowerCase() === 'float' && /^\s*\(/.test(sql.slice(end));
  },
  afterNumber: '$\'"',
});

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
