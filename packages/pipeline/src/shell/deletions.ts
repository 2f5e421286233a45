import type { ArgWord, ShellCommand } from './analyze';
import { operandIndexes, readOptions } from './options';
import { findScope } from './find-scope';
import { literalWord, type ResolvedWord } from './words';

/** A path a command deletes, with everything under it. */
export interface Target {
  word: ResolvedWord;
  /** a start point of `find` whose tests pick what goes below it (`-name '*.gz'`): not the whole tree */
  narrowed: boolean;
  /** found by `find -L`, which walks through symbolic links into other trees */
  follows?: boolean;
}

/** What one command deletes recursively: `rm -rf x`, `find x -delete`, `xargs rm -r`, `git clean -fdx`, `rsync --delete`. */
export interface Deletion {
  /** the command as named in messages: `rm -rf`, `find -exec rm`, `git clean -fdx` */
  what: string;
  /** what goes: `everything under`, `the untracked files under` */
  scope: string;
  targets: Target[];
  /** set when it also deletes paths hoop cannot know (read from standard input, on another host) */
  unknown: string | null;
  /** a tree at a path (rm, find): what rm-recursive-broad judges */
  tree: boolean;
  /** `rm --no-preserve-root` */
  noPreserveRoot: boolean;
}

/** programs that delete (or destroy the contents of) the files find or xargs hands them */
const DESTROYERS = new Set(['rm', 'unlink', 'shred', 'srm', 'wipe', 'truncate']);
/** rm-like programs and the letters that make them recursive */
const RECURSIVE: Record<string, string> = { rm: 'rR', srm: 'rR', wipe: 'r' };

const values = (c: ShellCommand) => c.argv.map((w) => w.value);

/** `-rf`, `--recursive`, and its abbreviations (`--rec`), which GNU getopt accepts */
function recursiveFlag(words: readonly string[], letters: string): boolean {
  for (const w of words) {
    if (w === '--') return false;
    if (w.startsWith('--') && w.length > 2) {
      if ('recursive'.startsWith(w.slice(2).split('=')[0]!)) return true;
    } else if (w.startsWith('-') && w.length > 1 && [...w.slice(1)].some((c) => letters.includes(c))) return true;
  }
  return false;
}

/** the option words as written, for messages: `-rf`, `-r -f` */
function flagsOf(c: ShellCommand): string {
  const end = c.args.indexOf('--');
  return (end < 0 ? c.args : c.args.slice(0, end)).filter((a) => a.startsWith('-') && a !== '-').join(' ');
}

/** the program above `c` in its chain of wrappers (sudo, env, …) that hands it paths: xargs, parallel or find */
function feeder(c: ShellCommand): ShellCommand | null {
  for (let p = c.runBy; p; p = p.runBy) if (p.name === 'xargs' || p.name === 'parallel' || p.name === 'find') return p;
  return null;
}

/** `find -exec rm -rf {} +`: `{}` stands for what find finds, at or below its start points */
function substituted(find: ShellCommand, operands: ResolvedWord[]): Target[] {
  const scope = findScope(find);
  const out: Target[] = [];
  for (const w of operands) {
    if (!w.value.includes('{}')) out.push({ word: w, narrowed: false });
    else for (const s of scope.starts) out.push({ word: placeholder(w, s), narrowed: scope.narrowed, follows: scope.follows });
  }
  return out;
}

function placeholder(w: ResolvedWord, start: ResolvedWord): ResolvedWord {
  if (w.value === '{}') return start;
  const value = w.value.replaceAll('{}', start.value);
  return {
    ...w,
    value,
    path: w.path.replaceAll('{}', start.path),
    literal: w.literal && start.literal,
    glob: w.glob || start.glob,
    raw: w.raw.replaceAll('{}', start.raw),
  };
}

