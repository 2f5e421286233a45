import type pg from 'pg';
import Cursor from 'pg-cursor';
import { analyzeSql } from '@hoop/pipeline';

/** Rows a tool call returns at most, whatever it asks for. */
export const MAX_ROWS = 1000;
/** Characters of one value returned; a longer one is cut and says how long it was. */
const MAX_CELL = 4000;

/** Runs SQL on an open session and shapes the result for a tool answer. */
export async function runSqlOn(client: pg.Client, sql: string, limit: number, maxBytes: number, sessionId: string | undefined) {
  const parsed = analyzeSql(sql);
  if (parsed.ok && parsed.statements.length === 1) {
    // one statement: read at most limit + 1 rows through a portal, so a huge result never crosses the wire
    const cursor = client.query(new Cursor(sql, [], { rowMode: 'array' }));
    const rows = (await cursor.read(limit + 1)) as unknown[][];
    const result = (cursor as unknown as { _result?: { fields?: { name: string; dataTypeID: number }[]; command?: string; rowCount?: number | null } })._result;
    const fields = (result?.fields ?? []).map((f) => ({ name: f.name, typeOid: f.dataTypeID }));
    await cursor.close();
    const kept = withinBytes(rows.slice(0, limit), maxBytes);
    const truncated = rows.length > kept.length;
    return {
      sessionId,
      command: result?.command ?? null,
      columns: fields,
      rows: kept.map(trimRow),
      rowCount: fields.length ? kept.length : (result?.rowCount ?? 0),
      truncated,
    };
  }
  const res = (await client.query({ text: sql, rowMode: 'array' })) as unknown as pg.QueryResult<unknown[]> | pg.QueryResult<unknown[]>[];
  const last = Array.isArray(res) ? res.at(-1)! : res;
  const rows = (last.rows ?? []) as unknown[][];
  const kept = withinBytes(rows.slice(0, limit), maxBytes);
  return {
    sessionId,
    columns: (last.fields ?? []).map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
    rows: kept.map(trimRow),
    rowCount: last.rowCount ?? rows.length,
    truncated: rows.length > kept.length,
  };
}

/** the leading rows whose JSON fits in `maxBytes` */
function withinBytes(rows: unknown[][], maxBytes: number): unknown[][] {
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    used += Buffer.byteLength(JSON.stringify(rows[i]));
    if (used > maxBytes) return rows.slice(0, i);
  }
  return rows;
}

/** values longer than a tool answer takes are cut, saying how long they were */
export function trimRow(row: unknown[]): unknown[] {
  return row.map((v) => (typeof v === 'string' && v.length > MAX_CELL ? `${v.slice(0, MAX_CELL)}… (${v.length} characters)` : v));
}
