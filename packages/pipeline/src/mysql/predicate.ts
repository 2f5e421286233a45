import { type ParseTree, ParserRuleContext, TerminalNode } from 'antlr4ng';
import { compareConstants } from '../sql/compare';
import { nameOf } from './classify';

/**
 * Whether a MySQL WHERE condition holds for every row whatever the data: `1=1`, `true`, `1`, `'a'='a'`, `'a'='A'`
 * (the default collations ignore case and trailing spaces), `NOT 0`, `!0`, `x = x`, `1 OR x`, `X'61' = 'a'`,
 * `_utf8mb4'a' = 'a'`, `1 IN (1, 2)`, `(1=1) IS TRUE`. Constant folding only: when in doubt, no — and where MySQL's
 * conversions leave two readings (a hex literal as bytes or as a number), true if either is true.
 */
export function alwaysTrueMysql(n: ParseTree | null | undefined): boolean {
  return truth(value(n)) === true;
}

type Value = { num?: number; str?: string; isNull?: boolean; column?: string } | undefined;
type Tri = boolean | undefined;

const kids = (n: ParseTree): ParseTree[] => Array.from({ length: n.getChildCount() }, (_, i) => n.getChild(i)!);
const rules = (n: ParseTree) => kids(n).filter((c): c is ParserRuleContext => c instanceof ParserRuleContext);
const word = (n: ParseTree) => n.getText().toLowerCase();

function truth(v: Value): Tri {
  if (!v || v.column !== undefined) return undefined;
  if (v.isNull) return false;
  if (v.num !== undefined) return v.num !== 0;
  if (v.str !== undefined) return numberPrefix(v.str) !== 0;
  return undefined;
}

/** MySQL's string-to-number: the leading number, 0 when there is none */
function numberPrefix(s: string): number {
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(s);
  return m ? Number(m[0]) : 0;
}

const bool = (t: Tri): Value => (t === undefined ? undefined : { num: t ? 1 : 0 });

function unquote(text: string): string {
  // rendered strings only carry '' and \\ (see render.ts); adjacent pieces concatenate
  let out = '';
  for (const m of text.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)) out += m[1]!.replace(/''/g, "'").replace(/\\(.)/g, '$1');
  return out;
}

