/**
 * `describe_schema`: the query that lists a connection's tables and columns from information_schema, and the shape
 * of its answer, for Postgres and for MySQL/MariaDB (whose columns also say their keys and what they reference).
 */

/** rows of columns one call reads at most */
export const SCHEMA_ROWS = 5000;

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
  /** MySQL: primary, unique or index (COLUMN_KEY PRI, UNI, MUL) */
  key?: 'primary' | 'unique' | 'index';
  /** MySQL: `table.column` of the foreign key this column is part of */
  references?: string;
  autoIncrement?: true;
}
export interface SchemaTable {
  schema: string;
  table: string;
  columns: SchemaColumn[];
}

const pgLit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/**
 * A MySQL string literal that means the same text with and without NO_BACKSLASH_ESCAPES: a quote is doubled in both
 * readings (it never ends the literal), a backslash doubled only matches less under that mode, never more.
 */
const myLit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

const MYSQL_SYSTEM = "('mysql', 'information_schema', 'performance_schema', 'sys')";

/** The SQL that lists columns; `schema` defaults to every non-system schema (MySQL: the session's database). */
export function schemaQuery(type: string, schema?: string, table?: string): string {
  if (type === 'mysql') {
    const where = [
      `c.TABLE_SCHEMA NOT IN ${MYSQL_SYSTEM}`,
      schema ? `c.TABLE_SCHEMA = ${myLit(schema)}` : '(DATABASE() IS NULL OR c.TABLE_SCHEMA = DATABASE())',
      ...(table ? [`c.TABLE_NAME = ${myLit(table)}`] : []),
    ].join(' AND ');
    const references =
      "(SELECT CONCAT(k.REFERENCED_TABLE_NAME, '.', k.REFERENCED_COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE k " +
      'WHERE k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME ' +
      'AND k.REFERENCED_TABLE_NAME IS NOT NULL LIMIT 1)';
    return (
      'SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_KEY, c.EXTRA, ' +
      `${references} FROM information_schema.COLUMNS c WHERE ${where} ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`
    );
  }
  const where = [
    "c.table_schema NOT IN ('pg_catalog', 'information_schema')",
    ...(schema ? [`c.table_schema = ${pgLit(schema)}`] : []),
    ...(table ? [`c.table_name = ${pgLit(table)}`] : []),
  ].join(' AND ');
  return (
    'SELECT c.table_schema, c.table_name, c.column_name, c.data_type, ' +
    `c.is_nullable FROM information_schema.columns c WHERE ${where} ORDER BY 1, 2, c.ordinal_position`
  );
}

const KEYS: Record<string, SchemaColumn['key']> = { PRI: 'primary', UNI: 'unique', MUL: 'index' };

/** The rows of `schemaQuery` as tables with their columns, in order. */
export function schemaTables(type: string, rows: unknown[][]): SchemaTable[] {
  const tables = new Map<string, SchemaTable>();
  for (const row of rows) {
    const [s, t, name, colType, nullable, key, extra, references] = row.map((v) => (v === null || v === undefined ? null : String(v)));
    const k = `${s}.${t}`;
    if (!tables.has(k)) tables.set(k, { schema: s!, table: t!, columns: [] });
    const column: SchemaColumn = { name: name!, type: colType!, nullable: nullable === 'YES' };
    if (type === 'mysql') {
      if (key && KEYS[key]) column.key = KEYS[key];
      if (references) column.references = references;
      if (extra && /auto_increment/i.test(extra)) column.autoIncrement = true;
    }
    tables.get(k)!.columns.push(column);
  }
  return [...tables.values()];
}
