/**
 * Where the CPU goes during pgbench through hoop: CPU seconds per process (gateway, agent, hoop connect).
 * `VIA=listener` runs pgbench against the gateway's own Postgres listener (TLS, the token as password) instead of
 * `hoop connect`. With `PROF=1` the gateway and the agent write V8 CPU profiles under /tmp/prof; with `PERF=1` the run
 * is sampled by Linux `perf` (CPU time, kernel and every thread included, where a V8 profile counts wall time on the
 * main thread) into /tmp/perf-<process>.data: `perf report -i /tmp/perf-gateway.data --no-children --sort sym`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createTargetDatabase, startTestStack } from '@hoop/devstack';
import { cpuTimes, postgresCpuTimes } from './proc';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const target = await createTargetDatabase('cpusplit');
spawnSync(PGBENCH, ['-i', '-q', '-s', '2', target.url]);
const perfMap = ['--perf-basic-prof-only-functions'];
// BENCH_GATEWAY_ARGS / BENCH_AGENT_ARGS: more node arguments for either (space-separated)
const more = (name: string) => (process.env[name] ?? '').split(' ').filter(Boolean);
const stack = await startTestStack(
  process.env.PROF
    ? {
        gatewayNodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/gw', ...more('BENCH_GATEWAY_ARGS')],
        agentNodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/agent', ...more('BENCH_AGENT_ARGS')],
      }
    : process.env.PERF
      ? { gatewayNodeArgs: [...perfMap, ...more('BENCH_GATEWAY_ARGS')], agentNodeArgs: [...perfMap, ...more('BENCH_AGENT_ARGS')] }
      : { gatewayNodeArgs: more('BENCH_GATEWAY_ARGS'), agentNodeArgs: more('BENCH_AGENT_ARGS') },
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
// a run before the measured one: each process compiles its hot code (V8's optimizing compiler, and the tier-up of
// libpg-query's and Prisma's WebAssembly) on threads of its own during its first seconds under load, which a 10 s
// run would otherwise count as CPU per statement (a fifth to a third of it in a run straight after the start)
const warmup = Number(process.env.WARMUP ?? 5);
const pgbenchArgs = (secs: string) => ['-S', '-n', '-T', secs, '-c', process.env.CLIENTS ?? '8', '-j', '2', '-M', process.env.MODE ?? 'prepared', url];
/** the stored events' count once it has stopped moving for a second, and when it last moved (ms after the call) */
const settle = async (): Promise<{ count: number; lastMoveMs: number }> => {
  const start = Date.now();
  let count = await stack.db.auditEvent.count();
  let movedAt = start;
  while (Date.now() - movedAt < 1000) {
    await new Promise((r) => setTimeout(r, 100));
    const n = await stack.db.auditEvent.count();
    if (n !== count) movedAt = Date.now();
    count = n;
  }
  return { count, lastMoveMs: movedAt - start };
};
if (warmup > 0) spawnSync(PGBENCH, pgbenchArgs(String(warmup)), { encoding: 'utf8' });
const eventsBefore = (await settle()).count;
const commitsBefore = await commits();
const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuTimes(p)]));
// between two readings, hoop's own connections (the trail's INSERTs, mostly) and Postgres' background processes,
// not the target's backends, which pgbench's sessions start and end within the run
const pgBefore = postgresCpuTimes();
const perfs: ChildProcess[] = process.env.PERF
  ? Object.entries(pids).map(([k, p]) =>
      spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-o', `/tmp/perf-${k}.data`, '-p', String(p)], { stdio: 'ignore' }),
    )
  : [];
const t = Date.now();
const r = spawnSync(PGBENCH, pgbenchArgs(process.env.SECS ?? '8'), { encoding: 'utf8' });
const secs = (Date.now() - t) / 1000;
for (const p of perfs) p.kill('SIGINT');
await Promise.all(perfs.map((p) => new Promise((r) => p.once('exit', r))));
const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
console.log(`tps = ${tps.toFixed(0)}`, r.stderr.slice(0, 200));
const pgAfter = postgresCpuTimes();
const line = (k: string, user: number, sys: number) => {
  const per = (s: number) => ((s * 1e6) / (tps * secs)).toFixed(0);
  console.log(k, `${(((user + sys) / secs) * 100).toFixed(0)}% cpu, ${per(user + sys)} µs a statement (user ${per(user)}, system ${per(sys)})`);
};
for (const [k, p] of Object.entries(pids)) {
  const [u, s] = cpuTimes(p);
  line(k, u - before[k]![0], s - before[k]![1]);
}
line('postgres (hoop database, background)', pgAfter[0] - pgBefore[0], pgAfter[1] - pgBefore[1]);
const audit = await stack.db.auditEvent.count();
// Postgres publishes a backend's counts within a second
await new Promise((r) => setTimeout(r, 1500));
const commitsDuring = (await commits()) - commitsBefore;
// then until the count stops moving: how far behind the trail was when pgbench ended
const after = await settle();
// events stored by the end of the run against statements run in it: below 1, the trail was behind when pgbench ended
const stored = audit - eventsBefore;
console.log(
  `audit events stored during the run ${stored} (${(stored / (tps * secs)).toFixed(2)} a statement),`,
  `${after.count - audit} more after it (the last ${((after.lastMoveMs + 1500) / 1000).toFixed(1)} s or less after its end);`,
  `hoop database: ${commitsDuring} commits, ${(commitsDuring / secs).toFixed(0)} a second`,
);
await stack.stop();
await target.drop();
