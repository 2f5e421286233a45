/**
 * pgbench -S through hoop, side by side with its floor. In one run, against one fresh database: direct to Postgres,
 * through 1, 2 and 3 bare TCP relays (bench/tcp-relay.mjs: one Node process per hop, `pipe` only), through
 * `hoop connect` → gateway → agent (real processes, guard and audit on), through the gateway's own Postgres listener
 * (gateway → agent, TLS, the token as password), and PgBouncer when it is installed. Each line ends with hoop ÷ the
 * floor of the same hop count (3 relays for hoop connect, 2 for the gateway's listener) and the latency it adds to it.
 * `relay2tls` is the listener's own floor: two relays, the first speaking TLS to pgbench (`sslmode=require`) as the
 * listener does.
 * With BENCH_ROUNDS > 1 every configuration is measured that many times, round after round, and the last lines give
 * the median of each figure (the lower one of an even count) and the ratios of the medians.
 * With BENCH_SLICES > 1 each run is cut into that many slices, and the targets take turns slice by slice (each
 * figure is then the transactions of all its slices over their time): on a machine whose load moves, targets compared
 * side by side see the same load.
 *   BENCH_SECONDS (default 20), BENCH_CLIENTS (default "1,8"), BENCH_SCALE (default 10), BENCH_ROUNDS (default 1),
 *   BENCH_GATEWAY_ARGS, BENCH_AGENT_ARGS (more node arguments for the gateway, the agent; space-separated),
 *   BENCH_SLICES (default 1), BENCH_TARGETS (default all: direct,relay1,relay2,relay2tls,relay3,gateway,hoop,pgbouncer)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTargetDatabase, freePort, startTestStack } from '@hoop/devstack';
import { generateServerTls } from '../packages/pgfront/src/tls-cert';
import { startRelayChain } from './relays';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const clientsList = (process.env.BENCH_CLIENTS ?? '1,8').split(',').map(Number);
const scale = Number(process.env.BENCH_SCALE ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const slices = Math.max(1, Number(process.env.BENCH_SLICES ?? 1));
const wanted = new Set((process.env.BENCH_TARGETS ?? 'direct,relay1,relay2,relay2tls,relay3,gateway,hoop,pgbouncer').split(','));
const PGBENCH = ['/usr/lib/postgresql/15/bin/pgbench', '/usr/lib/postgresql/16/bin/pgbench', 'pgbench'].find((p) => p === 'pgbench' || existsSync(p))!;

interface Result {
  tps: number;
  latencyMs: number;
}

function pgbench(url: string, args: string[]): Result {
  const r = spawnSync(PGBENCH, [...args, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  // a run in which no transaction finished (under heavy load, a slice shorter than the clients' logins) prints no tps
  const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1] ?? 0);
  if (tps === 0) process.stderr.write(`pgbench: no transaction finished in this run (${url.replace(/:[^:@/]*@/, ':…@')})\n`);
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
    [
      '[databases]',
      `${db} = host=${u.hostname} port=${u.port || 5432} dbname=${db} user=${u.username}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = any',
      'pool_mode = session',
      'max_client_conn = 100',
      'default_pool_size = 20',
      `logfile = ${dir}/pgbouncer.log`,
      `pidfile = ${dir}/pgbouncer.pid`,
      'unix_socket_dir =',
      '',
    ].join('\n'),
  );
  const asUser = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  spawnSync('chmod', ['-R', 'a+rwx', dir]);
  const child = spawn(bin, [...asUser, path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  return { url: `postgres://${u.username}@127.0.0.1:${port}/${db}`, stop: () => child.kill() };
}

/**
 * `hops` bare relays chained in front of `targetUrl` (one process each); the URL of the first. With `tls` (certificate
 * and key files) the first one speaks TLS to its clients, as the gateway's Postgres listener does.
 */
async function startRelays(targetUrl: string, hops: number, tls?: { cert: string; key: string }): Promise<{ url: string; stop(): void }> {
  const u = new URL(targetUrl);
  const chain = await startRelayChain(u.hostname, Number(u.port || 5432), hops, tls);
  const url = new URL(targetUrl);
  url.port = String(chain.port);
  if (tls) {
    url.hostname = 'localhost';
    url.searchParams.set('sslmode', 'require');
  }
  return { url: url.toString(), stop: chain.stop };
}

