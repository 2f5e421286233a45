/**
 * Scratch paths: where deleting a directory tree needs no reviewer (`/tmp/…`, `node_modules`). A path counts only when
 * its text alone proves it: no expansion, no `..`, no `~`, no glob that can take more than the list names. Paths are
 * judged as written; hoop does not look at the server's file system (a symbolic link made earlier is not seen).
 */

/** the parts of a word the check reads: `literal` false when it holds `$X` or `$(…)` */
export interface PathWord {
  value: string;
  literal: boolean;
  glob: boolean;
  raw: string;
}

const GLOB = /[*?[]/;
/** a segment that takes everything in its directory */
const MATCH_ALL = /^\.?\*+$/;

interface Pattern {
  absolute: boolean;
  segments: string[];
}

const compiled = new Map<string, Pattern>();

/**
 * A list entry: `/tmp/*` (inside /tmp, not /tmp itself), `node_modules` (a name without a slash: that directory at any
 * depth below the working directory, as in .gitignore), `./build/cache` (anchored to the working directory). `*` and
 * `?` stay within one segment, `**` spans any number.
 */
function pattern(entry: string): Pattern {
  let p = compiled.get(entry);
  if (p) return p;
  const absolute = entry.startsWith('/');
  const segments = entry.split('/').filter((s) => s !== '' && s !== '.');
  const anchored = absolute || entry.replace(/\/+$/, '').includes('/');
  p = { absolute, segments: anchored ? segments : ['**', ...segments] };
  if (compiled.size > 1000) compiled.clear();
  compiled.set(entry, p);
  return p;
}

type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'set'; chars: string; negate: boolean } | { kind: 'char'; ch: string };

const tokenized = new Map<string, Token[]>();

function tokens(glob: string): Token[] {
  let out = tokenized.get(glob);
  if (out) return out;
  out = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const close = c === '[' ? glob.indexOf(']', i + 2) : -1;
    if (c === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'one' });
    else if (close > 0) {
      const body = glob.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      out.push({ kind: 'set', chars: negate ? body.slice(1) : body, negate });
      i = close;
    } else out.push({ kind: 'char', ch: c });
  }
  if (tokenized.size > 1000) tokenized.clear();
  tokenized.set(glob, out);
  return out;
}

function inSet(t: Extract<Token, { kind: 'set' }>, ch: string): boolean {
  let found = false;
  for (let i = 0; i < t.chars.length && !found; i++) {
    if (t.chars[i + 1] === '-' && i + 2 < t.chars.length) {
      found = ch >= t.chars[i]! && ch <= t.chars[i + 2]!;
      i += 2;
    } else found = ch === t.chars[i];
  }
  return found !== t.negate;
}

/** one segment against a glob, in time proportional to their lengths multiplied (no regex backtracking) */
function globMatch(glob: string, text: string): boolean {
  const toks = tokens(glob);
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const tok = toks[p];
    if (tok && tok.kind !== 'star' && (tok.kind === 'one' || (tok.kind === 'char' ? tok.ch === text[t] : inSet(tok, text[t]!)))) {
      p++;
      t++;
    } else if (tok?.kind === 'star') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (toks[p]?.kind === 'star') p++;
  return p === toks.length;
}

/** whether an entry's segment takes in all a target's segment can be */
function covers(entry: string, target: string, glob: boolean): boolean {
  if (!glob) return globMatch(entry, target);
  // `/tmp/*` takes `/tmp/build-*` and `/tmp/*.log`, not `/tmp/*` itself (everything in /tmp is reviewed)
  if (MATCH_ALL.test(target)) return false;
  return entry === target || /^\*+$/.test(entry);
}

/** whether the entry matches the target's first segments (what lies below them is inside); O(entry × target) */
function matches(entry: string[], target: string[], globs: boolean[]): boolean {
  const n = target.length;
  // below[j]: entry[i+1..] matches a prefix of target[j..]; an entry used up matches whatever is left
  let below: boolean[] = new Array<boolean>(n + 1).fill(true);
  for (let i = entry.length - 1; i >= 0; i--) {
    const row = new Array<boolean>(n + 1).fill(false);
    for (let j = n; j >= 0; j--) {
      if (entry[i] === '**') row[j] = below[j]! || (j < n && row[j + 1]!);
      else row[j] = j < n && below[j + 1]! && covers(entry[i]!, target[j]!, globs[j]!);
    }
    below = row;
  }
  return below[0]!;
}

export type NotScratch = 'unknown' | 'home' | 'parent' | 'glob' | 'outside';

/** Why a path deleted with everything under it is not a scratch path, or null when it is one. */
export function notScratch(w: PathWord, entries: readonly string[]): NotScratch | null {
  if (!w.literal) return 'unknown';
  const v = w.value;
  if (v.startsWith('~')) return 'home';
  const segments = v.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return 'parent';
  // longer than Linux lets a path (PATH_MAX) or a name (NAME_MAX) be: not a file rm could reach, and not worth matching
  if (Buffer.byteLength(v) > 4096 || segments.some((s) => Buffer.byteLength(s) > 255)) return 'outside';
  // a glob may expand to `.` or `..` (`.*` in older Bash, extglob `@(..)`), which no list entry may take
  const globs = segments.map((s) => w.glob && GLOB.test(s));
  if (w.glob && (w.raw.includes('(') || segments.some((s, i) => globs[i] && (s.startsWith('.') || s.startsWith('['))))) return 'glob';
  const absolute = v.startsWith('/');
  for (const e of entries) {
    const p = pattern(e);
    if (p.absolute === absolute && matches(p.segments, segments, globs)) return null;
  }
  return w.glob && globs.some(Boolean) ? 'glob' : 'outside';
}

/** A list entry a policy may not use: one that is not a plain path pattern, or that takes every path. */
export function badScratchEntry(entry: string): string | null {
  if (/[$`~\n\0{}]/.test(entry) || entry.startsWith('~')) return 'a scratch path is a plain path or glob: no ~, $, `, { or }';
  const segments = entry.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return 'a scratch path cannot hold ..';
  if (segments.every((s) => /^\*+$/.test(s))) return 'a scratch path that takes every path turns the rule off: set builtins.rm-recursive instead';
  return null;
}
