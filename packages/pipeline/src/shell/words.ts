import type { Part, Stmt, Word } from './syntax';

/** The text a tree was parsed from; the parser counts positions in UTF-8 bytes. */
export class Source {
  private readonly bytes: Buffer | null;
  constructor(readonly text: string) {
    this.bytes = Buffer.byteLength(text) === text.length ? null : Buffer.from(text, 'utf8');
  }
  slice(start: number, end: number): string {
    return this.bytes ? this.bytes.toString('utf8', start, end) : this.text.slice(start, end);
  }
}

/** A word after quote removal: what the program receives, as far as it is known before the line runs. */
export interface ResolvedWord {
  /** as written */
  raw: string;
  /** quotes and escapes removed; expansions kept as written (`$HOME`, `$(…)`) */
  value: string;
  /** holds no expansion: `value` is exactly what the program gets */
  literal: boolean;
  /** has an unquoted `*`, `?` or `[` the shell expands to file names */
  glob: boolean;
  /** the value as a path in the worst case: `$HOME` as `~`, `$PWD` as `.`, other expansions as if empty or unset */
  path: string;
  /** the value with every expansion replaced by `x`: a stand-in that keeps SQL and code readable */
  sample: string;
  /** the expansions `path` took as empty: `DIR`, `$(…)` */
  emptied: string[];
  /** command and process substitutions inside the word, in order */
  substs: { stmts: Stmt[]; proc: boolean }[];
  start: number;
  end: number;
}

/** A word hoop makes up rather than reads from the line (find's implied `.`, a path xargs is handed): literal, written as it is. */
export const literalWord = (value: string, over?: Partial<ResolvedWord>): ResolvedWord => ({
  raw: value,
  value,
  literal: true,
  glob: false,
  path: value,
  sample: value,
  emptied: [],
  substs: [],
  start: 0,
  end: 0,
  ...over,
});

/** stands for an expansion that cannot be empty (`${DIR:?}`): a name no path class treats as broad */
const SET = '\u0001set';
const MAX_BRACE_WORDS = 256;

const C_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** `$'…'` strings: the C escapes Bash decodes */
function ansiC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/gs, (m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') return e.length > 1 ? String.fromCodePoint(Math.min(parseInt(e.slice(1), 16), 0x10ffff)) : m;
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    if (e[0] === 'c' && e.length === 2) return String.fromCharCode(e.charCodeAt(1) & 0x1f);
    return C_ESCAPES[e] ?? m;
  });
}

/** unquoted text: a backslash quotes the next character; backslash-newline joins lines */
function unescapeBare(s: string): string {
  return s.includes('\\') ? s.replace(/\\(\n|.)/gs, (_, c: string) => (c === '\n' ? '' : c)) : s;
}

