import type { ShellCommand } from './analyze';
import { operandIndexes, readOptions } from './options';
import type { ShellCheck } from './shell-check';

const values = (c: ShellCommand) => c.argv.map((w) => w.value);
const positional = (v: string[], spec: Parameters<typeof readOptions>[2]) => {
  const out: string[] = [];
  for (let i = 1; i < v.length; ) {
    const o = readOptions(v, i, spec);
    if (o.operand >= v.length) break;
    out.push(v[o.operand]!);
    i = o.operand + 1;
  }
  return out;
};

const POWER_HINT = 'restarting or stopping a server needs a reviewer: request approval with --reason';
const POWER_VERBS = new Set([
  'poweroff',
  'reboot',
  'halt',
  'kexec',
  'soft-reboot',
  'emergency',
  'rescue',
  'suspend',
  'hibernate',
  'hybrid-sleep',
  'suspend-then-hibernate',
]);
const POWER_TARGETS = /^(poweroff|reboot|halt|kexec|rescue|emergency|runlevel[016]|shutdown)(\.target)?$/;
const SYSTEMCTL = {
  short: 'tpHMnos',
  long: [
    'type',
    'property',
    'host',
    'machine',
    'lines',
    'output',
    'signal',
    'root',
    'state',
    'job-mode',
    'kill-whom',
    'kill-value',
    'what',
    'message',
    'when',
    'boot-loader-entry',
    'boot-loader-menu',
    'timestamp',
    'image',
    'drop-in',
  ],
};

export const shutdownReboot: ShellCheck = (c) => {
  for (const r of c.redirects) {
    if (r.target.path === '/proc/sysrq-trigger')
      return { message: 'writing to /proc/sysrq-trigger can reboot, halt or crash the machine at once', hint: POWER_HINT };
  }
  const v = values(c);
  const verb = (what: string) => ({ message: `${what} would stop or restart the machine and end every session on it`, hint: POWER_HINT });
  if (c.name === 'shutdown') return v.includes('-c') || v.includes('--help') ? null : verb('shutdown');
  if (c.name === 'reboot' || c.name === 'halt' || c.name === 'poweroff') return v.includes('--help') ? null : verb(c.name);
  if (c.name === 'init' || c.name === 'telinit') {
    const level = v.slice(1).find((a) => !a.startsWith('-'));
    return level && /^([016sS]|emergency|rescue)$/.test(level) ? verb(`${c.name} ${level}`) : null;
  }
  if (c.name === 'systemctl' || c.name === 'loginctl') {
    const [cmd, unit] = positional(v, SYSTEMCTL);
    if (cmd && POWER_VERBS.has(cmd)) return verb(`${c.name} ${cmd}`);
    if (c.name === 'systemctl' && cmd && ['isolate', 'start', 'restart'].includes(cmd) && unit && POWER_TARGETS.test(unit))
      return verb(`systemctl ${cmd} ${unit}`);
  }
  if (c.name === 'kexec' && v.some((a) => a === '-e' || a === '--exec')) return verb('kexec -e');
  return null;
};

const KUBECTL_VALUES = {
  short: 'nsflokcv',
  long: [
    'namespace',
    'server',
    'context',
    'cluster',
    'kubeconfig',
    'user',
    'token',
    'as',
    'as-group',
    'as-uid',
    'request-timeout',
    'certificate-authority',
    'client-certificate',
    'client-key',
    'tls-server-name',
    'cache-dir',
    'profile',
    'profile-output',
    'filename',
    'selector',
    'field-selector',
    'output',
    'grace-period',
    'timeout',
    'cascade',
    'kustomize',
    'raw',
    'v',
    'log-file',
    'password',
    'username',
  ],
};
const NAMESPACES = new Set(['namespace', 'namespaces', 'ns', 'project', 'projects']);
const CRDS = new Set(['crd', 'crds', 'customresourcedefinition', 'customresourcedefinitions']);