async function main(): Promise<void> {
  const target = await createTargetDatabase('pgbench');
  const init = spawnSync(PGBENCH, ['-i', '-q', '-s', String(scale), target.url], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);
  const gatewayNodeArgs = (process.env.BENCH_GATEWAY_ARGS ?? '').split(' ').filter(Boolean);
  const agentNodeArgs = (process.env.BENCH_AGENT_ARGS ?? '').split(' ').filter(Boolean);
  const stack = await startTestStack({ gatewayNodeArgs, agentNodeArgs });
  await stack.addPostgresConnection('bench', target.url);
  await stack.startAgent();
  const stops: (() => unknown)[] = [];
  /** where pgbench connects, by name, in the order measured */
  const targets: [string, string][] = [];
  if (wanted.has('direct')) targets.push(['direct', target.url]);
  for (const hops of [1, 2, 3]) {
    if (!wanted.has(`relay${hops}`)) continue;
    const relays = await startRelays(target.url, hops);
    stops.push(relays.stop);
    targets.push([`relay${hops}`, relays.url]);
  }
  // the floor of the gateway's listener: two relays, the first speaking TLS to the client with the same kind of
  // certificate the listener makes (EC P-256)
  if (wanted.has('relay2tls')) {
    const made = await generateServerTls(['localhost']);
    const dir = mkdtempSync(path.join(tmpdir(), 'relay-tls-'));
    const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
    writeFileSync(files.cert, made.cert);
    writeFileSync(files.key, made.key, { mode: 0o600 });
    const relays = await startRelays(target.url, 2, files);
    stops.push(relays.stop);
    targets.push(['relay2tls', relays.url]);
  }
  // the gateway's own Postgres listener (HOOP_GATEWAY_PG_PORT): gateway → agent, two hops, TLS, the token as password
  if (wanted.has('gateway'))
    targets.push(['gateway', `postgres://${encodeURIComponent('admin@test.local')}:${stack.adminToken}@localhost:${stack.pgPort}/bench?sslmode=require`]);
  if (wanted.has('hoop')) {
    const conn = await stack.connect('bench');
    stops.push(() => conn.stop());
    targets.push(['hoop', conn.url]);
  }
  const bouncer = wanted.has('pgbouncer') ? await startPgBouncer(target.url) : null;
  if (bouncer) {
    stops.push(bouncer.stop);
    targets.push(['pgbouncer', bouncer.url]);
  }
  const names = targets.map(([name]) => name);
  const rows: string[] = [];
  const line = (...cells: (string | number)[]) => rows.push(cells.map(String).join('\t'));
  /** hoop (or the gateway listener) ÷ the floor of its hop count, and the mean latency it adds to that floor */
  const floors: [string, string][] = [
    ['hoop', 'relay3'],
    ['gateway', 'relay2'],
    ['gateway', 'relay2tls'],
  ].filter(([a, b]) => names.includes(a!) && names.includes(b!)) as [string, string][];
  line(
    'round',
    'protocol',
    'clients',
    ...names.map((n) => `${n} tps`),
    ...names.filter((n) => n !== 'direct' && names.includes('direct')).map((n) => `${n}/direct`),
    ...floors.flatMap(([a, b]) => [`${a}/${b}`, `${a} ms - ${b} ms`]),
  );
  process.stderr.write(`${rows[0]}\n`);
  const report = (round: string | number, protocol: string, clients: number, results: Map<string, Result>) => {
    const direct = results.get('direct');
    line(
      round,
      protocol,
      clients,
      ...names.map((n) => results.get(n)!.tps.toFixed(0)),
      ...(direct ? names.filter((n) => n !== 'direct').map((n) => (results.get(n)!.tps / direct.tps).toFixed(2)) : []),
      ...floors.flatMap(([a, b]) => {
        const x = results.get(a)!;
        const floor = results.get(b)!;
        return [(x.tps / floor.tps).toFixed(2), (x.latencyMs - floor.latencyMs).toFixed(3)];
      }),
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  };
  /** every round's figures of each configuration, for the medians */
  const all = new Map<string, Map<string, Result>[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const protocol of ['simple', 'prepared']) {
        for (const clients of clientsList) {
          const slice = Math.max(1, Math.round(seconds / slices));
          const args = ['-S', '-n', '-T', String(slice), '-c', String(clients), '-j', String(Math.min(clients, 2)), '-M', protocol];
          // each target's transactions and their summed latency, over its slices
          const sums = new Map<string, { tx: number; latency: number }>();
          for (let i = 0; i < slices; i++) {
            for (const [name, url] of targets) {
              const r = pgbench(url, args);
              const sum = sums.get(name) ?? { tx: 0, latency: 0 };
              sum.tx += r.tps * slice;
              sum.latency += r.latencyMs * r.tps * slice;
              sums.set(name, sum);
            }
          }
          const results = new Map<string, Result>();
          for (const [name, { tx, latency }] of sums) results.set(name, { tps: tx / (slice * slices), latencyMs: latency / tx });
          report(round, protocol, clients, results);
          const key = `${protocol}\t${clients}`;
          all.set(key, [...(all.get(key) ?? []), results]);
        }
      }
    }
    // with several rounds, the median of each figure (tps and latency of each target), and the ratios of those
    if (rounds > 1) {
      for (const [key, runs] of all) {
        const [protocol, clients] = key.split('\t');
        const median = new Map<string, Result>();
        for (const n of names) {
          const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
          median.set(n, { tps: mid(runs.map((r) => r.get(n)!.tps)), latencyMs: mid(runs.map((r) => r.get(n)!.latencyMs)) });
        }
        report('median', protocol!, Number(clients), median);
      }
    }
  } finally {
    for (const stop of stops) await stop();
    await stack.stop();
    await target.drop();
  }
  const cut = slices > 1 ? ` in ${slices} slices taken in turn` : '';
  process.stdout.write(`\npgbench -S, ${seconds}s per run${cut}, scale ${scale}, ${new Date().toISOString()}\n${rows.join('\n')}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
