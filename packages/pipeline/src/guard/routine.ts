import { constValue, type Json, names, type Obj, unwrap } from './ast';
import type { StatementInfo } from './classify';
import { readPlpgsql } from './plpgsql';

export type Parsed = { ok: true; statements: StatementInfo[] } | { ok: false; error: string };

/** Reads SQL found inside a statement, one level deeper than the statement. */
export interface Reader {
  depth: number;
  parse(sql: string): Parsed;
  describe(node: Json): StatementInfo;
}

/** Routines in routines in routines…: past this depth a body is not read, and the statement is refused. */
export const MAX_DEPTH = 8;

/** dblink functions whose arguments include SQL text they run (on another database, or this one through a loopback) */
const DBLINK_RUNS_SQL = new Set(['dblink', 'dblink_exec', 'dblink_send_query', 'dblink_open']);
const RUNS_SQL_TEXT = new Set([...DBLINK_RUNS_SQL, 'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'ts_stat', 'ts_rewrite']);

/**
 * Finds the SQL a statement carries to run later or elsewhere and adds it to `s.inner` (statements, judged like
 * top-level ones) or, when it cannot be read before it runs, a reason to `s.opaque`:
 * - CREATE FUNCTION / PROCEDURE: `BEGIN ATOMIC … END` and `RETURN …` bodies, `LANGUAGE sql` string bodies, PL/pgSQL
 *   bodies (every statement and expression, through control structures); other languages are opaque;
 * - DO blocks, the same way as a PL/pgSQL body;
 * - CREATE RULE actions;
 * - SQL passed as text to functions that run it (query_to_xml, ts_stat, ts_rewrite, dblink…).
 * Inside PL/pgSQL, EXECUTE of a constant string is read as the SQL it holds; EXECUTE of a string built at run time is
 * opaque.
 */
export function readBodies(s: StatementInfo, reader: Reader): void {
  const routines = s.nodes.get('CreateFunctionStmt') ?? [];
  const blocks = s.nodes.get('DoStmt') ?? [];
  const rules = s.nodes.get('RuleStmt') ?? [];
  const calls = (s.nodes.get('FuncCall') ?? []).filter((f) => sqlTextArgs(f) !== null);
  if (routines.length + blocks.length + rules.length + calls.length === 0) return;
  if (reader.depth > MAX_DEPTH) {
    s.inner.push({ where: 'a routine or SQL string', statements: [], refusal: `is nested more than ${MAX_DEPTH} levels deep, further than hoop reads` });
    return;
  }
  for (const f of routines) routine(s, f, reader);
  for (const f of blocks) doBlock(s, f, reader);
  for (const f of rules)
    s.inner.push({ where: `the actions of rule ${String(f.rulename)}`, statements: statementsIn(f.actions).map((n) => reader.describe(n)) });
  for (const f of calls) sqlTextCall(s, f, reader);
}

function routine(s: StatementInfo, f: Obj, reader: Reader): void {
  const where = `the body of ${f.is_procedure ? 'procedure' : 'function'} ${names(f.funcname).join('.')}`;
  if (f.sql_body) s.inner.push({ where, statements: statementsIn(f.sql_body).map((n) => reader.describe(n)) });
  const options = defElems(f.options);
  const as = options.get('as');
  if (!as) return;
  const language = languageOf(options);
  const body = strings(as);
  if (language !== 'sql' && language !== 'plpgsql')
    s.opaque.push(`${where} is written in ${language ? `LANGUAGE ${language}` : 'no named language'}, which hoop cannot read`);
  else if (body === null || body.length !== 1) s.opaque.push(`${where} is not given as one string, so hoop cannot read it`);
  else if (language === 'sql') addParsed(s, where, reader.parse(body[0]!));
  else plpgsql(s, where, f, reader);
}

function doBlock(s: StatementInfo, f: Obj, reader: Reader): void {
  const options = defElems(f.args);
  const language = options.has('language') ? languageOf(options) : 'plpgsql';
  if (language === 'plpgsql') plpgsql(s, 'the DO block', f, reader);
  else s.opaque.push(`the DO block is written in ${language ? `LANGUAGE ${language}` : 'no named language'}, which hoop cannot read`);
}

/** `node` is the statement's own CreateFunctionStmt or DoStmt: the PL/pgSQL compiler reads it from its text */
function plpgsql(s: StatementInfo, where: string, node: Obj, reader: Reader): void {
  if (node !== s.node || s.text === '') {
    s.opaque.push(`${where} could not be read where it stands`);
    return;
  }
  const body = readPlpgsql(s.text);
  if (!body.ok) {
    s.opaque.push(`${where} could not be read (${body.error})`);
    return;
  }
  const statements: StatementInfo[] = [];
  for (const piece of body.pieces) {
    const parsed = reader.parse(piece.sql);
    if (!parsed.ok) {
      s.opaque.push(`${where} has SQL hoop could not read (${parsed.error})`);
      continue;
    }
    statements.push(...parsed.statements);
    if (!piece.dynamic) continue;
    const text = constantString(parsed.statements);
    if (text === undefined)
      s.opaque.push(`${where} runs SQL built at run time (EXECUTE ${oneLine(piece.sql.replace(/^SELECT /, ''))}), which hoop cannot check before it runs`);
    else addParsed(s, `the SQL string that EXECUTE runs in ${where}`, reader.parse(text));
  }
  s.inner.push({ where, statements });
}

function sqlTextCall(s: StatementInfo, f: Obj, reader: Reader): void {
  const fn = functionName(f);
  const where = `the SQL that ${fn}() runs`;
  for (const arg of sqlTextArgs(f) ?? []) {
    const value = constValue(arg);
    if (typeof value === 'boolean' || typeof value === 'number' || value === null) continue;
    if (value === undefined) {
      s.opaque.push(`${fn}() runs SQL built at run time, which hoop cannot check before it runs`);
      continue;
    }
    const parsed = reader.parse(value);
    // a dblink argument that is not SQL is the connection string or name
    if (parsed.ok || !DBLINK_RUNS_SQL.has(fn)) addParsed(s, where, parsed);
  }
}

/** the arguments of a call that hold SQL text the function runs, or null for a function that runs none */
function sqlTextArgs(f: Obj): Json[] | null {
  const fn = functionName(f);
  if (!RUNS_SQL_TEXT.has(fn)) return null;
  const args = Array.isArray(f.args) ? f.args : [];
  const named = (n: string) => args.map((a) => unwrap(a)).find((a) => a?.[0] === 'NamedArgExpr' && a[1].name === n)?.[1].arg;
  const positional = (i: number) => (unwrap(args[i])?.[0] === 'NamedArgExpr' ? undefined : args[i]);
  switch (fn) {
    case 'query_to_xml':
    case 'query_to_xmlschema':
    case 'query_to_xml_and_xmlschema':
    case 'ts_stat':
      return [named('query') ?? positional(0)].filter((a) => a !== undefined);
    case 'ts_rewrite':
      return args.length === 2 ? [named('select') ?? positional(1)].filter((a) => a !== undefined) : null;
    default:
      return DBLINK_RUNS_SQL.has(fn)
        ? args.map((a) => {
            const n = unwrap(a);
            return n?.[0] === 'NamedArgExpr' ? (n[1].arg ?? null) : a;
          })
        : null;
  }
}

function addParsed(s: StatementInfo, where: string, parsed: Parsed): void {
  s.inner.push(
    parsed.ok ? { where, statements: parsed.statements } : { where, statements: [], refusal: `could not be parsed (${parsed.error}), so it was not sent` },
  );
}

/** the value of `SELECT '<string>'`, the only form of an EXECUTE argument that is known before it runs */
function constantString(statements: StatementInfo[]): string | undefined {
  if (statements.length !== 1 || statements[0]!.type !== 'SelectStmt') return undefined;
  const sel = statements[0]!.node;
  if (Object.keys(sel).some((k) => !['targetList', 'limitOption', 'op'].includes(k))) return undefined;
  const targets = Array.isArray(sel.targetList) ? sel.targetList : [];
  const target = targets.length === 1 ? unwrap(targets[0]) : null;
  if (target?.[0] !== 'ResTarget' || target[1].name !== undefined || target[1].indirection !== undefined) return undefined;
  const value = constValue(target[1].val);
  return typeof value === 'string' ? value : undefined;
}

/** the statements of a SQL-standard body or a rule's actions: a statement, or (nested) lists of them */
function statementsIn(body: Json | undefined): Json[] {
  const out: Json[] = [];
  const stack: Json[] = [body ?? null];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (Array.isArray(cur)) {
      for (let i = cur.length - 1; i >= 0; i--) stack.push(cur[i]!);
      continue;
    }
    const n = unwrap(cur);
    if (n?.[0] === 'List') stack.push(n[1].items ?? null);
    else if (n) out.push(cur);
  }
  return out;
}

function defElems(list: Json | undefined): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const item of Array.isArray(list) ? list : []) {
    const d = unwrap(item);
    if (d?.[0] !== 'DefElem' || typeof d[1].defname !== 'string') continue;
    out.set(d[1].defname, [...(out.get(d[1].defname) ?? []), d[1].arg ?? null]);
  }
  return out;
}

/** the routine's language, exactly as the server looks it up (language names are case-sensitive once quoted) */
function languageOf(options: Map<string, Json[]>): string | undefined {
  const given = options.get('language') ?? [];
  if (given.length !== 1) return undefined;
  const value = constValue(given[0]);
  return typeof value === 'string' ? value : undefined;
}

/** `AS 'body'` or `AS 'file', 'symbol'` */
function strings(args: Json[]): string[] | null {
  if (args.length !== 1) return null;
  const n = unwrap(args[0]);
  const items = n?.[0] === 'List' && Array.isArray(n[1].items) ? n[1].items : [args[0]!];
  const out = items.map((i) => constValue(i));
  return out.every((v): v is string => typeof v === 'string') ? out : null;
}

function functionName(f: Obj): string {
  return (names(f.funcname).at(-1) ?? '').toLowerCase();
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}