export const kubectlDeleteBroad: ShellCheck = (c) => {
  if (c.name !== 'kubectl' && c.name !== 'oc') return null;
  const v = values(c);
  const [verb, resource] = positional(v, KUBECTL_VALUES);
  if (verb !== 'delete') return null;
  const kinds = (resource ?? '').split(',').map((r) => r.split('/')[0]!.split('.')[0]!.toLowerCase());
  const hint = 'delete the objects you mean by name, or request approval with --reason';
  const flags = v.filter((a) => a.startsWith('-'));
  if (kinds.some((k) => NAMESPACES.has(k))) return { message: `${c.name} delete ${resource} would delete the namespace and everything in it`, hint };
  if (kinds.some((k) => CRDS.has(k))) return { message: `${c.name} delete ${resource} would delete the resource type and every object of it`, hint };
  if (flags.some((a) => a === '--all' || (a.startsWith('--all=') && !a.endsWith('=false'))))
    return { message: `${c.name} delete ${resource ? `${resource} ` : ''}--all would delete every object of that kind in the namespace`, hint };
  if (flags.some((a) => a === '-A' || a === '--all-namespaces' || (a.startsWith('--all-namespaces=') && !a.endsWith('=false'))))
    return { message: `${c.name} delete across all namespaces would reach every team's objects`, hint };
  return null;
};

export const helmUninstall: ShellCheck = (c) => {
  if (c.name !== 'helm') return null;
  const [verb, release] = positional(values(c), { short: 'n', long: ['namespace', 'kube-context', 'kubeconfig', 'timeout', 'description', 'cascade'] });
  if (!verb || !['uninstall', 'delete', 'del', 'un'].includes(verb)) return null;
  return {
    message: `helm ${verb} ${release ?? ''} removes the release and the resources it created`.replace(/ +/g, ' ').trim(),
    hint: 'a reviewer approves uninstalls: request approval with --reason',
  };
};

const HISTORY_FILES = /(^|\/)\.(bash|zsh|sh|ash|ksh|psql|mysql|python|sqlite|node_repl|rediscli)?_?history$/;
const HISTORY_VARS = new Set(['HISTFILE', 'HISTSIZE', 'HISTFILESIZE', 'SAVEHIST', 'HISTIGNORE']);
const HISTORY_HINT = 'sessions through hoop are recorded anyway; if you need this, request approval with --reason';
const isHistory = (w: { path: string; value: string }) => HISTORY_FILES.test(w.path) || w.value.includes('HISTFILE');

export const historyTamper: ShellCheck = (c) => {
  const hide = (what: string) => ({ message: `${what} hides what was run in this shell`, hint: HISTORY_HINT });
  for (const r of c.redirects) if (isHistory(r.target)) return hide(`${r.op} ${r.target.raw}`);
  for (const a of c.assigns) {
    if (
      a.name === 'HISTFILE' ||
      a.name === 'HISTIGNORE' ||
      ((a.name === 'HISTSIZE' || a.name === 'HISTFILESIZE' || a.name === 'SAVEHIST') && /^0*$/.test(a.value))
    )
      return hide(`${a.name}=${a.value}`);
  }
  const v = values(c);
  if (c.name === 'history' && v.slice(1).some((a) => /^-[a-zA-Z]*[cd]/.test(a))) return hide(`history ${v.slice(1).join(' ')}`);
  if (c.name === 'unset' && v.slice(1).some((a) => HISTORY_VARS.has(a))) return hide(`unset ${v.slice(1).join(' ')}`);
  if (c.name === 'set' && v.some((a, i) => a === '+o' && v[i + 1] === 'history')) return hide('set +o history');
  if (['rm', 'shred', 'truncate', 'ln', 'mv', 'cp'].includes(c.name)) {
    const targets = operandIndexes(v, 1);
    // cp only writes its last operand
    for (const i of c.name === 'cp' ? targets.slice(-1) : targets) if (isHistory(c.argv[i]!)) return hide(`${c.name} ${c.argv[i]!.raw}`);
  }
  return null;
};
