import { analyzeShell } from '@hoop/pipeline';

/** Programs that only look: with these (and the sub-commands below) a command line reads and changes nothing. */
const READERS = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'grep',
  'egrep',
  'fgrep',
  'zgrep',
  'rg',
  'wc',
  'sort',
  'uniq',
  'cut',
  'tr',
  'awk',
  'sed',
  'df',
  'du',
  'free',
  'uptime',
  'ps',
  'pgrep',
  'top',
  'id',
  'whoami',
  'hostname',
  'uname',
  'date',
  'env',
  'printenv',
  'echo',
  'printf',
  'pwd',
  'stat',
  'file',
  'find',
  'which',
  'whereis',
  'type',
  'netstat',
  'ss',
  'ip',
  'ping',
  'dig',
  'nslookup',
  'host',
  'lsof',
  'vmstat',
  'iostat',
  'journalctl',
  'dmesg',
  'tree',
  'md5sum',
  'sha256sum',
  'jq',
  'yq',
  'column',
  'nl',
  'true',
  'false',
  'test',
  '[',
  'cd',
  'exit',
  'sleep',
  'seq',
]);
/** tools that read with some sub-commands only */
const READ_SUBCOMMANDS: Record<string, Set<string>> = {
  kubectl: new Set(['get', 'describe', 'logs', 'top', 'explain', 'version', 'api-resources', 'config']),
  systemctl: new Set(['status', 'is-active', 'is-enabled', 'list-units', 'list-timers', 'show', 'cat']),
  docker: new Set(['ps', 'logs', 'inspect', 'images', 'stats', 'top', 'version', 'info']),
  git: new Set(['status', 'log', 'show', 'diff', 'branch', 'remote']),
  aws: new Set(['describe', 'list', 'get']),
};
const WRITING_FLAGS: Record<string, RegExp> = {
  sed: /^-i/,
  find: /^-(delete|exec|execdir|ok|fprint)/,
  awk: /^-i/,
};

/**
 * Whether a command line only reads (so an AI agent need not give a reason): every command it runs is a known reader
 * used without a writing flag, nothing is redirected into a file, and the line parses. Anything else counts as a
 * change. This only decides whether a reason is asked for; the guardrails judge the line on the agent regardless.
 */
export function shellLineOnlyReads(line: string): boolean {
  const a = analyzeShell(line);
  if (!a.ok) return false;
  return a.commands.every((c) => {
    if (c.dynamic || c.via.length > 0) return false;
    if (c.redirects.some((r) => />/.test(r.op) && !/^\/dev\/(null|stdout|stderr)$/.test(r.target.value) && !/^&/.test(r.op))) return false;
    if (c.name === '') return true;
    if (READERS.has(c.name)) return !c.args.some((arg) => WRITING_FLAGS[c.name]?.test(arg));
    const sub = READ_SUBCOMMANDS[c.name];
    if (!sub) return false;
    const first = c.args.find((x) => !x.startsWith('-'));
    if (!first) return false;
    if (c.name === 'aws') return c.args.some((x) => /^(describe|list|get)-/.test(x)) || c.args.includes('ls');
    return sub.has(first);
  });
}