/** the paths xargs or parallel hand a command: literal ones when the line writes them, else null */
function handed(feed: ShellCommand): ResolvedWord[] | null {
  const v = values(feed);
  if (feed.name === 'parallel') {
    const i = v.indexOf(':::');
    if (i < 0 || v.slice(i + 1).some((a) => a.startsWith('::::') || a === ':::+')) return null;
    const rest = feed.argv.slice(i + 1).filter((a) => a.value !== ':::');
    return rest.every((a) => a.literal) ? rest : null;
  }
  const o = readOptions(v, 1, {
    short: 'adEILnPs',
    long: ['arg-file', 'delimiter', 'eof', 'replace', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
  });
  if (['a', 'arg-file', '0', 'null', 'd', 'delimiter', 'I', 'i', 'replace'].some((k) => o.seen.has(k))) return null;
  const text = feed.stdin.text;
  if (text === null || !feed.stdin.literal || /["'\\]/.test(text)) return null;
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => literalWord(p));
}

/** a `find` upstream of xargs: `find /srv -type f | xargs rm` deletes what find lists */
function upstreamFind(feed: ShellCommand): ShellCommand | null {
  return feed.name === 'xargs' ? (feed.stdin.from.filter((x) => x.name === 'find').at(-1) ?? null) : null;
}

function deleter(c: ShellCommand): Deletion | null {
  const v = values(c);
  const letters = RECURSIVE[c.name];
  const recursive = letters !== undefined && recursiveFlag(v.slice(1), letters);
  const feed = DESTROYERS.has(c.name) ? feeder(c) : null;
  if (!recursive && !feed) return null;
  const operands = operandIndexes(v, 1).map((i) => c.argv[i]!);
  const flags = flagsOf(c);
  const named = `${c.name}${flags ? ` ${flags}` : ''}`;
  const end = v.indexOf('--');
  const base = {
    scope: recursive ? 'everything under' : 'the files found under',
    unknown: null,
    tree: true,
    noPreserveRoot: c.name === 'rm' && v.slice(1, end < 0 ? undefined : end).includes('--no-preserve-root'),
  };
  const own = (ws: ResolvedWord[]): Target[] => ws.map((w) => ({ word: w, narrowed: false }));
  if (!feed) return { ...base, what: named, targets: own(operands) };
  if (feed.name === 'find') {
    // a plain `rm {}` deletes each file find finds; its other operands are single files
    const found = operands.filter((w) => w.value.includes('{}'));
    if (!recursive && found.length === 0) return null;
    return { ...base, what: `find -exec ${named}`, targets: substituted(feed, recursive ? operands : found) };
  }
  const listed = upstreamFind(feed);
  if (listed) {
    const scope = findScope(listed);
    return {
      ...base,
      what: `find | xargs ${named}`,
      targets: [...(recursive ? own(operands) : []), ...scope.starts.map((w) => ({ word: w, narrowed: scope.narrowed, follows: scope.follows }))],
    };
  }
  if (!recursive) return null;
  const more = handed(feed);
  const what = `${feed.name} ${named}`;
  if (!more)
    return {
      ...base,
      what,
      targets: own(operands),
      unknown:
        `deletes, with everything under them, the paths ${feed.name} reads` +
        `${feed.name === 'parallel' ? '' : ' from standard input'}, which are only known when the line runs`,
    };
  // parallel puts each input where `{}` stands, or after the command
  const slots = operands.filter((w) => w.value.includes('{}'));
  if (feed.name === 'parallel' && slots.length)
    return {
      ...base,
      what,
      targets: [...own(operands.filter((w) => !slots.includes(w))), ...slots.flatMap((w) => more.map((m) => ({ word: placeholder(w, m), narrowed: false })))],
    };
  return { ...base, what, targets: [...own(operands), ...own(more)] };
}

function findDelete(c: ShellCommand): Deletion | null {
  const scope = findScope(c);
  if (!scope.expr.includes('-delete')) return null;
  return {
    what: 'find -delete',
    scope: scope.narrowed ? 'the files found under' : 'everything under',
    targets: scope.starts.map((w) => ({ word: w, narrowed: scope.narrowed, follows: scope.follows })),
    unknown: null,
    tree: true,
    noPreserveRoot: false,
  };
}

const GIT = { short: 'Cc', long: ['git-dir', 'work-tree', 'namespace', 'config-env', 'super-prefix', 'attr-source'] };

/** `git [-C dir] clean` without -n: untracked (and with -x ignored) files under the pathspecs, or under the directory */
function gitClean(c: ShellCommand): Deletion | null {
  const v = values(c);
  const g = readOptions(v, 1, GIT);
  if (v[g.operand] !== 'clean') return null;
  const specs: ArgWord[] = [];
  const flags = v.slice(g.operand + 1).filter((a) => a.startsWith('-') && a !== '--');
  for (let i = g.operand + 1; i < v.length; ) {
    const o = readOptions(v, i, { short: 'e', long: ['exclude'] });
    if (o.seen.has('n') || o.seen.has('dry-run')) return null;
    if (o.operand >= v.length) break;
    if (v[o.operand - 1] === '--') {
      specs.push(...c.argv.slice(o.operand));
      break;
    }
    specs.push(c.argv[o.operand]!);
    i = o.operand + 1;
  }
  const dirs = g.all.filter((o) => o.name === 'C').map((o) => (c.argv[o.index]!.value === o.value ? c.argv[o.index]! : literalWord(o.value)));
  const base = dirs.reduce<ResolvedWord | null>((acc, d) => (acc === null || d.value.startsWith('/') ? d : join(acc, d)), null);
  const targets = specs.length === 0 ? [base ?? literalWord('.')] : specs.map((s) => (base && !s.value.startsWith('/') ? join(base, s) : s));
  return {
    what: `git clean${flags.length ? ` ${flags.join(' ')}` : ''}`,
    scope: 'the untracked files under',
    targets: targets.map((w) => ({ word: w, narrowed: false })),
    unknown: null,
    tree: false,
    noPreserveRoot: false,
  };
}

function join(a: ResolvedWord, b: ResolvedWord): ResolvedWord {
  const value = `${a.value.replace(/\/+$/, '')}/${b.value}`;
  return { ...b, value, path: `${a.path.replace(/\/+$/, '')}/${b.path}`, raw: `${a.raw}/${b.raw}`, literal: a.literal && b.literal, glob: a.glob || b.glob };
}

const RSYNC = {
  short: 'efTBM',
  long: [
    'rsh',
    'rsync-path',
    'exclude',
    'include',
    'filter',
    'files-from',
    'exclude-from',
    'include-from',
    'temp-dir',
    'backup-dir',
    'suffix',
    'chmod',
    'chown',
    'port',
    'bwlimit',
    'log-file',
    'log-file-format',
    'password-file',
    'partial-dir',
    'compare-dest',
    'copy-dest',
    'link-dest',
    'block-size',
    'max-size',
    'min-size',
    'max-delete',
    'timeout',
    'contimeout',
    'iconv',
    'usermap',
    'groupmap',
    'out-format',
    'info',
    'debug',
    'remote-option',
    'modify-window',
    'compress-level',
    'skip-compress',
    'checksum-choice',
    'write-batch',
    'read-batch',
    'only-write-batch',
    'protocol',
    'sockopts',
    'outbuf',
    'stop-after',
    'stop-at',
    'address',
    'checksum-seed',
    'copy-as',
    'compress-choice',
  ],
};

/** `rsync --delete src/ dest/`: deletes what src lacks from dest, with everything under it */
function rsyncDelete(c: ShellCommand): Deletion | null {
  const v = values(c);
  const operands: ArgWord[] = [];
  let deletes = false;
  for (let i = 1; i < v.length; ) {
    const o = readOptions(v, i, RSYNC);
    if (o.all.some((f) => f.name === 'del' || f.name.startsWith('delete'))) deletes = true;
    if (o.operand >= v.length) break;
    if (v[o.operand - 1] === '--') {
      operands.push(...c.argv.slice(o.operand));
      break;
    }
    operands.push(c.argv[o.operand]!);
    i = o.operand + 1;
  }
  if (!deletes || operands.length < 2) return null;
  const dest = operands.at(-1)!;
  const base = { what: 'rsync --delete', scope: 'what the source lacks from', tree: false, noPreserveRoot: false };
  if (/^[^/]*::|^rsync:\/\/|^[^/]+:/.test(dest.value))
    return { ...base, targets: [], unknown: `deletes what the source lacks from ${dest.raw}, on another machine` };
  return { ...base, targets: [{ word: dest, narrowed: false }], unknown: null };
}

const judged = new WeakMap<ShellCommand, Deletion | null>();

/** What a command deletes recursively, or null when it deletes no directory tree (read once per command). */
export function recursiveDeletion(c: ShellCommand): Deletion | null {
  let d = judged.get(c);
  if (d !== undefined) return d;
  d = c.dynamic ? null : c.name === 'find' ? findDelete(c) : c.name === 'git' ? gitClean(c) : c.name === 'rsync' ? rsyncDelete(c) : deleter(c);
  judged.set(c, d);
  return d;
}

const placed = new WeakMap<readonly ShellCommand[], ResolvedWord[]>();

/** Where commands of the line move files, link or mount trees (`mv`, `ln -s`, `mount --bind`): a scratch path there may hold anything. */
export function placedPaths(all: readonly ShellCommand[]): ResolvedWord[] {
  let out = placed.get(all);
  if (out) return out;
  out = [];
  placed.set(all, out);
  for (const c of all) {
    if (c.name !== 'mv' && c.name !== 'ln' && c.name !== 'mount') continue;
    const v = values(c);
    const o = readOptions(
      v,
      1,
      c.name === 'mount'
        ? { short: 'otTOLU', long: ['options', 'types', 'test-opts', 'source', 'target'] }
        : { short: 'St', long: ['suffix', 'target-directory'] },
    );
    const dir = o.seen.get('t') ?? o.seen.get('target-directory') ?? o.seen.get('target');
    if (dir) {
      out.push(c.argv[dir.index]!.value === dir.value ? c.argv[dir.index]! : literalWord(dir.value));
      continue;
    }
    const operands = operandIndexes(v, 1).map((i) => c.argv[i]!);
    const last = operands.at(-1);
    if (!last) continue;
    // `ln -s /srv/app` links into the working directory under the same name
    out.push(operands.length === 1 && c.name === 'ln' ? literalWord(last.value.replace(/\/+$/, '').split('/').pop() ?? '') : last);
  }
  return out;
}
