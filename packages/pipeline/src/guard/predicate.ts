import { compareConstants } from '../sql/compare';
import { constValue, type Json, unwrap } from './ast';

/**
 * Whether a WHERE clause is true for every row regardless of the data: `true`, `1=1`, `'a'='a'`, `1<2`, `NOT false`,
 * `x = x`, `true OR anything`, `1=1 AND 2=2`, `x IS NOT NULL OR true`. Constant folding only: when in doubt, no.
 */
export function alwaysTrue(node: Json | undefined): boolean {
  return evaluate(node) === true;
}

type Tri = boolean | undefined;

function evaluate(node: Json | undefined): Tri {
  const n = unwrap(node);
  if (!n) return undefined;
  const [t, f] = n;
  const c = constValue(node);
  if (c !== undefined) return truthy(c);
  switch (t) {
    case 'BoolExpr': {
      const args = Array.isArray(f.args) ? f.args : [];
      const vals = args.map(evaluate);
      if (f.boolop === 'AND_EXPR') return vals.every((v) => v === true) ? true : vals.some((v) => v === false) ? false : undefined;
      if (f.boolop === 'OR_EXPR') return vals.some((v) => v === true) ? true : vals.every((v) => v === false) ? false : undefined;
      if (f.boolop === 'NOT_EXPR') return vals[0] === undefined ? undefined : !vals[0];
      return undefined;
    }
    case 'A_Expr': {
      if (f.kind !== 'AEXPR_OP') return undefined;
      const op = Array.isArray(f.name) ? (unwrap(f.name[f.name.length - 1])?.[1].sval as string | undefined) : undefined;
      const l = constValue(f.lexpr);
      const r = constValue(f.rexpr);
      if (l !== undefined && r !== undefined && l !== null && r !== null) return compare(op, l, r);
      // the same column or expression on both sides: x = x (true unless x is NULL, which DELETE would skip — still
      // a statement meant to touch "everything", so it counts)
      if ((op === '=' || op === '>=' || op === '<=') && f.lexpr !== undefined && JSON.stringify(strip(f.lexpr)) === JSON.stringify(strip(f.rexpr))) return true;
      return undefined;
    }
    case 'NullTest': {
      const v = constValue(f.arg);
      if (v === undefined) return undefined;
      return f.nulltesttype === 'IS_NULL' ? v === null : v !== null;
    }
    case 'BooleanTest': {
      const v = evaluate(f.arg);
      if (v === undefined) return undefined;
      if (f.booltesttype === 'IS_TRUE') return v;
      if (f.booltesttype === 'IS_NOT_FALSE') return v;
      if (f.booltesttype === 'IS_FALSE') return !v;
      if (f.booltesttype === 'IS_NOT_TRUE') return !v;
      return undefined;
    }
    default:
      return undefined;
  }
}

function truthy(v: string | number | boolean | null): Tri {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return undefined;
  const s = v.trim().toLowerCase();
  if (['t', 'true', 'y', 'yes', 'on', '1'].includes(s)) return true;
  if (['f', 'false', 'n', 'no', 'off', '0'].includes(s)) return false;
  return undefined;
}

function compare(op: string | undefined, l: string | number | boolean, r: string | number | boolean): Tri {
  if (typeof l === 'number' && typeof r === 'number') return compareConstants(op, l, r);
  return compareConstants(op, String(l), String(r));
}

/** a node without its source positions, so equal expressions compare equal */
function strip(node: Json | undefined): Json | undefined {
  if (Array.isArray(node)) return node.map((n) => strip(n) ?? null);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'location') out[k] = strip(v) ?? null;
  return out;
}
