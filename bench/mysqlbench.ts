/**
 * MySQL/MariaDB through hoop, side by side with the server directly, in one run against a benchmark database of its own
 * (created and dropped here): `sysbench oltp_read_only` at 1 and 8 threads with prepared statements and with plain
 * text queries, then a 1,000,000-row SELECT with an e-mail column (masked by hoop) read by the mariadb client, with
 * the time ratio and the peak RSS of each hoop process (agent, its MySQL guard, gateway, `hoop connect`). Gateway and agent are real
 * processes, the default policy judges every statement and masks the rows, every statement is recorded.
 *   BENCH_SECONDS (default 10), BENCH_THREADS (default "1,8"), BENCH_MODES (default "prepared,text"),
 *   BENCH_ROWS (default 1000000), BENCH_RUNS (runs of the big SELECT on each path, default 3),
 *   HOOP_TEST_MYSQL_PORT (default 3306: the MariaDB at 127.0.0.1, root without a password),
 *   PROF=DIR: the agent writes a V8 CPU profile into DIR when the run ends,
 *   BENCH_AGENT_ARGS: more node arguments for the agent (space-separated, e.g. "--perf-basic-prof" for `perf`),
 *   BENCH_GATEWAY_ARGS: more node arguments for the gateway (space-separated, e.g. "--trace-gc"),
 *   BENCH_GATEWAY_ENV: more environment for the gateway ("NAME=value NAME=value", e.g. "MALLOC_ARENA_MAX=2"),
 *   BENCH_GATEWAY_LOG=FILE: the gateway's output (with --trace-gc, its collections) is written into FILE at the end,
 *   BENCH_GATEWAY_SNAPSHOT=DIR: the gateway writes a heap snapshot into DIR after each part (after a full collection)
 * What the gateway's memory is made of at its highest RSS in each part (bench/mem-probe.mjs: V8's heap spaces, buffers,
 * anonymous and file-backed pages) is reported beside its peak.
 * The agent's event-loop delay (bench/loop-delay.mjs) is reported for each part: the MySQL grammar's load and first
 * statement, sysbench, the big SELECT.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { peakRssMb, startTestStack } from '@hoop/devstack';
import { cpuSeconds, cpuTimes } from './proc';
import { startRelayChain } from './relays';

const HOST = '127.0.0.1';
const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const threadsList = (process.env.BENCH_THREADS ?? '1,8').split(',').map(Number);
const modes = (process.env.BENCH_MODES ?? 'prepared,text').split(',').filter(Boolean);
const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const db = `hoop_bench_${randomBytes(3).toString('hex')}`;

const asRoot = (sql: string) => execFileSync('mariadb', ['-h', HOST, '-P', String(PORT), '-uroot', '-N', '-B', '-e', sql], { encoding: 'utf8' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hasSysbench = spawnSync('sysbench', ['--version']).status === 0;
/** CPU seconds (user + system) a process has used so far. */
/** a process's figure, NaN once it is gone (the agent's MySQL guard is started again after a crash) */
const ofLive = (f: (pid: number) => number) => (pid: number) => {
  try {
    return f(pid);
  } catch {
    return Number.NaN;
  }
};
const cpu = ofLive(cpuSeconds);
/** the part of `cpu` spent in the kernel (system time) */
const sysCpu = ofLive((pid) => cpuTimes(pid)[1]);
/** CPU seconds of this process's children that have ended (the mariadb clients `bigSelect` ran) */
const childrenCpu = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};
/** the pid of the server listening on `port` (ss -ltnp), or null when it cannot be told */
function serverPidOf(port: number): number | null {
  try {
    const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(line)?.[1];
    return pid ? Number(pid) : null;
  } catch {
    return null;
  }
}
const rssMb = ofLive((pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);
const peakMb = ofLive(peakRssMb);
/** Starts a process's peak RSS (VmHWM) over from its current RSS; false when the system does not let us. */
const resetPeak = (pid: number) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
};

