/**
 * 1,000,000 rows through `hoop connect` with masking on, against the same query direct: time ratio, CPU of each hoop
 * process, and RSS of the agent and the gateway (idle, and peak over the run). One warm-up of each path (the agent's
 * first result compiles its hot code), then RUNS alternating runs; medians are reported, and the cold first run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTargetDatabase, peakRssMb, startTestStack } from '@hoop/devstack';
import { cpuSeconds } from './proc';

const N = Number(process.env.ROWS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 5);
const sql = `select g as id, 'user' || g || '@example.com' as email, 'order ' || g || ' shipped' as notes, now() as created_at from generate_series(1, ${N}) g`;

/** CPU seconds (user + system) a process has used so far. */
const cpu = cpuSeconds;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const target = await createTargetDatabase('maskstream');
const stack = await startTestStack();
await stack.addPostgresConnection('bench', target.url);
await stack.startAgent();
const conn = await stack.connect('bench');
const pids = {
  agent: [stack.agent!.child.pid!],
  gateway: [stack.gateway.child.pid!],
  // `hoop connect` runs under the tsx wrapper: both processes count
  'hoop connect': execFileSync('pgrep', ['-f', `connect bench --port ${conn.port}`])
    .toString()
    .trim()
    .split('\n')
    .map(Number),
};
const run = (url: string) => {
  const t = process.hrtime.bigint();
  const r = spawnSync('psql', [url, '-XAtq', '-c', sql, '-o', '/dev/null'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - t) / 1e9;
};

const idle = { agent: rssMb(pids.agent[0]!), gateway: rssMb(pids.gateway[0]!) };
run(target.url);
const cold = run(conn.url);
const direct: number[] = [];
const hoop: number[] = [];
const cpuPerRun: Record<string, number[]> = { agent: [], gateway: [], 'hoop connect': [] };
for (let i = 0; i < RUNS; i++) {
  direct.push(run(target.url));
  const before = Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, p) => n + cpu(p), 0)]));
  hoop.push(run(conn.url));
  for (const [k, ps] of Object.entries(pids)) cpuPerRun[k]!.push(ps.reduce((n, p) => n + cpu(p), 0) - before[k]!);
}
const check = spawnSync('psql', [conn.url, '-XAt', '-c', `${sql} limit 1`], { encoding: 'utf8' }).stdout.trim();
const d = median(direct);
const h = median(hoop);
process.stdout.write(
  `${N} rows (id, email, notes, created_at), psql to /dev/null; medians of ${RUNS} runs after one warm-up each\n` +
    `  direct ${d.toFixed(2)} s, through hoop with masking ${h.toFixed(2)} s, ratio ${(h / d).toFixed(2)} ` +
    `(first, cold run through hoop: ${cold.toFixed(2)} s)\n` +
    `  runs: direct ${direct.map((x) => x.toFixed(2)).join(' ')}; hoop ${hoop.map((x) => x.toFixed(2)).join(' ')}\n` +
    `  CPU per run: ${Object.entries(cpuPerRun)
      .map(([k, xs]) => `${k} ${median(xs).toFixed(2)} s`)
      .join(', ')}\n` +
    `  RSS: agent ${idle.agent.toFixed(0)} MB idle, ${peakRssMb(pids.agent[0]!).toFixed(0)} MB peak; ` +
    `gateway ${idle.gateway.toFixed(0)} MB idle, ${peakRssMb(pids.gateway[0]!).toFixed(0)} MB peak\n` +
    `  first row through hoop: ${check}\n`,
);
await stack.stop();
await target.drop();
