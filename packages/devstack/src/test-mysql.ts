import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { findBinary } from './tools';

/**
 * The MySQL/MariaDB the tests use: one that already answers at 127.0.0.1:`port` and lets `root` in without a
 * password (as on CI), or else a private MariaDB of the tests' own (its data under `dir`, on `privatePort`) started
 * from the installed server, which `install` may first install (apt-get, as root on Debian). Never the machine's own
 * server with changed settings: a system MariaDB whose root logs in by socket only is left alone.
 */
export type TestMysql = { port: number; stop(): Promise<void> } | { missing: string };

async function rootLogin(port: number): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 3000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const SERVER = ['mariadbd', '/usr/sbin/mariadbd', 'mysqld', '/usr/sbin/mysqld'];
const serverBinary = () => SERVER.map(findBinary).find((b) => b !== null) ?? null;

export async function ensureTestMysql(o: { port: number; privatePort: number; dir: string; install?: () => void }): Promise<TestMysql> {
  if (await rootLogin(o.port)) return { port: o.port, stop: async () => undefined };
  let server = serverBinary();
  if (!server && o.install) {
    o.install();
    server = serverBinary();
  }
  if (!server) return { missing: MISSING(o.port) };
  if (await rootLogin(o.privatePort)) return { port: o.privatePort, stop: async () => undefined };
  const started = await startPrivateMariadb({ dir: o.dir, port: o.privatePort });
  return 'missing' in started ? started : { port: started.port, stop: started.stop };
}

const MISSING = (port: number) =>
  `no MySQL/MariaDB lets root in without a password at 127.0.0.1:${port}, and no MariaDB server is installed to start one ` +
  '(`sudo apt-get install -y mariadb-server mariadb-client`, or set HOOP_TEST_MYSQL_PORT to a server whose root has no password)';

/**
 * A MariaDB of the caller's own from the installed server: its data under `dir` (made with mariadb-install-db when
 * empty), on 127.0.0.1:`port`, root without a password, with `args` added to the server's command line (TLS files, …).
 */
export async function startPrivateMariadb(o: {
  dir: string;
  port: number;
  args?: string[];
}): Promise<{ port: number; socket: string; stop(): Promise<void> } | { missing: string }> {
  const server = serverBinary();
  const installDb = findBinary('mariadb-install-db') ?? findBinary('mysql_install_db');
  if (!server || !installDb) return { missing: MISSING(o.port) };
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  if (!existsSync(path.join(o.dir, 'mysql'))) {
    mkdirSync(o.dir, { recursive: true });
    const init = spawnSync(installDb, ['--no-defaults', `--datadir=${o.dir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], {
      encoding: 'utf8',
    });
    if (init.status !== 0)
      return { missing: `mariadb-install-db could not make ${o.dir}: ${(init.stderr || init.stdout).trim().split('\n').slice(-3).join(' ')}` };
  }
  const socket = path.join(o.dir, 'mysqld.sock');
  const args = [
    '--no-defaults',
    `--datadir=${o.dir}`,
    `--port=${o.port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${path.join(o.dir, 'mysqld.pid')}`,
    '--skip-log-bin',
    '--max-connections=500',
    ...asRoot,
    ...(o.args ?? []),
  ];
  const child: ChildProcess = spawn(server, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (await rootLogin(o.port)) break;
    const done = await Promise.race([exited, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 250))]);
    if (done !== 'wait') return { missing: `the tests' MariaDB exited (${done}) on start: ${stderr.trim().split('\n').slice(-3).join(' ')}` };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      return { missing: `the tests' MariaDB did not accept connections on 127.0.0.1:${o.port} within 60 s` };
    }
  }
  return {
    port: o.port,
    socket,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