function constant(n: ParserRuleContext): Value {
  const t = n.getText();
  const lower = t.toLowerCase();
  const name = nameOf(n);
  if (name === 'StringLiteral') return { str: unquote(t.replace(/^(_[a-z0-9]+|n)(?=')/i, '')) };
  if (name === 'BooleanLiteral') return { num: lower === 'true' ? 1 : 0 };
  if (name === 'HexadecimalLiteral') {
    const hex = lower.startsWith('0x') ? lower.slice(2) : unquote(t.replace(/^(_[a-z0-9]+)?x/i, ''));
    if (!/^[0-9a-f]*$/.test(hex)) return undefined;
    return { str: Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('latin1'), num: hex ? Number.parseInt(hex.slice(-13), 16) : 0 };
  }
  if (name === 'DecimalLiteral') return { num: Number(t) };
  if (name === 'NullNotnull' || lower === 'null') return { isNull: true };
  if (name === 'Constant') {
    const inner = rules(n);
    if (inner.length === 1 && kids(n).length === 1) return constant(inner[0]!);
    if (lower.startsWith('-') && inner.length === 1) {
      const v = constant(inner[0]!);
      return v?.num !== undefined ? { num: -v.num } : undefined;
    }
    if (/^(true|false)$/.test(lower)) return { num: lower === 'true' ? 1 : 0 };
    if (lower === 'null' || lower === '\\n') return { isNull: true };
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(lower)) return { num: Number(lower) };
    if (/^b'[01]*'$/.test(lower) || /^0b[01]+$/.test(lower)) return { num: Number.parseInt(lower.replace(/^b'|^0b|'$/g, '') || '0', 2) };
  }
  return undefined;
}

function compare(op: string, a: Value, b: Value): Tri {
  if (!a || !b) return undefined;
  if (a.column !== undefined || b.column !== undefined) {
    return a.column !== undefined && a.column === b.column && ['=', '<=>', '>=', '<='].includes(op) ? true : undefined;
  }
  if (a.isNull || b.isNull) return op === '<=>' ? Boolean(a.isNull && b.isNull) : false;
  const results: boolean[] = [];
  // both strings: compared as text (case and trailing spaces ignored by the default collations); otherwise as numbers
  if (a.str !== undefined && b.str !== undefined) results.push(order(op, a.str.toLowerCase().trimEnd(), b.str.toLowerCase().trimEnd()));
  const x = a.num ?? (a.str !== undefined ? numberPrefix(a.str) : undefined);
  const y = b.num ?? (b.str !== undefined ? numberPrefix(b.str) : undefined);
  if (x !== undefined && y !== undefined && (a.str === undefined || b.str === undefined || a.num !== undefined || b.num !== undefined))
    results.push(order(op, x, y));
  if (results.length === 0) return undefined;
  return results.some(Boolean);
}

/** `<=>` is `=` that treats NULL as a value (NULLs are handled before this) */
function order<T extends string | number>(op: string, a: T, b: T): boolean {
  return compareConstants(op === '<=>' ? '=' : op, a, b) ?? false;
}

function value(n: ParseTree | null | undefined): Value {
  if (!n || n instanceof TerminalNode || !(n instanceof ParserRuleContext)) return undefined;
  const name = nameOf(n);
  const r = rules(n);
  const k = kids(n);
  switch (name) {
    case 'Constant':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'HexadecimalLiteral':
    case 'DecimalLiteral':
      return constant(n);
    case 'ConstantExpressionAtom':
    case 'PredicateExpression':
    case 'ExpressionAtomPredicate':
    case 'NestedExpressionAtom':
      return r.length === 1 ? value(r[0]) : undefined;
    case 'ColumnNameExpressionAtom':
      return { column: n.getText().replace(/`/g, '').toLowerCase() };
    case 'NotExpression':
    case 'UnaryExpressionAtom': {
      const op = word(k[0]!);
      const v = value(r.at(-1));
      if (op === 'not' || op === '!') return bool(truth(v) === undefined ? undefined : !truth(v));
      if (op === '-' && v?.num !== undefined) return { num: -v.num };
      if (op === '+') return v;
      return undefined;
    }
    case 'LogicalExpression': {
      const op = word(r[1]!);
      const a = truth(value(r[0]));
      const b = truth(value(r[2]));
      if (op === 'and' || op === '&&') return bool(a === true && b === true ? true : a === false || b === false ? false : undefined);
      if (op === 'or' || op === '||') return bool(a === true || b === true ? true : a === false && b === false ? false : undefined);
      if (op === 'xor') return bool(a === undefined || b === undefined ? undefined : a !== b);
      return undefined;
    }
    case 'IsExpression': {
      const v = truth(value(r[0]));
      const not = k.some((c) => word(c) === 'not');
      const target = word(k.at(-1)!);
      if (v === undefined || target === 'unknown') return undefined;
      const is = target === 'true' ? v : !v;
      return bool(not ? !is : is);
    }
    case 'BinaryComparisonPredicate':
      return bool(compare(r[1]!.getText(), value(r[0]), value(r[2])));
    case 'InPredicate': {
      const left = value(r[0]);
      const not = k.some((c) => word(c) === 'not');
      const list = r[1] && nameOf(r[1]) === 'Expressions' ? rules(r[1]) : [];
      const found = list.some((e) => compare('=', left, value(e)) === true);
      return found ? bool(!not) : undefined;
    }
    case 'MathExpressionAtom': {
      const a = value(r[0]);
      const b = value(r[2]);
      const op = r[1]?.getText();
      if (a?.num === undefined || b?.num === undefined) return undefined;
      if (op === '+') return { num: a.num + b.num };
      if (op === '-') return { num: a.num - b.num };
      if (op === '*') return { num: a.num * b.num };
      return undefined;
    }
    default:
      return undefined;
  }
}
