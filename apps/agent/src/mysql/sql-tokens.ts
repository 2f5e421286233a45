/** A token of MySQL text: a word (keyword or name), a string (its text, quotes and escapes undone), or punctuation. */
export type SqlToken = { kind: 'word' | 'string' | 'punct'; text: string };

/**
 * The tokens of a MySQL text as the server reads them, for the relay's few lexical checks (the guard has the grammar):
 * comments skipped, versioned comments (`/*!50000 … *\/`, `/*M!… *\/`) read as code, quoted strings undone, backtick
 * names and numbers read as words.
 */
export function* sqlTokens(sql: string): Generator<SqlToken> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if ((c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /[\s\x00-\x1f]/.test(sql[i + 2]!))) || c === '#') {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const versioned = /^\/\*(M?!)(\d{5,6})?/.exec(sql.slice(i, i + 10));
      if (versioned) i += versioned[0].length;
      else {
        const close = sql.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
      }
    } else if (c === '*' && sql[i + 1] === '/') {
      // the end of a versioned comment read as code
      i += 2;
    } else if (c === "'" || c === '"') {
      const { text, end } = quoted(sql, i);
      yield { kind: 'string', text };
      i = end;
    } else if (c === '`') {
      const close = sql.indexOf('`', i + 1);
      const end = close < 0 ? n : close;
      yield { kind: 'word', text: `\`${sql.slice(i + 1, end)}\`` };
      i = end + 1;
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      yield { kind: 'word', text: sql.slice(i, j) };
      i = j;
    } else {
      if (!/\s/.test(c)) yield { kind: 'punct', text: c };
      i++;
    }
  }
}

/**
 * Whether a text holds a SQL `PREPARE name FROM …` anywhere it could run: at the top, or inside a compound statement,
 * a routine body or an IF (read as `PREPARE`, a name, `FROM`; a column aliased `prepare x FROM` counts too).
 */
export function hasPrepareStatement(sql: string): boolean {
  const last: string[] = [];
  for (const t of sqlTokens(sql)) {
    last.push(t.kind === 'word' ? t.text.toUpperCase() : t.kind === 'string' ? "'" : t.text);
    if (last.length > 3) last.shift();
    if (last.length === 3 && last[0] === 'PREPARE' && last[2] === 'FROM' && /^[`A-Z0-9_$@]/.test(last[1]!)) return true;
  }
  return false;
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };

/** A quoted string starting at `start`: its text (doubled quotes and backslash escapes undone) and where it ends. */
function quoted(sql: string, start: number): { text: string; end: number } {
  const q = sql[start]!;
  let text = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\' && i + 1 < sql.length) {
      const e = sql[i + 1]!;
      text += ESCAPES[e] ?? e;
      i += 2;
    } else if (c === q && sql[i + 1] === q) {
      text += q;
      i += 2;
    } else if (c === q) return { text, end: i + 1 };
    else {
      text += c;
      i++;
    }
  }
  return { text, end: sql.length };
}