interface Sysbench {
  tps: number;
  qps: number;
  latencyMs: number;
}

function sysbench(port: number, user: string, threads: number, mode: string, command = 'run'): Sysbench {
  const args = [
    'oltp_read_only',
    '--db-driver=mysql',
    `--mysql-host=${HOST}`,
    `--mysql-port=${port}`,
    `--mysql-user=${user}`,
    `--mysql-db=${db}`,
    '--mysql-ssl=off',
    '--tables=4',
    '--table-size=10000',
    `--threads=${threads}`,
    `--time=${seconds}`,
    `--db-ps-mode=${mode === 'text' ? 'disable' : 'auto'}`,
    command,
  ];
  const r = spawnSync('sysbench', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sysbench ${command} failed: ${r.stdout}\n${r.stderr}`);
  return {
    tps: Number(/transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(r.stdout)?.[1]),
    qps: Number(/queries:\s+\d+\s+\(([\d.]+) per sec/.exec(r.stdout)?.[1]),
    latencyMs: Number(/avg:\s+([\d.]+)/.exec(r.stdout)?.[1]),
  };
}

/**
 * Waits until `pids` together use under 5 % of a core over a second (at most 120 s), so a part is not charged with
 * what the one before left to do (the agent's spooled audit records of sysbench shipped, the gateway writing them to
 * Postgres); the seconds it took.
 */
async function settled(pids: number[]): Promise<number> {
  const start = Date.now();
  const total = () => pids.reduce((n, p) => n + (cpu(p) || 0), 0);
  for (;;) {
    const before = total();
    await new Promise((r) => setTimeout(r, 1000));
    if (total() - before < 0.05 || Date.now() - start > 120_000) return (Date.now() - start) / 1000;
  }
}

/** The big SELECT: seconds for the mariadb client to read every row (streamed, --quick) and write it to /dev/null. */
function bigSelect(port: number, user: string): number {
  const sql = `SELECT id, email, notes, created_at FROM customers WHERE id <= ${N}`;
  const t = process.hrtime.bigint();
  const r = spawnSync('mariadb', ['-h', HOST, '-P', String(port), '-u', user, '--quick', '-N', '-B', db, '-e', sql], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the big SELECT failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const out = (s: string) => process.stdout.write(`${s}\n`);
/** the machine's load (1-minute average), stated beside each figure: the machine is shared */
const load = () => `load ${loadavg()[0]!.toFixed(1)}`;

/** The agent's event loop and memory since the last call (see bench/loop-delay.mjs), as one line. */
async function loopOf(pid: number, file: string): Promise<string> {
  const l = await signalled(pid, file);
  if (!l) return 'event loop delay: no answer from the agent';
  return [
    `event loop delay max ${l.maxMs} ms, p99 ${l.p99Ms} ms, mean ${l.meanMs} ms`,
    `main heap ${l.heapUsedMb} MB used of ${l.heapTotalMb} MB, RSS ${l.rssMb} MB`,
    `most seen: RSS ${l.mostRssMb} MB, main heap ${l.mostHeapTotalMb} MB, buffers ${l.mostArrayBuffersMb} MB`,
  ].join('; ');
}

type Moment = Record<string, number> & { spaces: Record<string, string> };
/** One of bench/mem-probe.mjs's moments as a line: V8's heap (in use/committed by space), buffers, pages. */
const momentLine = (m: Moment) =>
  `RSS ${m.rssMb} MB (anonymous ${m.anonMb}, files ${m.fileMb}); V8 heap ${m.heapUsedMb} MB used of ${m.heapTotalMb} committed ` +
  `(${Object.entries(m.spaces)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}); external ${m.externalMb} MB, of which array buffers ${m.arrayBuffersMb}`;

/** The gateway's memory at its highest RSS since the last call, and now (bench/mem-probe.mjs). */
async function gatewayMemory(pid: number, file: string): Promise<string> {
  const l = (await signalled(pid, file)) as { atPeak: Moment; now: Moment } | null;
  if (!l) return '  gateway memory: no answer';
  return `  gateway at its highest RSS: ${momentLine(l.atPeak)}\n  gateway now: ${momentLine(l.now)}`;
}

/** Sends SIGUSR2 to a process with a preloaded probe and returns the JSON line it appends to `file`. */
async function signalled(pid: number, file: string): Promise<Record<string, unknown> | null> {
  const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const had = (() => {
    try {
      return lines().length;
    } catch {
      return 0;
    }
  })();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 25));
    try {
      const all = lines();
      if (all.length > had) return JSON.parse(all[all.length - 1]!) as Record<string, unknown>;
    } catch {}
  }
  return null;
}

async function main(): Promise<void> {
  asRoot(`CREATE DATABASE ${db}`);
  const prof = process.env.PROF;
  const loopDir = mkdtempSync(path.join(tmpdir(), 'hoop-loop-'));
  const loopFile = path.join(loopDir, 'agent.jsonl');
  const preload = `${pathToFileURL(path.resolve('bench/loop-delay.mjs')).href}?out=${encodeURIComponent(loopFile)}`;
  const agentNodeArgs = [
    `--import=${preload}`,
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    ...(process.env.BENCH_AGENT_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const memFile = path.join(loopDir, 'gateway.jsonl');
  const snapshot = process.env.BENCH_GATEWAY_SNAPSHOT;
  const probe = new URL(pathToFileURL(path.resolve('bench/mem-probe.mjs')));
  probe.searchParams.set('out', memFile);
  if (snapshot) {
    probe.searchParams.set('snapshot', path.resolve(snapshot));
    probe.searchParams.set('gc', '1');
  }
  const gatewayNodeArgs = [
    `--import=${probe.href}`,
    ...(snapshot ? ['--expose-gc'] : []),
    ...(process.env.BENCH_GATEWAY_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const gatewayEnv = Object.fromEntries(
    (process.env.BENCH_GATEWAY_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => kv.split('=', 2)),
  );
  const stack = await startTestStack({ agentNodeArgs, gatewayNodeArgs, gatewayEnv }).catch((err: unknown) => {
    asRoot(`DROP DATABASE IF EXISTS ${db}`);
    throw err;
  });
  try {
    // MariaDB's sequence engine writes the rows in one statement
    asRoot(
      `CREATE TABLE ${db}.customers (id int PRIMARY KEY, email varchar(80), notes varchar(80), created_at datetime);
       INSERT INTO ${db}.customers SELECT seq, CONCAT('user', seq, '@example.com'), CONCAT('order ', seq, ' shipped'), NOW()
         FROM ${db}.seq_1_to_${N}`,
    );
    if (hasSysbench) sysbench(PORT, 'root', 4, 'prepared', 'prepare');
    // the agent starts without the connection: its start-up is apart from the MySQL grammar's load
    const agentSvc = await stack.startAgent();
    out(`agent started (${load()}): ${await loopOf(agentSvc.child.pid!, loopFile)}`);
    await stack.addConnection('bench-mysql', 'mysql', { host: HOST, port: PORT, user: 'root', database: db, sslMode: 'disabled' });
    await stack.notifyConfigChanged();
    // `hoop connect` gets 30 s to say it is ready: on a machine shared with other work that can pass, so it is tried again
    const connect = () => stack.connect('bench-mysql');
    const conn = await connect().catch(connect).catch(connect);
    const pids: Record<string, number[]> = {
      agent: [stack.agent!.child.pid!],
      gateway: [stack.gateway.child.pid!],
      'hoop connect': execFileSync('pgrep', ['-f', `connect bench-mysql --port ${conn.port}`])
        .toString()
        .trim()
        .split('\n')
        .map(Number),
    };
    const rss = () => Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, p) => n + rssMb(p), 0)]));
    const idle = rss();
    out(`MySQL/MariaDB at ${HOST}:${PORT}, database ${db}; hoop connect on ${conn.port} (→ gateway → agent, default policy)`);
    out(
      `RSS idle before any MySQL statement: ${Object.entries(idle)
        .map(([k, v]) => `${k} ${v.toFixed(0)} MB`)
        .join(', ')}`,
    );

    // the agent loads its MySQL guard when it learns of the connection: the first session, timed here, is outside the runs
    const t0 = performance.now();
    // on a loaded machine the grammar's load can keep the agent from answering the gateway's pings for 15 s, and the
    // gateway then closes its link until the agent reconnects: the first session is tried until it gets through
    for (let tries = 1; ; tries++) {
      try {
        execFileSync('mariadb', ['-h', HOST, '-P', String(conn.port), '-u', 'bench', '-N', '-B', db, '-e', 'SELECT 1'], { encoding: 'utf8', stdio: 'pipe' });
        break;
      } catch (err) {
        if (tries >= 20)
          throw new Error(`the first session failed: ${(err as Error).message}\nagent:\n${stack.agent!.output().split('\n').slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
    const agentPid = pids.agent![0]!;
    // the agent judges MySQL texts in a process of its own (apps/agent/src/mysql/guard-thread.ts), measured apart
    const guardPids = spawnSync('pgrep', ['-P', String(agentPid), '-f', 'mysql-guard'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    if (guardPids.length > 0) pids["agent's MySQL guard"] = guardPids;
    const loaded = rss();
    out(
      `first session and statement through hoop: ${(performance.now() - t0).toFixed(0)} ms; ` +
        `RSS then: ${Object.entries(loaded)
          .map(([k, v]) => `${k} ${v.toFixed(0)} MB`)
          .join(', ')}`,
    );
    const firstAnswer = `the first statement answered (the MySQL grammar loaded meanwhile; ${load()})`;
    out(`  agent from the connection's arrival to ${firstAnswer}: ${await loopOf(agentPid, loopFile)}`);
    const gatewayPid = pids.gateway![0]!;
    out(await gatewayMemory(gatewayPid, memFile));
    const peaksOf = (what: string) =>
      `  peak RSS during ${what}: ${Object.entries(pids)
        .map(([k, ps]) => `${k} ${ps.reduce((n, p) => n + peakMb(p), 0).toFixed(0)} MB`)
        .join(', ')}`;

    if (hasSysbench) {
      for (const ps of Object.values(pids)) ps.forEach(resetPeak);
      const cpuOf = () => Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, p) => n + cpu(p), 0)]));
      const sysbenchCpu: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
      let transactions = 0;
      out(`\nsysbench oltp_read_only, 4 tables × 10,000 rows, ${seconds} s per run (tps = transactions of 16 statements)`);
      out(['mode', 'threads', 'direct tps', 'hoop tps', 'hoop/direct', 'direct ms', 'hoop ms', 'ms added'].join('\t'));
      for (const mode of modes)
        for (const threads of threadsList) {
          const d = sysbench(PORT, 'root', threads, mode);
          let h: Sysbench;
          const c0 = cpuOf();
          try {
            h = sysbench(conn.port, 'bench', threads, mode);
            const c1 = cpuOf();
            for (const k of Object.keys(sysbenchCpu)) sysbenchCpu[k]! += c1[k]! - c0[k]!;
            transactions += h.tps * seconds;
          } catch (err) {
            const tail = (t: string) => t.split('\n').slice(-15).join('\n');
            throw new Error(`${(err as Error).message}\nagent:\n${tail(stack.agent!.output())}\nhoop connect:\n${tail(conn.output())}`);
          }
          out(
            [
              mode,
              threads,
              d.tps.toFixed(0),
              h.tps.toFixed(0),
              (h.tps / d.tps).toFixed(2),
              d.latencyMs,
              h.latencyMs,
              (h.latencyMs - d.latencyMs).toFixed(2),
            ].join('\t'),
          );
        }
      out(`  agent during the sysbench runs (${load()}): ${await loopOf(agentPid, loopFile)}`);
      out(peaksOf('the sysbench runs'));
      out(
        `  CPU during the runs through hoop (${transactions.toFixed(0)} transactions): ${Object.entries(sysbenchCpu)
          .map(([k, s]) => `${k} ${s.toFixed(2)} s (${((s / transactions) * 1000).toFixed(2)} ms a transaction)`)
          .join(', ')}`,
      );
      out(await gatewayMemory(gatewayPid, memFile));
      const stops = stack
        .agent!.output()
        .split('\n')
        .filter((l) => l.includes('MySQL guard'));
      if (stops.length > 0) out(`  the agent's MySQL guard: ${stops.length} lines logged, the last: ${stops[stops.length - 1]}`);
    } else out('\nsysbench is not installed (Debian: apt-get install sysbench): the oltp_read_only part is left out');

    const quiet = await settled(Object.values(pids).flat());
    out(`\n${N} rows (id, email, notes, created_at), mariadb --quick to /dev/null; medians of ${RUNS} runs after one warm-up each (${load()})`);
    out(`  hoop's processes idle ${quiet.toFixed(1)} s after the part before it (what it left to do, its audit written, not counted here)`);
    bigSelect(PORT, 'root');
    const cold = bigSelect(conn.port, 'bench');
    const before = rss();
    const peaks = Object.values(pids).every((ps) => ps.every(resetPeak));
    const direct: number[] = [];
    const hoop: number[] = [];
    const cpuPerRun: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const sysPerRun: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const loads: string[] = [];
    // the client's and the server's CPU on each path: what hoop's processes share the cores with
    const ends = {
      direct: { client: [] as number[], server: [] as number[] },
      relay3: { client: [] as number[], server: [] as number[] },
      hoop: { client: [] as number[], server: [] as number[] },
    };
    // the floor of hoop's shape: three bare Node relays (no parsing, no masking) in front of the same server
    const relays = await startRelayChain(HOST, PORT, 3);
    const relayTimes: number[] = [];
    const relayCpu: number[] = [];
    const serverPid = serverPidOf(PORT);
    const measured = (path: keyof typeof ends, run: () => number) => {
      const c0 = childrenCpu();
      const s0 = serverPid ? cpu(serverPid) : Number.NaN;
      const t = run();
      ends[path].client.push(childrenCpu() - c0);
      ends[path].server.push(serverPid ? cpu(serverPid) - s0 : Number.NaN);
      return t;
    };
    try {
      bigSelect(relays.port, 'root'); // its warm-up
      for (let i = 0; i < RUNS; i++) {
        loads.push(loadavg()[0]!.toFixed(1));
        direct.push(measured('direct', () => bigSelect(PORT, 'root')));
        const r0 = relays.pids.reduce((n, p) => n + cpu(p), 0);
        relayTimes.push(measured('relay3', () => bigSelect(relays.port, 'root')));
        relayCpu.push(relays.pids.reduce((n, p) => n + cpu(p), 0) - r0);
        const c0 = Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, p) => n + cpu(p), 0)]));
        const k0 = Object.fromEntries(Object.entries(pids).map(([k, ps]) => [k, ps.reduce((n, p) => n + sysCpu(p), 0)]));
        hoop.push(measured('hoop', () => bigSelect(conn.port, 'bench')));
        for (const [k, ps] of Object.entries(pids)) {
          cpuPerRun[k]!.push(ps.reduce((n, p) => n + cpu(p), 0) - c0[k]!);
          sysPerRun[k]!.push(ps.reduce((n, p) => n + sysCpu(p), 0) - k0[k]!);
        }
      }
    } finally {
      relays.stop();
    }
    // each run above opens a session of its own: what a connection and one statement take, on each path
    const oneStatement = (port: number, user: string) => {
      const t = process.hrtime.bigint();
      execFileSync('mariadb', ['-h', HOST, '-P', String(port), '-u', user, '-N', '-B', db, '-e', 'SELECT 1'], { encoding: 'utf8', stdio: 'pipe' });
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const fixed = { direct: [] as number[], hoop: [] as number[] };
    for (let i = 0; i < 5; i++) {
      fixed.direct.push(oneStatement(PORT, 'root'));
      fixed.hoop.push(oneStatement(conn.port, 'bench'));
    }
    const check = execFileSync('mariadb', ['-h', HOST, '-P', String(conn.port), '-u', 'bench', '-N', '-B', db, '-e', 'SELECT * FROM customers LIMIT 1'], {
      encoding: 'utf8',
    }).trim();
    const d = median(direct);
    const h = median(hoop);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
    out(
      `  direct ${d.toFixed(2)} s, through hoop with masking ${h.toFixed(2)} s, ratio ${(h / d).toFixed(2)} (cold first run through hoop ${cold.toFixed(2)} s)`,
    );
    out(
      `  three bare relays (the floor of hoop's three hops): ${median(relayTimes).toFixed(2)} s, ${(median(relayTimes) / d).toFixed(2)} of direct; ` +
        `hoop ÷ that floor's time ${(median(relayTimes) / h).toFixed(2)}; the relays' CPU ${median(relayCpu).toFixed(2)} s a run (${((median(relayCpu) / N) * 1e6).toFixed(2)} µs a row)`,
    );
    out(
      `  of each run, a connection and one statement (the mariadb client's start, its login, SELECT 1, its end; median of 5): ` +
        `direct ${median(fixed.direct).toFixed(1)} ms, through hoop ${median(fixed.hoop).toFixed(1)} ms`,
    );
    out(`  runs: direct ${fmt(direct)}; 3 relays ${fmt(relayTimes)}; hoop ${fmt(hoop)}; load at each run's start ${loads.join(' ')}, at the end ${load()}`);
    out(
      `  CPU per run: ${Object.entries(cpuPerRun)
        .map(
          ([k, xs]) => `${k} ${median(xs).toFixed(2)} s (${((median(xs) / N) * 1e6).toFixed(2)} µs a row; ${median(sysPerRun[k]!).toFixed(2)} s in the kernel)`,
        )
        .join(', ')}`,
    );
    out(
      `  CPU of each run: ${Object.entries(cpuPerRun)
        .map(([k, xs]) => `${k} ${fmt(xs)}`)
        .join('; ')}`,
    );
    out(
      `  CPU per run of the mariadb client / the server: direct ${median(ends.direct.client).toFixed(2)} / ${median(ends.direct.server).toFixed(2)} s, ` +
        `3 relays ${median(ends.relay3.client).toFixed(2)} / ${median(ends.relay3.server).toFixed(2)} s, ` +
        `through hoop ${median(ends.hoop.client).toFixed(2)} / ${median(ends.hoop.server).toFixed(2)} s`,
    );
    out(
      `  RSS before the runs → peak during them${peaks ? '' : ' (peak since the process started: its peak could not be reset)'}: ` +
        Object.entries(pids)
          .map(([k, ps]) => `${k} ${before[k]!.toFixed(0)} → ${ps.reduce((n, p) => n + peakMb(p), 0).toFixed(0)} MB`)
          .join(', '),
    );
    out(`  first row through hoop: ${check}`);
    out(`  agent during the runs: ${await loopOf(agentPid, loopFile)}`);
    out(await gatewayMemory(gatewayPid, memFile));
    await conn.stop();
  } finally {
    const agent = stack.agent;
    await stack.stop();
    if (process.env.BENCH_GATEWAY_LOG) writeFileSync(process.env.BENCH_GATEWAY_LOG, stack.gateway.output());
    const guard = agent
      ?.output()
      .split('\n')
      .find((l) => l.includes('MySQL guard process stopped'));
    if (guard) out(`the agent's MySQL guard, at the end: ${guard}`);
    rmSync(loopDir, { recursive: true, force: true });
    asRoot(`DROP DATABASE IF EXISTS ${db}`);
  }
}

await main();
