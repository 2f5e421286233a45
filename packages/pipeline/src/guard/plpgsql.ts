import { parsePlPgSQLSync, scanSync } from 'libpg-query';
import { isObj, type Json } from './ast';

/**
 * One piece of SQL in a PL/pgSQL body, as text the SQL parser reads. `dynamic`: a `SELECT <expression>` whose value is
 * a SQL string run at run time (`EXECUTE`, `FOR … IN EXECUTE`, `RETURN QUERY EXECUTE`, `OPEN … FOR EXECUTE`).
 */
export interface PlSql {
  sql: string;
  dynamic: boolean;
}
export type PlBody = { ok: true; pieces: PlSql[] } | { ok: false; error: string };

// PostgreSQL's RawParseMode, as the PL/pgSQL compiler records it on each expression
const RAW_PARSE_DEFAULT = 0;
const RAW_PARSE_PLPGSQL_EXPR = 2;
const RAW_PARSE_PLPGSQL_ASSIGN1 = 3;
const RAW_PARSE_PLPGSQL_ASSIGN3 = 5;

/**
 * Compiles the PL/pgSQL routine or DO block that `statement` (exactly one CREATE FUNCTION / PROCEDURE or DO) defines,
 * with the real PL/pgSQL grammar, and lists every piece of SQL in it: statements, conditions, assignments, loop and
 * cursor queries, variable defaults, RAISE and RETURN expressions, in every block, branch, loop and exception handler.
 */
export function readPlpgsql(statement: string): PlBody {
  const compiled = compile(statement);
  if (!compiled.ok) return compiled;
  const funcs = compiled.funcs;
  const fn = funcs.length === 1 && isObj(funcs[0]) ? funcs[0].PLpgSQL_function : undefined;
  if (!isObj(fn) || !isObj(fn.action)) return { ok: false, error: 'no PL/pgSQL body was found' };
  const pieces = new Map<string, PlSql>();
  const stack: { value: Json; dynamic: boolean }[] = [{ value: fn, dynamic: false }];
  while (stack.length > 0) {
    const { value, dynamic } = stack.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) stack.push({ value: v, dynamic: false });
      continue;
    }
    if (!isObj(value)) continue;
    const keys = Object.keys(value);
    const wrapped = keys.length === 1 && keys[0]!.startsWith('PLpgSQL_') && isObj(value[keys[0]!]);
    const type = wrapped ? keys[0]! : '';
    const fields = wrapped ? (value[type] as { [k: string]: Json }) : value;
    if (type === 'PLpgSQL_expr') {
      const sql = expressionSql(fields.query, fields.parseMode);
      if (!sql) return { ok: false, error: `an expression could not be read: ${String(fields.query).slice(0, 200)}` };
      for (const s of sql) pieces.set(`${dynamic}:${s}`, { sql: s, dynamic });
      continue;
    }
    // PLpgSQL_stmt_dynexecute.query, PLpgSQL_stmt_dynfors.query, PLpgSQL_stmt_return_query.dynquery, PLpgSQL_stmt_open.dynquery
    for (const [k, v] of Object.entries(fields)) stack.push({ value: v, dynamic: k.startsWith('dyn') || (type.includes('_dyn') && k === 'query') });
  }
  return { ok: true, pieces: [...pieces.values()] };
}

/**
 * Without the database's catalog the compiler does not know the fields of `t%ROWTYPE` or `t.col%TYPE` variables, and
 * refuses `v.field := …`. When it does, the routine is compiled again with such types written as `record`. Only a
 * dotted name of plain identifiers before `%[ROW]TYPE` is replaced: no quote, `$` or `;` is touched, so strings,
 * dollar quotes and statement boundaries stay where they were.
 */
const CATALOG_TYPE = /[\p{L}_][\p{L}\p{N}_]*(?:\s*\.\s*[\p{L}_][\p{L}\p{N}_]*)*\s*%\s*(?:row)?type\b/giu;

function compile(statement: string): { ok: true; funcs: Json[] } | { ok: false; error: string } {
  const attempt = (text: string) => {
    try {
      return { ok: true as const, funcs: (parsePlPgSQLSync(text) as unknown as { plpgsql_funcs?: Json[] }).plpgsql_funcs ?? [] };
    } catch (err) {
      return { ok: false as const, error: (err as Error).message };
    }
  };
  const first = attempt(statement);
  if (first.ok || !/is not a known variable/.test(first.error)) return first;
  const again = attempt(statement.replace(CATALOG_TYPE, 'record'));
  return again.ok ? again : first;
}

/** SQL text for one PL/pgSQL expression, by the parse mode the compiler gave it; null for a mode not known here. */
function expressionSql(query: Json | undefined, mode: Json | undefined): string[] | null {
  if (typeof query !== 'string') return null;
  if (mode === RAW_PARSE_DEFAULT || mode === undefined) return [query];
  if (mode === RAW_PARSE_PLPGSQL_EXPR) return [`SELECT ${query}`];
  if (typeof mode === 'number' && mode >= RAW_PARSE_PLPGSQL_ASSIGN1 && mode <= RAW_PARSE_PLPGSQL_ASSIGN3) {
    const split = splitAssignment(query);
    return split ? [`SELECT ${split[0]}`, `SELECT ${split[1]}`] : null;
  }
  return null;
}

/** `target[sub] := value …` → [`target[sub]`, `value …`]: the target's subscripts are SQL too */
function splitAssignment(query: string): [string, string] | null {
  let tokens;
  try {
    tokens = scanSync(query).tokens;
  } catch {
    return null;
  }
  const bytes = Buffer.from(query, 'utf8');
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && (t.text === ':=' || t.text === '=')) return [bytes.toString('utf8', 0, t.start), bytes.toString('utf8', t.end)];
  }
  return null;
}
