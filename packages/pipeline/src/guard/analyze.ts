import { loadModule, parseSync } from 'libpg-query';
import type { Json } from './ast';
import { describeStatement, type StatementInfo } from './classify';
import { type Parsed, readBodies } from './routine';

export type Analysis = { ok: true; statements: StatementInfo[] } | { ok: false; error: string; position?: number };

let loaded: Promise<void> | null = null;
let ready = false;

/** Loads the Postgres parser (WebAssembly) once; `analyzeSql` may be called after it resolves. */
export function initGuard(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

interface RawStmt {
  stmt?: Json;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Parses a SQL string with the real Postgres grammar and describes every statement in it, with the statements found
 * inside routine bodies, DO blocks and rules (see `readBodies`). Statement positions from the parser are byte offsets,
 * so the text of each statement is cut from the UTF-8 bytes.
 */
export function analyzeSql(sql: string): Analysis {
  if (!ready) throw new Error('initGuard() must finish before analyzeSql()');
  return parseAt(sql, 0);
}

function parseAt(sql: string, depth: number): Analysis {
  if (sql.includes('\0')) return { ok: false, error: 'the statement contains a NUL character' };
  if (sql.trim() === '') return { ok: true, statements: [] };
  let result: { stmts?: RawStmt[] };
  try {
    result = parseSync(sql) as { stmts?: RawStmt[] };
  } catch (err) {
    const e = err as Error & { sqlDetails?: { cursorPosition?: number } };
    return { ok: false, error: e.message, position: e.sqlDetails?.cursorPosition };
  }
  const bytes = Buffer.from(sql, 'utf8');
  const statements: StatementInfo[] = [];
  for (const s of result.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const text = bytes.toString('utf8', start, end).trim();
    statements.push(describeAt(text, s.stmt ?? null, depth));
  }
  return { ok: true, statements };
}

/** a statement and, one level deeper, the SQL inside it; `text` is '' for a statement that has none of its own */
function describeAt(text: string, node: Json, depth: number): StatementInfo {
  const info = describeStatement(text, node);
  readBodies(info, {
    depth: depth + 1,
    parse: (sql): Parsed => parseAt(sql, depth + 1),
    describe: (n) => describeAt('', n, depth + 1),
  });
  return info;
}
