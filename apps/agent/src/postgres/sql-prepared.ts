import { analyzeSql, type StatementInfo } from '@hoop/pipeline';

/**
 * What a SQL text does with prepared statements at the SQL level: `PREPARE name AS query` makes one, `EXECUTE name(…)`
 * runs one (also inside `EXPLAIN ANALYZE` and `CREATE TABLE … AS`), `DEALLOCATE` and `DISCARD ALL` remove them. The
 * session judges an EXECUTE by the text of the statement it runs (see judge.ts) and follows the others.
 */
export interface PreparedOps {
  /** the text's statements, in order (Postgres answers each with a CommandComplete) */
  statements: StatementOps[];
}

export interface StatementOps {
  /** the statement's own text */
  text: string;
  /** a PREPARE: the name, and the query it prepares (judged as that statement) */
  prepare?: { name: string; query: string };
  /** a DEALLOCATE (null: all of them, as DEALLOCATE ALL and DISCARD ALL do) */
  deallocate?: string | null;
  /** the prepared statements it runs with EXECUTE, by name */
  runs: string[];
  /** SQL-level prepared statements used inside a routine body or DO block, which a session cannot follow: where */
  hidden: string | null;
}

/** Words a text must contain to do any of it; anything else is judged as it is, without being parsed again here. */
const MAY_USE_PREPARED = /\b(prepare|execute|deallocate|discard)\b/i;

/** null: the text does nothing with prepared statements (or cannot be parsed, which the guard refuses itself) */
export function readPreparedOps(sql: string): PreparedOps | null {
  if (!MAY_USE_PREPARED.test(sql)) return null;
  const analysis = analyzeSql(sql);
  if (!analysis.ok) return null;
  let any = false;
  const statements = analysis.statements.map((s): StatementOps => {
    const ops: StatementOps = { text: s.text, runs: executed(s), hidden: hiddenUse(s) };
    const node = s.node as { name?: unknown; isall?: unknown; target?: unknown; query?: unknown };
    if (s.type === 'PrepareStmt' && typeof node.name === 'string') {
      // a query that cannot be cut out of the statement is judged as the whole PREPARE (see judge.ts)
      ops.prepare = { name: node.name, query: preparedQuery(s.text, node.query) ?? s.text };
    } else if (s.type === 'DeallocateStmt') {
      ops.deallocate = node.isall === true || typeof node.name !== 'string' ? null : node.name;
    } else if (s.type === 'DiscardStmt' && node.target === 'DISCARD_ALL') {
      ops.deallocate = null;
    }
    if (ops.prepare || ops.deallocate !== undefined || ops.runs.length > 0 || ops.hidden) any = true;
    return ops;
  });
  return any ? { statements } : null;
}

function executed(s: StatementInfo): string[] {
  return (s.nodes.get('ExecuteStmt') ?? []).map((n) => (typeof n.name === 'string' ? n.name : '')).filter((n) => n !== '');
}

const USES_PREPARED = new Set(['PrepareStmt', 'ExecuteStmt', 'DeallocateStmt']);

/** Statements the guard read inside this one (routine bodies, DO blocks), where present. */
type WithInner = StatementInfo & { inner?: { where: string; statements: StatementInfo[] }[] };

function hiddenUse(s: StatementInfo): string | null {
  for (const inner of (s as WithInner).inner ?? []) {
    for (const c of inner.statements) {
      if (USES_PREPARED.has(c.type) || (c.type === 'DiscardStmt' && (c.node as { target?: unknown }).target === 'DISCARD_ALL')) return inner.where;
      if ([...USES_PREPARED].some((t) => (c.nodes.get(t)?.length ?? 0) > 0)) return inner.where;
      const deeper = hiddenUse(c);
      if (deeper) return deeper;
    }
  }
  return null;
}

/**
 * The query of `PREPARE name [(types)] AS query`, cut from the statement's own text: the text after the `AS` whose
 * rest parses to exactly the query the parser found (the name or a type may hold the letters "as" too).
 */
function preparedQuery(text: string, query: unknown): string | null {
  const want = typeof query === 'object' && query !== null ? Object.entries(query)[0] : undefined;
  if (!want) return null;
  const wanted = withoutLocations(want[1]);
  for (const m of text.matchAll(/\bas\b/gi)) {
    const rest = text.slice(m.index + m[0].length).trim();
    const a = analyzeSql(rest);
    if (a.ok && a.statements.length === 1 && a.statements[0]!.type === want[0] && withoutLocations(a.statements[0]!.node) === wanted) return rest;
  }
  return null;
}

function withoutLocations(node: unknown): string {
  return JSON.stringify(node, (k, v: unknown) => (k === 'location' ? undefined : v));
}
