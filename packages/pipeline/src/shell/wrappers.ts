import { type OptionSpec, readOptions } from './options';

/**
 * What a command runs in turn. `command`: `words[from..to)` are another command line (`sudo rm -rf /`);
 * `script`: these words, joined by spaces, are shell code (`bash -c '…'`, `eval`, `ssh host '…'`).
 */
export type Inner =
  | { kind: 'command'; from: number; to: number; label: string }
  /** `text` is set when the code is only part of a word: `-c'rm x'`, `--command=…` */
  | { kind: 'script'; words: number[]; text?: string; label: string };

/** the code given as an option's value: its own word, or the rest of the word it is attached to */
function optionScript(o: { value: string; index: number } | undefined, words: readonly string[], label: string): Inner[] {
  if (!o || o.index >= words.length) return [];
  return [words[o.index] === o.value ? { kind: 'script', words: [o.index], label } : { kind: 'script', words: [o.index], text: o.value, label }];
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function command(words: readonly string[], from: number, label: string): Inner[] {
  let i = from;
  while (i < words.length && ASSIGNMENT.test(words[i]!)) i++;
  return i < words.length ? [{ kind: 'command', from: i, to: words.length, label }] : [];
}

function after(words: readonly string[], spec: OptionSpec, label: string, stop?: (seen: Map<string, unknown>) => boolean): Inner[] {
  const o = readOptions(words, 1, spec);
  return stop?.(o.seen) ? [] : command(words, o.operand, label);
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'rbash']);
const SHELL_OPTIONS: OptionSpec = { short: 'oO', long: ['rcfile', 'init-file'], plus: true };

const PARALLEL_INPUTS = new Set([':::', '::::', ':::+', '::::+']);

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);

/** the rest of a command line, run through a shell by the program: `watch 'df -h'`, `ssh host rm x` */
const rest = (words: readonly string[], from: number, label: string): Inner[] =>
  from < words.length ? [{ kind: 'script', words: range(from, words.length), label }] : [];

