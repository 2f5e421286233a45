import type { Duplex } from 'node:stream';
import { BLOCKED_PREFIX, EXIT, REVIEW_PREFIX, type TunnelStream } from '@hoop/protocol';
import { CliError } from './errors';
import { formatPsql } from './format';

/** mysql2's column types that hold numbers (printed right-aligned), shown to formatPsql as Postgres numeric. */
const NUMERIC_TYPES = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0xf6]);
const PG_NUMERIC = 1700;

interface Field {
  name: string;
  columnType?: number;
  type?: number;
}
interface Header {
  affectedRows: number;
  insertId?: number;
}
type One = { rows: unknown[][]; fields: Field[] } | { header: Header };

/** mysql2's answer to a query as one result per statement (a multi-statement string answers with a list). */
function results(res: unknown, fields: unknown): One[] {
  const multi = Array.isArray(fields) && fields.length > 0 && (Array.isArray(fields[0]) || fields[0] === undefined);
  const one = (r: unknown, f: unknown): One => (Array.isArray(r) ? { rows: r as unknown[][], fields: (f as Field[]) ?? [] } : { header: r as Header });
  if (!multi) return [one(res, fields)];
  return (res as unknown[]).map((r, i) => one(r, (fields as unknown[])[i]));
}

export interface MysqlExecHooks {
  /** the review the statement waits on, once known (MySQL cannot tell its client: exec asks the gateway) */
  waiting(): { reviewId: string } | null;
  /** stops showing the wait (the statement was answered) */
  answered(): void;
  /** the error to throw when the session is lost (`why`): exec re-attaches when a review is pending */
  lost(why: string): Error;
}

/**
 * `hoop exec` on a MySQL/MariaDB connection: mysql2 over the session's stream (the agent greets it and takes any
 * password), the statements sent as one COM_QUERY, each result printed as psql prints one (or as JSON). A refusal by
 * the guard exits 3, like on Postgres; a statement held for review waits for the decision (exec shows the link), runs
 * once approved, and exits 4 when it is not.
 */
export async function runMysqlExec(stream: TunnelStream, name: string, sql: string, output: 'text' | 'json', hooks?: MysqlExecHooks): Promise<number> {
  const mysql = await import('mysql2/promise');
  let conn: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    conn = await mysql.createConnection({ stream: stream as unknown as Duplex, user: 'hoop', password: '', multipleStatements: true, rowsAsArray: true });
  } catch (err) {
    stream.destroy();
    throw new CliError(EXIT.unreachable, `could not open a session on "${name}": ${(err as Error).message}`);
  }
  conn.on('error', () => undefined);
  try {
    const [res, fields] = await conn.query(sql);
    hooks?.answered();
    const w = hooks?.waiting();
    if (w) process.stderr.write(`approved: review ${w.reviewId}\n`);
    print(results(res, fields), output);
    return EXIT.ok;
  } catch (err) {
    hooks?.answered();
    const e = err as { errno?: number; sqlState?: string; sqlMessage?: string; message: string; fatal?: boolean };
    if (e.errno === undefined) {
      if (hooks) throw hooks.lost(e.message);
      throw new CliError(EXIT.unreachable, `the session ended unexpectedly: ${e.message}`);
    }
    const message = e.sqlMessage ?? e.message;
    process.stderr.write(`ERROR ${e.errno} (${e.sqlState ?? 'HY000'}): ${message}\n`);
    if (output === 'json') process.stdout.write(`${JSON.stringify({ error: { code: e.errno, sqlState: e.sqlState ?? null, message } })}\n`);
    if (message.startsWith(REVIEW_PREFIX)) return EXIT.rejected;
    return message.startsWith(BLOCKED_PREFIX) ? EXIT.blocked : EXIT.targetError;
  } finally {
    await conn.end().catch(() => undefined);
    stream.destroy();
  }
}

function print(all: One[], output: 'text' | 'json'): void {
  if (output === 'json') {
    const json = all.map((r) =>
      'header' in r
        ? { rowCount: r.header.affectedRows, ...(r.header.insertId ? { insertId: r.header.insertId } : {}) }
        : { columns: r.fields.map((f) => ({ name: f.name, type: f.columnType ?? f.type ?? null })), rows: r.rows, rowCount: r.rows.length },
    );
    process.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`);
    return;
  }
  for (const r of all) {
    if ('header' in r) process.stdout.write(`Query OK, ${r.header.affectedRows} ${r.header.affectedRows === 1 ? 'row' : 'rows'} affected\n`);
    else {
      const fields = r.fields.map((f) => ({ name: f.name, dataTypeID: NUMERIC_TYPES.has(f.columnType ?? f.type ?? -1) ? PG_NUMERIC : 0 }));
      process.stdout.write(`${formatPsql(fields, r.rows)}\n`);
    }
  }
}
