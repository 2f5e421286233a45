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

/**
 * The SQL that lists columns; `schema` defaults to every non-system schema (MySQL: the session's database). On MySQL it
 * is two statements, each as plain as it can be (the guard reads every statement hoop sends, its own too, within a
 * time budget): the foreign keys, whose rows `schemaTables` takes as `references`, then the columns with their keys
 * (the last result, which the row limit and the truncated flag are about).
 */
export function schemaQuery(type: string, schema?: string, table?: string): string {
  if (type === 'mysql') {
    const where = `TABLE_SCHEMA = ${schema ? myLit(schema) : 'DATABASE()'}${table ? ` AND TABLE_NAME = ${myLit(table)}` : ''}`;
    return (
      'SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE ' +
      `WHERE ${where} AND REFERENCED_TABLE_NAME IS NOT NULL; ` +
      'SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, EXTRA FROM information_schema.COLUMNS ' +
      `WHERE ${where} ORDER BY TABLE_NAME, ORDINAL_POSITION`
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

const text = (row: unknown[]) => row.map((v) => (v === null || v === undefined ? null : String(v)));

/** The rows of `schemaQuery` as tables with their columns, in order (MySQL: `foreignKeys`, the first result's rows). */
export function schemaTables(type: string, rows: unknown[][], foreignKeys: unknown[][] = []): SchemaTable[] {
  const references = new Map<string, string>();
  for (const [t, column, refTable, refColumn] of foreignKeys.map(text)) references.set(`${t}.${column}`, `${refTable}.${refColumn}`);
  const tables = new Map<string, SchemaTable>();
  for (const row of rows) {
    const [s, t, name, colType, nullable, key, extra] = text(row);
    const k = `${s}.${t}`;
    if (!tables.has(k)) tables.set(k, { schema: s!, table: t!, columns: [] });
    const column: SchemaColumn = { name: name!, type: colType!, nullable: nullable === 'YES' };
    if (type === 'mysql') {
      if (key && KEYS[key]) column.key = KEYS[key];
      const ref = references.get(`${t}.${name}`);
      if (ref) column.references = ref;
      if (extra && /auto_increment/i.test(extra)) column.autoIncrement = true;
    }
    tables.get(k)!.columns.push(column);
  }
  return [...tables.values()];
}
