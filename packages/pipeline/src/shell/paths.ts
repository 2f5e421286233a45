/**
 * How much of a machine a path stands for. Paths are judged lexically (`/var/lib/../..` is `/`), the way they are
 * written: hoop does not look at the server's file system.
 */

/** directories where one level down is still the whole system: /usr/lib, /var/log, /boot/grub */
const SYSTEM_CHILDREN: Record<string, true | Set<string>> = {
  usr: new Set(['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libexec', 'local', 'share', 'include', 'src']),
  var: new Set(['lib', 'log', 'www', 'spool', 'cache', 'backups', 'mail', 'opt', 'db']),
  bin: true,
  sbin: true,
  lib: true,
  lib32: true,
  lib64: true,
  boot: true,
  dev: true,
  proc: true,
  sys: true,
  etc: new Set(['systemd', 'ssh', 'pam.d', 'sudoers.d', 'init.d', 'default', 'security']),
};

/** roots that hold data, with the depth down to which a directory is still somebody's data: /var/lib/postgresql */
const DATA_ROOTS: [prefix: string[], depth: number][] = [
  [['var', 'lib'], 3],
  [['var', 'www'], 3],
  [['srv'], 3],
  [['data'], 3],
  [['home'], 2],
  [['mnt'], 2],
  [['media'], 2],
];

const GLOB = /[*?[]/;
/** a last segment that matches everything in its directory: *, .*, ** */
const MATCH_ALL = /^\.?\*+$/;

interface Normal {
  kind: 'absolute' | 'home' | 'relative';
  segments: string[];
  up: number;
}

function normalize(path: string): Normal {
  const kind = path.startsWith('/') ? 'absolute' : path === '~' || path.startsWith('~/') || /^~[\w.-]*(\/|$)/.test(path) ? 'home' : 'relative';
  const raw = path.split('/');
  if (kind === 'home') raw.shift();
  const segments: string[] = [];
  let up = 0;
  for (const s of raw) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (segments.length) segments.pop();
      else if (kind !== 'absolute') up++;
    } else segments.push(s);
  }
  return { kind, segments, up };
}

/** drops trailing match-everything globs: deleting /var/lib/app/* empties /var/lib/app */
function contentsOf(n: Normal): { segments: string[]; all: boolean } {
  const segments = [...n.segments];
  let all = false;
  while (segments.length && MATCH_ALL.test(segments.at(-1)!)) {
    segments.pop();
    all = true;
  }
  return { segments, all };
}

function underSystem(s: string[]): boolean {
  if (s.length === 0 || s.length === 1) return true;
  const children = SYSTEM_CHILDREN[s[0]!];
  return s.length === 2 && (children === true || (children instanceof Set && children.has(s[1]!)));
}

function underData(s: string[]): boolean {
  return DATA_ROOTS.some(([prefix, depth]) => s.length <= depth && s.length > prefix.length - 1 && prefix.every((p, i) => s[i] === p));
}

/**
 * Why deleting this path recursively would take more than a narrow piece of the machine, or null when it is narrow.
 * `glob` says whether the word had unquoted glob characters.
 */
export function broadPath(path: string, glob: boolean): string | null {
  if (path === '') return null;
  const n = normalize(path);
  const { segments, all } = contentsOf(n);
  if (n.kind === 'relative') {
    if (n.up > 0 && segments.length === 0) return 'a parent of the current directory';
    if (segments.length === 0) return all ? 'everything in the current directory' : 'the current directory';
    return null;
  }
  if (n.kind === 'home') return segments.length === 0 ? 'a home directory' : null;
  if (segments.length === 0) return 'the root of the file system';
  // a glob inside /tmp (`/tmp/build-*`) stays inside it; `/tmp/*` lost its `*` above and is judged as /tmp
  if (glob && (GLOB.test(segments[0]!) || (segments[0] !== 'tmp' && GLOB.test(segments[1] ?? '')))) return 'a glob near the root';
  if (underSystem(segments)) return 'a system directory';
  if (underData(segments)) return 'a data directory';
  return null;
}

/** A path whose permissions or owner, changed recursively, break the system: /, /etc, /usr/lib, /* */
export function systemPath(path: string, glob: boolean): boolean {
  if (path === '') return false;
  const n = normalize(path);
  if (n.kind !== 'absolute') return false;
  const { segments } = contentsOf(n);
  if (glob && segments.slice(0, 1).some((s) => GLOB.test(s))) return true;
  return underSystem(segments);
}

/** `/dev/sda`, `/dev/nvme0n1`, `/dev/mapper/root`: anything under /dev but the harmless streams and terminals */
export function devicePath(path: string): boolean {
  const n = normalize(path);
  if (n.kind !== 'absolute' || n.segments[0] !== 'dev' || n.segments.length < 2) return false;
  const name = n.segments[1]!;
  if (/^(null|zero|full|u?random|stdin|stdout|stderr|tty\w*|pts|console|ptmx|fd|shm|tcp|udp|log|mqueue)$/.test(name)) return false;
  return true;
}