/** inside double quotes (and here-documents) a backslash only quotes $ ` " \ and newline */
function unescapeDouble(s: string, heredoc: boolean): string {
  if (!s.includes('\\')) return s;
  return s.replace(heredoc ? /\\([$`\\\n])/g : /\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
}

interface Acc {
  value: string;
  path: string;
  sample: string;
  literal: boolean;
  glob: boolean;
  emptied: string[];
  substs: ResolvedWord['substs'];
}

function walkParts(parts: Part[], src: Source, acc: Acc, quoted: 'no' | 'double' | 'heredoc'): void {
  for (const p of parts) {
    switch (p.type) {
      case 'lit': {
        const v = quoted === 'no' ? unescapeBare(p.value) : unescapeDouble(p.value, quoted === 'heredoc');
        if (quoted === 'no' && /(^|[^\\])[*?[]/.test(p.value)) acc.glob = true;
        acc.value += v;
        acc.path += v;
        acc.sample += v;
        break;
      }
      case 'sgl': {
        const v = p.ansi ? ansiC(p.value) : p.value;
        acc.value += v;
        acc.path += v;
        acc.sample += v;
        break;
      }
      case 'dbl':
        walkParts(p.parts, src, acc, 'double');
        break;
      case 'extglob':
        acc.glob = true;
        acc.value += `(${p.value})`;
        acc.path += '*';
        acc.sample += '*';
        break;
      case 'param': {
        acc.literal = false;
        acc.value += src.slice(p.start, p.end);
        acc.sample += 'x';
        acc.path += paramPath(p, src, acc);
        for (const w of p.nested) collectSubsts(w, acc);
        break;
      }
      case 'subst':
        acc.literal = false;
        acc.value += src.slice(p.start, p.end);
        acc.sample += 'x';
        acc.emptied.push(p.proc ? '<(…)' : '$(…)');
        // a process substitution becomes a path like /dev/fd/63
        if (p.proc) acc.path += '/dev/fd/63';
        acc.substs.push({ stmts: p.stmts, proc: p.proc });
        break;
      case 'arith':
        acc.literal = false;
        acc.value += src.slice(p.start, p.end);
        acc.sample += '0';
        acc.path += '0';
        for (const w of p.nested) collectSubsts(w, acc);
        break;
    }
  }
}

function paramPath(p: Extract<Part, { type: 'param' }>, src: Source, acc: Acc): string {
  if (p.plain && p.name === 'HOME') return '~';
  if (p.plain && p.name === 'PWD') return '.';
  if (p.op === ':?' || p.op === '?') return SET;
  if (p.arg) collectSubsts(p.arg, acc);
  if ((p.op === ':-' || p.op === '-' || p.op === ':=' || p.op === '=') && p.arg) {
    const inner = resolveOne(p.arg, src, 'double');
    acc.emptied.push(...inner.emptied);
    return inner.path;
  }
  acc.emptied.push(p.name || src.slice(p.start, p.end));
  return '';
}

function collectSubsts(w: Word, acc: Acc): void {
  for (const p of w.parts) {
    if (p.type === 'subst') acc.substs.push({ stmts: p.stmts, proc: p.proc });
    else if (p.type === 'dbl') collectSubsts({ parts: p.parts, start: w.start, end: w.end }, acc);
    else if (p.type === 'param') {
      for (const n of p.nested) collectSubsts(n, acc);
      if (p.arg) collectSubsts(p.arg, acc);
    } else if (p.type === 'arith') for (const n of p.nested) collectSubsts(n, acc);
  }
}

function resolveOne(w: Word, src: Source, quoted: 'no' | 'double' | 'heredoc' = 'no'): ResolvedWord {
  const acc: Acc = { value: '', path: '', sample: '', literal: true, glob: false, emptied: [], substs: [] };
  walkParts(w.parts, src, acc, quoted);
  return { raw: src.slice(w.start, w.end), ...acc, start: w.start, end: w.end };
}

/** Resolves one word (an argument, an assignment's value, a redirection target). */
export function resolveWord(w: Word, src: Source): ResolvedWord {
  return resolveOne(w, src);
}

/** A here-document's body: expansions apply unless its delimiter was quoted, which the parser already reflects. */
export function resolveHeredoc(w: Word, src: Source): ResolvedWord {
  return resolveOne(w, src, 'heredoc');
}

/** Resolves a command's words, expanding `{a,b}` lists the way Bash does before anything runs. */
export function resolveWords(words: Word[], src: Source): ResolvedWord[] {
  const out: ResolvedWord[] = [];
  for (const w of words) {
    const r = resolveOne(w, src);
    const expanded = r.literal && w.parts.every((p) => p.type === 'lit' && !p.value.includes('\\')) ? braces(r.value) : null;
    if (!expanded || expanded.length < 2) out.push(r);
    else for (const v of expanded) out.push({ ...r, value: v, path: v, sample: v, glob: /[*?[]/.test(v) });
  }
  return out;
}

/** `a{b,c}d` → abd acd, nested lists included; null when there is nothing to expand or too much */
function braces(s: string): string[] | null {
  const open = s.indexOf('{');
  if (open < 0 || !s.includes(',', open)) return null;
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      if (commas.length === 0) break;
      const head = s.slice(0, open);
      const tail = braces(s.slice(i + 1)) ?? [s.slice(i + 1)];
      const bounds = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const alt = s.slice(bounds[k]! + 1, bounds[k + 1]);
        for (const a of braces(alt) ?? [alt]) for (const t of tail) out.push(head + a + t);
        if (out.length > MAX_BRACE_WORDS) return null;
      }
      return out;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  const rest = braces(s.slice(open + 1));
  return rest ? rest.map((r) => s.slice(0, open + 1) + r) : null;
}
