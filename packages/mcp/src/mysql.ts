import type { Duplex } from 'node:stream';
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2';
import { BLOCKED_PREFIX, REVIEW_PREFIX } from '@hoop/protocol';
import { defaultPolicy, evaluateMysql, initMysqlGuard } from '@hoop/pipeline';
import { trimRow } from './sql';

/**
 * The MCP tools on a MySQL/MariaDB connection: mysql2 over the session's stream (the agent greets it, judges every
 * statement with the MySQL guard and masks the rows), a result read as it streams so at most `limit + 1` rows of it
 * are ever held, whatever the statement returns.
 */
export type MysqlConnection = Connection;

/** mysql2 speaking over a hoop stream: the agent takes any user name and password, and logs into the target itself. */
export async function mysqlClientOver(stream: Duplex): Promise<MysqlConnection> {
  const mysql = (await import('mysql2')).default;
  const conn = mysql.createConnection({
    stream,
    user: 'hoop',
    password: '',
    multipleStatements: true,
    rowsAsArray: true,
    // values as the server prints them: no time zone applied to dates, big numbers kept exact as text
    dateStrings: true,
    supportBigNumbers: true,
  });
  await new Promise<void>((resolve, reject) => {
    conn.once('connect', () => resolve());
    conn.once('error', reject);
  });
  conn.on('error', () => undefined);
  return conn;
}

/**
 * What the statements of a text are, read with the MySQL grammar (null when the guard cannot read it). The grammar is
 * loaded on the first MySQL call, not when `hoop mcp` starts.
 */
export async function mysqlStatements(sql: string): Promise<{ kind: string; command: string }[] | null> {
  // a call reads its text twice (does it need a reason? is it one statement?): the second time is free
  if (last?.sql === sql) return last.statements;
  await initMysqlGuard();
  const d = evaluateMysql(sql, defaultPolicy());
  const statements = d.ruleId === 'parse-error' ? null : d.statements.map((s) => ({ kind: s.kind, command: s.command }));
  last = { sql, statements };
  return statements;
}
let last: { sql: string; statements: { kind: string; command: string }[] | null } | null = null;

/** SQL names of the column types a result announces (the wire's type codes) */
const TYPES: Record<number, string> = {
  0: 'decimal',
  1: 'tinyint',
  2: 'smallint',
  3: 'int',
  4: 'float',
  5: 'double',
  6: 'null',
  7: 'timestamp',
  8: 'bigint',
  9: 'mediumint',
  10: 'date',
  11: 'time',
  12: 'datetime',
  13: 'year',
  15: 'varchar',
  16: 'bit',
  245: 'json',
  246: 'decimal',
  247: 'enum',
  248: 'set',
  249: 'tinyblob',
  250: 'mediumblob',
  251: 'longblob',
  252: 'blob',
  253: 'varchar',
  254: 'char',
  255: 'geometry',
};
/** the character set number of binary data: a blob or varbinary (other blobs are text) */
const BINARY = 63;

function columnOf(f: FieldPacket): { name: string; type: string } {
  const code = f.columnType ?? f.type ?? -1;
  let type = TYPES[code] ?? `type ${code}`;
  if (f.characterSet !== BINARY) type = type.replace(/blob$/, 'text');
  else if (type === 'varchar' || type === 'char') type = type === 'char' ? 'binary' : 'varbinary';
  return { name: f.name, type };
}

/** binary values as hex text (JSON has no bytes), the rest as they came */
const jsonValue = (v: unknown) => (Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : v);

interface Current {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  bytes: number;
  seen: number;
  header: ResultSetHeader | null;
}

/**
 * Runs SQL on an open MySQL session and shapes the last result as the Postgres tool does (columns, rows, rowCount,
 * truncated). Rows beyond `limit` or `maxBytes` are counted and dropped as they arrive; when the text is one
 * statement the session is ended as soon as there is one row more than `limit` (the caller closes it), so a huge
 * result never crosses the wire.
 */
export function runMysqlOn(
  conn: MysqlConnection,
  sql: string,
  limit: number,
  maxBytes: number,
  sessionId: string | undefined,
  o: { single: boolean; command: string | null; earlier?: boolean },
): Promise<Record<string, unknown> & { complete: boolean }> {
  return new Promise((resolve, reject) => {
    let current: Current | null = null;
    /** with `earlier`: the rows of the results before the last, each cut to the limits of its own */
    const earlier: unknown[][][] = [];
    let settled = false;
    const shape = (complete: boolean) => {
      const c = current ?? { columns: [], rows: [], bytes: 0, seen: 0, header: null };
      const rows = c.rows.slice(0, limit).map((r) => trimRow(r.map(jsonValue)));
      const header = c.header;
      return {
        sessionId,
        command: o.command,
        columns: c.columns,
        rows,
        rowCount: header ? header.affectedRows : rows.length,
        truncated: c.seen > rows.length,
        ...(header?.insertId ? { insertId: header.insertId } : {}),
        ...(o.earlier ? { earlier } : {}),
        complete,
      };
    };
    const q = conn.query({ sql, rowsAsArray: true });
    q.on('fields', (fields: FieldPacket[] | undefined) => {
      if (o.earlier && current) earlier.push(current.rows.slice(0, limit).map((r) => trimRow(r.map(jsonValue))));
      current = { columns: (fields ?? []).map(columnOf), rows: [], bytes: 0, seen: 0, header: null };
    });
    q.on('result', (row: unknown) => {
      if (settled || !current) return;
      if (!Array.isArray(row)) {
        current.header = row as ResultSetHeader;
        return;
      }
      current.seen++;
      if (current.rows.length < limit) {
        const bytes = Buffer.byteLength(JSON.stringify(row.map(jsonValue)));
        if (current.bytes + bytes <= maxBytes && current.rows.length === current.seen - 1) {
          current.bytes += bytes;
          current.rows.push(row);
        }
      }
      if (o.single && current.seen > current.rows.length) {
        // one row more than is returned is known to be there: nothing after it is needed
        settled = true;
        resolve(shape(false));
      }
    });
    q.on('error', (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    q.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(shape(true));
    });
  });
}

/** Ends a MySQL session: COM_QUIT when the last query finished, otherwise the stream is cut under it. */
export function closeMysql(conn: MysqlConnection, stream: Duplex, complete: boolean): Promise<void> {
  if (!complete) {
    stream.destroy();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.destroy();
      resolve();
    };
    const timer = setTimeout(done, 2000);
    conn.end(() => {
      clearTimeout(timer);
      done();
    });
  });
}

/**
 * The words of a failed call on a MySQL session for an agent: a guard's refusal (ERR 1227 with hoop's words), a
 * rejected review, or the server's own error as the mysql client prints it. Null for what is not a MySQL error.
 */
export function explainMysqlError(err: unknown): string | null {
  const e = err as { errno?: number; sqlState?: string; sqlMessage?: string; message?: string };
  if (e.errno === undefined) return null;
  const message = e.sqlMessage ?? e.message ?? '';
  if (message.startsWith(REVIEW_PREFIX)) return `${message}. The statement did not run. Do not retry it unchanged; tell the user what the reviewer said.`;
  if (message.startsWith(BLOCKED_PREFIX)) return `${message}. The statement was not run. Change it (for example add a WHERE clause), or ask a human to do it.`;
  return `the database answered: ERROR ${e.errno} (${e.sqlState ?? 'HY000'}): ${message}`;
}