const WRAPPERS: Record<string, (words: readonly string[]) => Inner[]> = {
  sudo: (w) =>
    after(
      w,
      { short: 'CDghpRrTtUu', long: ['close-from', 'chdir', 'group', 'host', 'prompt', 'chroot', 'role', 'command-timeout', 'type', 'other-user', 'user'] },
      'sudo',
      (s) => s.has('e') || s.has('edit') || s.has('l') || s.has('list'),
    ),
  doas: (w) => after(w, { short: 'uC' }, 'doas'),
  env: (w) => {
    const o = readOptions(w, 1, { short: 'uCS', long: ['unset', 'chdir', 'split-string'] });
    const split = o.seen.get('S') ?? o.seen.get('split-string');
    if (split) {
      const tail = range(split.index + 1, w.length);
      const code = [split.value, ...tail.map((i) => w[i]!)].join(' ');
      return [{ kind: 'script', words: [split.index, ...tail], text: code, label: 'env -S' }];
    }
    return command(w, o.operand, 'env');
  },
  nohup: (w) => after(w, {}, 'nohup'),
  nice: (w) => after(w, { short: 'n', long: ['adjustment'] }, 'nice'),
  timeout: (w) => {
    const o = readOptions(w, 1, { short: 'sk', long: ['signal', 'kill-after'] });
    return command(w, o.operand + 1, 'timeout');
  },
  xargs: (w) => {
    const o = readOptions(w, 1, {
      short: 'adEILnPs',
      long: ['arg-file', 'delimiter', 'eof', 'replace', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
    });
    return command(w, o.operand, 'xargs');
  },
  exec: (w) => after(w, { short: 'a' }, 'exec'),
  command: (w) => after(w, {}, 'command', (s) => s.has('v') || s.has('V')),
  builtin: (w) => command(w, 1, 'builtin'),
  busybox: (w) => (w[1] && !w[1].startsWith('-') ? command(w, 1, 'busybox') : []),
  toybox: (w) => (w[1] && !w[1].startsWith('-') ? command(w, 1, 'toybox') : []),
  time: (w) => after(w, { short: 'fo', long: ['format', 'output'] }, 'time'),
  stdbuf: (w) => after(w, { short: 'ioe', long: ['input', 'output', 'error'] }, 'stdbuf'),
  ionice: (w) =>
    after(w, { short: 'cnp', long: ['class', 'classdata', 'pid', 'pgid', 'uid'] }, 'ionice', (s) => s.has('p') || s.has('pid') || s.has('P') || s.has('u')),
  chroot: (w) => {
    const o = readOptions(w, 1, { long: ['userspec', 'groups'] });
    return command(w, o.operand + 1, 'chroot');
  },
  setsid: (w) => after(w, {}, 'setsid'),
  unbuffer: (w) => after(w, {}, 'unbuffer'),
  flock: (w) => {
    const o = readOptions(w, 1, { short: 'wEc', long: ['timeout', 'wait', 'conflict-exit-code', 'command'] });
    const code = o.seen.get('c') ?? o.seen.get('command');
    if (code) return optionScript(code, w, 'flock -c');
    if (w[o.operand + 1] === '-c' || w[o.operand + 1] === '--command')
      return w[o.operand + 2] !== undefined ? [{ kind: 'script', words: [o.operand + 2], label: 'flock -c' }] : [];
    return command(w, o.operand + 1, 'flock');
  },
  watch: (w) => {
    const o = readOptions(w, 1, { short: 'nq', long: ['interval', 'equexit'] });
    return o.seen.has('x') || o.seen.has('exec') ? command(w, o.operand, 'watch') : rest(w, o.operand, 'watch');
  },
  su: (w) => suLike(w, 'su'),
  runuser: (w) => suLike(w, 'runuser'),
  pkexec: (w) => after(w, { long: ['user'] }, 'pkexec'),
  gosu: (w) => command(w, 2, 'gosu'),
  'su-exec': (w) => command(w, 2, 'su-exec'),
  setpriv: (w) =>
    after(
      w,
      {
        long: [
          'reuid',
          'regid',
          'ruid',
          'rgid',
          'euid',
          'egid',
          'groups',
          'inh-caps',
          'ambient-caps',
          'bounding-set',
          'securebits',
          'pdeathsig',
          'selinux-label',
          'apparmor-profile',
          'landlock-access',
          'landlock-rule',
          'seccomp-filter',
        ],
      },
      'setpriv',
    ),
  unshare: (w) =>
    after(
      w,
      { short: 'SGRw', long: ['setuid', 'setgid', 'root', 'wd', 'propagation', 'map-user', 'map-group', 'map-users', 'map-groups', 'kill-child'] },
      'unshare',
    ),
  nsenter: (w) => after(w, { short: 'tSG', long: ['target', 'setuid', 'setgid'] }, 'nsenter'),
  taskset: (w) => {
    const o = readOptions(w, 1, {});
    return o.seen.has('p') || o.seen.has('pid') ? [] : command(w, o.operand + 1, 'taskset');
  },
  chrt: (w) => {
    const o = readOptions(w, 1, { short: 'TPD', long: ['sched-runtime', 'sched-period', 'sched-deadline'] });
    return o.seen.has('p') || o.seen.has('pid') || o.seen.has('m') || o.seen.has('max') ? [] : command(w, o.operand + 1, 'chrt');
  },
  'systemd-run': (w) =>
    after(
      w,
      {
        short: 'upEHMsG',
        long: [
          'unit',
          'property',
          'description',
          'slice',
          'setenv',
          'host',
          'machine',
          'uid',
          'gid',
          'nice',
          'working-directory',
          'service-type',
          'on-active',
          'on-boot',
          'on-startup',
          'on-unit-active',
          'on-unit-inactive',
          'on-calendar',
          'timer-property',
          'path-property',
          'socket-property',
        ],
      },
      'systemd-run',
    ),
  script: (w) => {
    const o = readOptions(w, 1, { short: 'cEIOTmB', long: ['command', 'echo', 'log-in', 'log-out', 'log-timing', 'logging-format', 'log-io'] });
    return optionScript(o.seen.get('c') ?? o.seen.get('command'), w, 'script -c');
  },
  /** `sg group -c 'cmd'` or `sg group 'cmd'`: the command is one string for /bin/sh */
  sg: (w) => {
    let i = w[1] === '-' ? 2 : 1;
    if (i >= w.length) return [];
    i++;
    if (w[i] === '-c') i++;
    return i < w.length ? [{ kind: 'script', words: [i], label: 'sg' }] : [];
  },
  /** GNU parallel joins its command words and runs them in a shell, once per input after `:::` or on standard input */
  parallel: (w) => {
    const o = readOptions(w, 1, {
      short: 'ajSEIdnNPsX',
      long: [
        'arg-file',
        'jobs',
        'sshlogin',
        'eof',
        'replace',
        'delimiter',
        'max-args',
        'max-replace-args',
        'max-procs',
        'max-chars',
        'colsep',
        'results',
        'joblog',
        'tmpdir',
        'workdir',
        'timeout',
        'delay',
        'retries',
        'memfree',
        'load',
        'tag-string',
        'basefile',
        'return',
        'sshloginfile',
        'env',
        'halt',
        'nice',
        'shebang',
        'tagstring',
      ],
    });
    let end = o.operand;
    while (end < w.length && !PARALLEL_INPUTS.has(w[end]!)) end++;
    return end > o.operand ? [{ kind: 'script', words: range(o.operand, end), label: 'parallel' }] : [];
  },
  ssh: (w) => {
    const o = readOptions(w, 1, { short: 'BbcDEeFIiJLlmOopQRSWw' });
    return rest(w, o.operand + 1, `ssh ${w[o.operand] ?? ''}`.trim());
  },
  eval: (w) => rest(w, 1, 'eval'),
  find: (w) => {
    const out: Inner[] = [];
    for (let i = 1; i < w.length; i++) {
      if (!['-exec', '-execdir', '-ok', '-okdir'].includes(w[i]!)) continue;
      let end = i + 1;
      while (end < w.length && w[end] !== ';' && !(w[end] === '+' && w[end - 1] === '{}')) end++;
      if (end > i + 1) out.push({ kind: 'command', from: i + 1, to: end, label: `find ${w[i]}` });
      i = end;
    }
    return out;
  },
  alias: (w) => {
    const out: Inner[] = [];
    for (let i = 1; i < w.length; i++) {
      const eq = w[i]!.indexOf('=');
      if (eq > 0 && !w[i]!.startsWith('-')) out.push({ kind: 'script', words: [i], text: w[i]!.slice(eq + 1), label: 'alias' });
    }
    return out;
  },
  trap: (w) => {
    const o = readOptions(w, 1, {});
    return o.seen.has('p') || o.seen.has('l') || o.operand >= w.length - 1 ? [] : [{ kind: 'script', words: [o.operand], label: 'trap' }];
  },
};

const SU = { short: 'cgGsuw', long: ['command', 'session-command', 'group', 'supp-group', 'shell', 'user', 'whitelist-environment'] };

/**
 * `su [options] [-] [user [options]]`: options may follow the user (`su root -c '…'`); `runuser -u user cmd …` runs
 * a command with no shell in between
 */
function suLike(w: readonly string[], label: string): Inner[] {
  let o = readOptions(w, 1, SU);
  const code = () => o.seen.get('c') ?? o.seen.get('command') ?? o.seen.get('session-command');
  if (!code() && label === 'runuser' && (o.seen.has('u') || o.seen.has('user'))) return command(w, o.operand, label);
  let next = w[o.operand] === '-' ? o.operand + 1 : o.operand;
  while (!code() && next < w.length) {
    o = readOptions(w, next + 1, SU);
    next = o.operand;
  }
  return optionScript(code(), w, `${label} -c`);
}

/** Where an interpreter takes its code from; null for programs that are not interpreters. */
export interface CodeSource {
  reads: 'stdin' | 'file' | 'string' | 'module';
  word?: number;
  text?: string;
  shell: boolean;
}

const INTERPRETERS: Record<string, { code: string[]; spec: OptionSpec; module?: string }> = {
  python: { code: ['c'], spec: { short: 'cmWX' }, module: 'm' },
  perl: { code: ['e', 'E'], spec: { short: 'eEIMmx' } },
  ruby: { code: ['e'], spec: { short: 'eIrCEFx' } },
  node: { code: ['e', 'p', 'eval', 'print'], spec: { short: 'epr', long: ['eval', 'print', 'require', 'import'] } },
  php: { code: ['r'], spec: { short: 'rcdfz' } },
};

export function interpreterName(name: string): string | null {
  if (SHELLS.has(name)) return name;
  if (/^python[\d.]*$/.test(name)) return 'python';
  if (name === 'nodejs') return 'node';
  if (/^perl[\d.]*$/.test(name)) return 'perl';
  if (/^(ruby|php)[\d.]*$/.test(name)) return name.replace(/[\d.]+$/, '');
  return name === 'node' ? 'node' : null;
}

export function codeSource(name: string, words: readonly string[]): CodeSource | null {
  if (name === 'source' || name === '.') return words[1] !== undefined ? { reads: 'file', word: 1, shell: true } : null;
  if (name === 'eval') return { reads: 'string', shell: true };
  // `at` and `batch` run the commands on their standard input (or in -f file) later
  if (name === 'at' || name === 'batch') {
    const o = readOptions(words, 1, { short: 'qft' });
    if (['l', 'r', 'd', 'c'].some((k) => o.seen.has(k))) return null;
    const file = o.seen.get('f');
    return file ? { reads: 'file', word: file.index, shell: true } : { reads: 'stdin', shell: true };
  }
  const interp = interpreterName(name);
  if (!interp) return null;
  if (SHELLS.has(interp)) {
    const o = readOptions(words, 1, SHELL_OPTIONS);
    if (o.seen.has('c')) return { reads: 'string', word: o.operand < words.length ? o.operand : undefined, shell: true };
    if (o.seen.has('s') || o.operand >= words.length || words[o.operand] === '-') return { reads: 'stdin', shell: true };
    return { reads: 'file', word: o.operand, shell: true };
  }
  const spec = INTERPRETERS[interp]!;
  const o = readOptions(words, 1, spec.spec);
  for (const c of spec.code) {
    const v = o.seen.get(c);
    if (v) return { reads: 'string', word: v.index, ...(words[v.index] === v.value ? {} : { text: v.value }), shell: false };
  }
  if (spec.module && o.seen.has(spec.module)) return { reads: 'module', shell: false };
  if (o.operand >= words.length || words[o.operand] === '-') return { reads: 'stdin', shell: false };
  return { reads: 'file', word: o.operand, shell: false };
}

/** The commands or shell code a program runs in turn (none for ordinary programs). */
export function innerCommands(name: string, words: readonly string[]): Inner[] {
  if (SHELLS.has(name)) {
    const src = codeSource(name, words);
    return src?.reads === 'string' && src.word !== undefined ? [{ kind: 'script', words: [src.word], label: `${name} -c` }] : [];
  }
  return WRAPPERS[name]?.(words) ?? [];
}
