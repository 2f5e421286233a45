/**
 * pgbench through hoop vs direct. Starts a gateway and an agent (real processes) against a fresh database, a
 * `hoop connect` port, and optionally PgBouncer (if installed) for comparison.
 *   BENCH_SECONDS (default 20), BENCH_CLIENTS (default "1,8"), BENCH_SCALE (default 10)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTargetDatabase, freePort, startTestStack } from '@hoop/devstack';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const clientsList = (process.env.BENCH_CLIENTS ?? '1,8').split(',').map(Number);
const scale = Number(process.env.BENCH_SCALE ?? 10);
const PGBENCH = ['/usr/lib/postgresql/15/bin/pgbench', '/usr/lib/postgresql/16/bin/pgbench', 'pgbench'].find((p) => p === 'pgbench' || existsSync(p))!;

function pgbench(url: string, args: string[]): { tps: number; latencyMs: number } {
  const r = spawnSync(PGBENCH, [...args, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]);
  return { tps, latencyMs };
}

async function startPgBouncer(targetUrl: string): Promise<{ url: string; stop(): void } | null> {
  const bin = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));
  if (!bin) return null;
  const u = new URL(targetUrl);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'pgbouncer-'));
  const db = u.pathname.slice(1);
  writeFileSync(path.join(dir, 'userlist.txt'), `"${u.username}" ""\n`);
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    `[databases]\n${db} = host=${u.hostname} port=${u.port || 5432} dbname=${db} user=${u.username}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nauth_type = any\npool_mode = session\nmax_client_conn = 100\ndefault_pool_size = 20\nlogfile = ${dir}/pgbouncer.log\npidfile = ${dir}/pgbouncer.pid\nunix_socket_dir =\n`,
  );
  const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  spawnSync('chmod', ['-R', 'a+rwx', dir]);
  const child = spawn(bin, [...asUser, path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  return { url: `postgres://${u.username}@127.0.0.1:${port}/${db}`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const target = await createTargetDatabase('pgbench');
  const init = spawnSync(PGBENCH, ['-i', '-q', '-s', String(scale), target.url], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const stack = await startTestStack();
  await stack.addPostgresConnection('bench', target.url);
  await stack.startAgent();
  const conn = await stack.connect('bench');
  const bouncer = await startPgBouncer(target.url);
  const rows: string[] = [];
  const line = (...cells: (string | number)[]) => rows.push(cells.map(String).join('\t'));
  line('protocol', 'clients', 'direct tps', 'direct ms', 'hoop tps', 'hoop ms', 'hoop/direct', ...(bouncer ? ['pgbouncer tps', 'pgbouncer/direct'] : []));
  try {
    for (const protocol of ['simple', 'prepared']) {
      for (const clients of clientsList) {
        const args = ['-S', '-n', '-T', String(seconds), '-c', String(clients), '-j', String(Math.min(clients, 2)), '-M', protocol];
        const direct = pgbench(target.url, args);
        const hoop = pgbench(conn.url, args);
        const pb = bouncer ? pgbench(bouncer.url, args) : null;
        line(
          protocol,
          clients,
          direct.tps.toFixed(0),
          direct.latencyMs.toFixed(3),
          hoop.tps.toFixed(0),
          hoop.latencyMs.toFixed(3),
          (hoop.tps / direct.tps).toFixed(2),
          ...(pb ? [pb.tps.toFixed(0), (pb.tps / direct.tps).toFixed(2)] : []),
        );
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    }
  } finally {
    bouncer?.stop();
    await stack.stop();
    await target.drop();
  }
  process.stdout.write(`\npgbench -S, ${seconds}s per run, scale ${scale}, ${new Date().toISOString()}\n${rows.join('\n')}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
