/** 1,000,000 rows through `hoop connect` with masking on, against the same query direct: time ratio and peak RSS. */
import { spawnSync } from 'node:child_process';
import { createTargetDatabase, peakRssMb, startTestStack } from '@hoop/devstack';

const N = Number(process.env.ROWS ?? 1_000_000);
const sql = `select g as id, 'user' || g || '@example.com' as email, 'order ' || g || ' shipped' as notes, now() as created_at from generate_series(1, ${N}) g`;
const target = await createTargetDatabase('maskstream');
const stack = await startTestStack();
await stack.addPostgresConnection('bench', target.url);
await stack.startAgent();
const conn = await stack.connect('bench');
const run = (url: string) => {
  const t = Date.now();
  const r = spawnSync('psql', [url, '-XAtq', '-c', sql, '-o', '/dev/null'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return (Date.now() - t) / 1000;
};
run(target.url);
const direct = run(target.url);
const hoop = run(conn.url);
const check = spawnSync('psql', [conn.url, '-XAt', '-c', `${sql} limit 1`], { encoding: 'utf8' }).stdout.trim();
process.stdout.write(
  `${N} rows (id, email, notes, created_at), psql to /dev/null\n  direct ${direct.toFixed(2)} s, through hoop with masking ${hoop.toFixed(2)} s, ratio ${(hoop / direct).toFixed(2)}\n` +
    `  peak RSS: agent ${peakRssMb(stack.agent!.child.pid!).toFixed(0)} MB, gateway ${peakRssMb(stack.gateway.child.pid!).toFixed(0)} MB\n  first row through hoop: ${check}\n`,
);
await stack.stop();
await target.drop();
