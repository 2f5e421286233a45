/**
 * System calls per statement in each hoop process during pgbench -S through `hoop connect`: sends (write, writev,
 * sendto, sendmsg), reads and event-loop wake-ups (epoll_wait), counted by `strace -c` on each process's main thread
 * over a fixed number of transactions. `CLIENTS=1 MODE=prepared TX=3000` change the run; `TARGET=relay3` counts the
 * bare relays of bench/tcp-relay.mjs instead, for comparison.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTargetDatabase, freePort, startTestStack } from '@hoop/devstack';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const clients = Number(process.env.CLIENTS ?? 1);
const tx = Number(process.env.TX ?? 3000);
const target = await createTargetDatabase('sends');
spawnSync(PGBENCH, ['-i', '-q', '-s', '1', target.url]);
const stack = await startTestStack();
await stack.addPostgresConnection('bench', target.url);
await stack.startAgent();
const relays: ChildProcess[] = [];
let url: string;
let pids: Record<string, number>;
if (process.env.TARGET === 'relay3') {
  let next = Number(new URL(target.url).port || 5432);
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const relay = path.join(import.meta.dirname, 'tcp-relay.mjs');
    const child = spawn(process.execPath, [relay, String(port), String(next)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout!.once('data', r));
    relays.push(child);
    next = port;
  }
  const u = new URL(target.url);
  u.port = String(next);
  url = u.toString();
  pids = Object.fromEntries(relays.map((r, i) => [`relay${i + 1}`, r.pid!]));
} else {
  const conn = await stack.connect('bench');
  url = conn.url;
  const cli = execFileSync('pgrep', ['-f', `connect bench --port ${conn.port}`])
    .toString()
    .trim()
    .split('\n')
    .map(Number);
  pids = { gateway: stack.gateway.child.pid!, agent: stack.agent!.child.pid!, ...Object.fromEntries(cli.map((p, i) => [`cli${i}`, p])) };
}
// warm up (JIT, verdict cache), then count
spawnSync(PGBENCH, ['-S', '-n', '-t', '500', '-c', String(clients), '-M', process.env.MODE ?? 'prepared', url]);
const tracers = Object.entries(pids).map(([name, pid]) => {
  const out = `/tmp/sends-${name}.txt`;
  // TRACE=agent writes that process's whole trace to /tmp/trace-agent.txt instead of counting
  const full = process.env.TRACE === name;
  const child = spawn('strace', [...(full ? ['-tt', '-o', `/tmp/trace-${name}.txt`] : ['-c', '-o', out]), '-p', String(pid)], { stdio: 'ignore' });
  return { name, out, child };
});
await new Promise((r) => setTimeout(r, 500));
const r = spawnSync(PGBENCH, ['-S', '-n', '-t', String(tx), '-c', String(clients), '-M', process.env.MODE ?? 'prepared', url], { encoding: 'utf8' });
console.log(/tps = [\d.]+/.exec(r.stdout)?.[0] ?? r.stderr.slice(0, 300));
const statements = tx * clients;
for (const t of tracers) {
  t.child.kill('SIGINT');
  await new Promise((res) => t.child.once('exit', res));
  const counts: Record<string, number> = {};
  if (process.env.TRACE === t.name) continue;
  for (const line of (await import('node:fs')).readFileSync(t.out, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line);
    if (m) counts[m[2]!] = Number(m[1]);
  }
  const per = (names: string[]) => (names.reduce((n, k) => n + (counts[k] ?? 0), 0) / statements).toFixed(2);
  console.log(
    `${t.name}: sends ${per(['write', 'writev', 'sendto', 'sendmsg'])}, reads ${per(['read', 'recvfrom', 'recvmsg'])}, ` +
      `wake-ups ${per(['epoll_wait', 'epoll_pwait'])} per statement`,
  );
}
for (const c of relays) c.kill();
await stack.stop();
await target.drop();
