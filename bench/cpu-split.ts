/**
 * Where the CPU goes during pgbench through hoop: CPU seconds per process (gateway, agent, hoop connect).
 * `VIA=listener` runs pgbench against the gateway's own Postgres listener (TLS, the token as password) instead of
 * `hoop connect`. With `PROF=1` the gateway and the agent write V8 CPU profiles under /tmp/prof.
 */
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
const viaListener = process.env.VIA === 'listener';
const conn = viaListener ? null : await stack.connect('bench');
const url = conn ? conn.url : `postgres://${encodeURIComponent('admin@test.local')}:${stack.adminToken}@localhost:${stack.pgPort}/bench?sslmode=require`;
// tsx runs the CLI in a child process of its own: both match, the child does the work
const cliPids = conn
  ? execFileSync('pgrep', ['-f', `connect bench --port ${conn.port}`])
      .toString()
      .trim()
      .split('\n')
      .map(Number)
  : [];
const pids: Record<string, number> = {
  gateway: stack.gateway.child.pid!,
  agent: stack.agent!.child.pid!,
  ...Object.fromEntries(cliPids.map((p, i) => [`cli${i}`, p])),
};
/** transactions committed in hoop's own database (the audit INSERTs, mostly), as Postgres counts them */
const commits = async () => {
  const rows = await stack.db.$queryRawUnsafe<{ n: bigint }[]>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
};
const commitsBefore = await commits();
const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, ticks(p)]));
const t = Date.now();
const r = spawnSync(
  PGBENCH,
  ['-S', '-n', '-T', process.env.SECS ?? '8', '-c', process.env.CLIENTS ?? '8', '-j', '2', '-M', process.env.MODE ?? 'prepared', url],
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
// Postgres publishes a backend's counts within a second
await new Promise((r) => setTimeout(r, 1500));
const commitsDuring = (await commits()) - commitsBefore;
console.log('audit events', audit, `hoop database: ${commitsDuring} commits, ${(commitsDuring / secs).toFixed(0)} a second`);
await stack.stop();
await target.drop();
