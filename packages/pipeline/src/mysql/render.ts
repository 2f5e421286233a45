/**
 * MySQL reads a statement differently depending on the server and the session, and a guard must judge every reading
 * the server might make:
 *
 * - `/*! code *\/`, `/*!50700 code *\/` and MariaDB's `/*M!100100 code *\/` are run as code by a server whose version
 *   is at least the one written (`/*M!` by MariaDB only), and skipped as comments by the others;
 * - with `NO_BACKSLASH_ESCAPES` in sql_mode a backslash in a string is an ordinary character (`'a\'` is complete);
 * - with `ANSI_QUOTES` a double-quoted word is an identifier, not a string.
 *
 * `render` turns a text into one reading of it, in a form the grammar reads the same way whatever the session: comments
 * become spaces, strings are written `'…'` with only `''` and `\\` escapes, identifiers in backticks. `readings` lists
 * every distinct reading (the first one is the usual one: escapes on, double quotes as strings, every versioned
 * comment run).
 */

export interface Mode {
  /** backslash escapes in strings (off with NO_BACKSLASH_ESCAPES) */
  backslash: boolean;
  /** double quotes delimit identifiers (ANSI_QUOTES) */
  ansiQuotes: boolean;
  /** the server: which versioned comments run */
  server: { mariadb: boolean; version: number };
}

export interface Rendered {
  text: string;
  /** versions written in the versioned comments met while reading */
  versions: number[];
  /** what in the text depends on sql_mode: a backslash or a double quote inside a quoted part */
  modeDependent: boolean;
  /** a quote or comment that does not end */
  unterminated?: string;
  /** the text ends where a string or quoted identifier opens and never closes (it is cut there) */
  inQuote?: boolean;
}

const isSpaceOrControl = (c: string | undefined) => c === undefined || c <= ' ';

/** Renders one reading of `sql`. */
export function render(sql: string, mode: Mode): Rendered {
  let out = '';
  const versions: number[] = [];
  let modeDependent = false;
  let inVersioned = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '#' || (c === '-' && next === '-' && isSpaceOrControl(sql[i + 2]))) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      out += ' ';
      continue;
    }
    if (c === '*' && next === '/' && inVersioned) {
      inVersioned = false;
      i += 2;
      out += ' ';
      continue;
    }
    if (c === '/' && next === '*') {
      const bang = sql[i + 2] === '!' ? 3 : sql[i + 2] === 'M' && sql[i + 3] === '!' ? 4 : 0;
      if (bang && !inVersioned) {
        let j = i + bang;
        while (j < n && j - (i + bang) < 6 && sql[j]! >= '0' && sql[j]! <= '9') j++;
        const digits = sql.slice(i + bang, j);
        const version = digits.length >= 5 ? Number(digits) : 0;
        if (digits.length >= 5) versions.push(version);
        const mariadbOnly = bang === 4;
        const runs = (!mariadbOnly || mode.server.mariadb) && version <= mode.server.version;
        if (runs) {
          // too few digits for a version: they are code
          i = digits.length >= 5 ? j : i + bang;
          inVersioned = true;
          out += ' ';
          continue;
        }
      }
      // a comment (or a versioned comment this server skips): up to the first */, nothing nests
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return { text: out, versions, modeDependent, unterminated: 'a comment that does not end' };
      i = end + 2;
      out += ' ';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const asIdentifier = c === '`' || (c === '"' && mode.ansiQuotes);
      const escapes = !asIdentifier && mode.backslash;
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = sql[j]!;
        if (d === '\\' && !asIdentifier) {
          modeDependent = true;
          if (escapes) {
            value += unescapeChar(sql[j + 1]);
            j += 2;
            continue;
          }
        }
        if (d === '"' && c !== '"') modeDependent = true;
        if (d === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        value += d;
        j++;
      }
      if (c === '"') modeDependent = true;
      if (!closed) {
        return { text: out, versions, modeDependent, unterminated: `a ${asIdentifier ? 'quoted identifier' : 'string'} that does not end`, inQuote: true };
      }
      out += asIdentifier ? `\`${value.replace(/`/g, '``')}\`` : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
      i = j;
      continue;
    }
    // a placeholder of a prepared statement (COM_STMT_PREPARE, PREPARE … FROM '…'): a value not known yet
    out += c === '?' ? ' 0 ' : c;
    i++;
  }
  if (inVersioned) return { text: out, versions, modeDependent, unterminated: 'a versioned comment that does not end' };
  return { text: out, versions, modeDependent };
}

/** MySQL's string escapes: \0 \' \" \b \n \r \t \Z \\ (\% and \_ keep their backslash); any other \x is x. */
function unescapeChar(c: string | undefined): string {
  switch (c) {
    case undefined:
      return '\\';
    case '0':
      return '\0';
    case 'b':
      return '\b';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'Z':
      return '\x1a';
    case '%':
    case '_':
      return `\\${c}`;
    default:
      return c;
  }
}

/** At most this many readings of one text are judged; a text that has more is refused. */
export const MAX_READINGS = 24;

export interface Reading extends Rendered {
  mode: Mode;
}

/**
 * Every distinct reading of `sql`: for each server (MySQL, MariaDB) at each version written in its versioned
 * comments, with sql_mode's escapes and quotes as they come. Null when there are more than MAX_READINGS.
 */
export function readings(sql: string): Reading[] | null {
  const first: Mode = { backslash: true, ansiQuotes: false, server: { mariadb: true, version: Number.MAX_SAFE_INTEGER } };
  const seen = new Map<string, Reading>();
  const versions = new Set<number>([Number.MAX_SAFE_INTEGER, -1]);
  const done = new Set<string>();
  const add = (mode: Mode) => {
    const key = `${mode.backslash}${mode.ansiQuotes}${mode.server.mariadb}${mode.server.version}`;
    if (done.has(key)) return;
    done.add(key);
    const r = render(sql, mode);
    for (const v of r.versions) {
      versions.add(v);
      versions.add(v - 1);
    }
    if (!seen.has(r.text)) seen.set(r.text, { ...r, mode });
  };
  const base = render(sql, first);
  seen.set(base.text, { ...base, mode: first });
  done.add(`truefalsetrue${Number.MAX_SAFE_INTEGER}`);
  for (const v of base.versions) versions.add(v).add(v - 1);
  const sqlModes = base.modeDependent
    ? [
        [true, false],
        [false, false],
        [true, true],
        [false, true],
      ]
    : [[true, false]];
  // versions found only inside other versioned comments come in on later rounds
  for (let round = 0; round < 3; round++) {
    for (const v of [...versions])
      for (const mariadb of [true, false])
        for (const [backslash, ansiQuotes] of sqlModes) {
          add({ backslash: backslash!, ansiQuotes: ansiQuotes!, server: { mariadb, version: v } });
          if (seen.size > MAX_READINGS || done.size > MAX_READINGS * 8) return null;
        }
  }
  return [...seen.values()];
}
