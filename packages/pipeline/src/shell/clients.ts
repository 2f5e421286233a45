import { readOptions } from './options';

/** SQL a database client is given on its command line or standard input. */
export interface SqlInput {
  client: 'psql' | 'mysql';
  /** where it came from, as the user wrote it: `-c`, `--execute`, `standard input` */
  source: string;
  /** the SQL, with each shell expansion in it replaced by `x` unless `literal` */
  sql: string;
  /** holds no shell expansion: the SQL is exactly this */
  literal: boolean;
}

interface Word {
  value: string;
  literal: boolean;
  sample: string;
}

const PSQL = {
  short: 'cdfhLopPRTUvF',
  long: [
    'command',
    'dbname',
    'file',
    'host',
    'log-file',
    'output',
    'port',
    'pset',
    'record-separator',
    'table-attr',
    'username',
    'set',
    'variable',
    'field-separator',
  ],
};
const MYSQL = {
  short: 'eDhPSuUOA',
  long: [
    'execute',
    'database',
    'host',
    'port',
    'socket',
    'user',
    'defaults-file',
    'defaults-extra-file',
    'init-command',
    'default-character-set',
    'login-path',
  ],
};

function client(name: string): 'psql' | 'mysql' | null {
  if (name === 'psql') return 'psql';
  if (name === 'mysql' || name === 'mariadb') return 'mysql';
  return null;
}

export function sqlInputs(name: string, argv: readonly Word[], stdin: { text: string | null; literal: boolean }): SqlInput[] {
  const kind = client(name);
  if (!kind) return [];
  const values = argv.map((w) => w.value);
  const o = readOptions(values, 1, kind === 'psql' ? PSQL : MYSQL);
  const code = kind === 'psql' ? ['c', 'command'] : ['e', 'execute'];
  const out: SqlInput[] = [];
  for (const opt of o.all) {
    if (!code.includes(opt.name)) continue;
    const word = argv[opt.index];
    if (!word) continue;
    // the value is its own word, or the tail of `-cSQL` / `--command=SQL`
    const sql = word.literal ? opt.value : word.sample.slice(word.value.length - opt.value.length);
    out.push({ client: kind, source: opt.name.length === 1 ? `-${opt.name}` : `--${opt.name}`, sql, literal: word.literal });
  }
  const file = o.seen.get('f') ?? o.seen.get('file');
  const readsStdin = out.length === 0 && (!file || file.value === '-');
  if (readsStdin && stdin.text !== null) out.push({ client: kind, source: 'standard input', sql: stdin.text, literal: stdin.literal });
  return out;
}

/** psql reads backslash meta-commands line by line; `\!` runs the rest of its line in a shell */
export function psqlShellEscapes(input: SqlInput): string[] {
  if (input.client !== 'psql' || !input.sql.includes('\\!')) return [];
  const out: string[] = [];
  for (const line of input.sql.split('\n')) {
    const m = /^\s*\\!\s*(.*)$/.exec(line);
    if (m && m[1]) out.push(m[1]);
  }
  return out;
}

/** the SQL without psql's meta-command lines (`\dt`, `\x`, `\!`), which the SQL grammar does not read */
export function sqlText(input: SqlInput): string {
  if (input.client !== 'psql' || !input.sql.includes('\\')) return input.sql;
  return input.sql
    .split('\n')
    .filter((line) => !/^\s*\\/.test(line))
    .join('\n');
}
