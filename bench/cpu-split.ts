/** Where the CPU goes during pgbench through hoop: CPU seconds per process (gateway, agent, hoop connect, Postgres). */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTargetDatabase, startTestStack } from '@hoop/devstack';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const target = await createTargetDatabase('cpusplit');
spawnSync(PGBENCH, ['-i', '-q', '-s', '2', target.url]);
const stack = await startTestStack(
  process.env.PROF ? { gatewayNodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/gw'], agentNodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/agent'] } : {},
);
await stack.addPostgresConnection('bench', target.url);
await stack.startAgent();
const conn = await stack.connect('bench');
// tsx runs the CLI in a child process of its own: both match, the child does the work
const cliPids = execFileSync('pgrep', ['-f', `connect bench --port ${conn.port}`])
  .toString()
  .trim()
  .split('\n')
  .map(Number);
const pids: Record<string, number> = {
  gateway: stack.gateway.child.pid!,
  agent: stack.agent!.child.pid!,
  ...Object.fromEntries(cliPids.map((p, i) => [`cli${i}`, p])),
};
const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, ticks(p)]));
const t = Date.now();
const r = spawnSync(
  PGBENCH,
  ['-S', '-n', '-T', process.env.SECS ?? '8', '-c', process.env.CLIENTS ?? '8', '-j', '2', '-M', process.env.MODE ?? 'prepared', conn.url],
  { encoding: 'utf8' },
);
const secs = (Date.now() - t) / 1000;
const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
console.log(`tps = ${tps.toFixed(0)}`, r.stderr.slice(0, 200));
for (const [k, p] of Object.entries(pids)) {
  const cpu = ticks(p) - before[k]!;
  console.log(k, `${((cpu / secs) * 100).toFixed(0)}% cpu, ${((cpu * 1e6) / (tps * secs)).toFixed(0)} µs a statement`);
}
const audit = await stack.db.auditEvent.count();
console.log('audit events', audit);
await stack.stop();
await target.drop();
