// `npm test` after the workspace is installed (scripts/test.mjs): the layer check, the programs some tests drive, the
// Postgres the tests use, then vitest and Playwright, each timed. Arguments after `npm test --` go to vitest alone (and
// skip the layer check and Playwright).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';
import { ensureTestMysql } from '@hoop/devstack/test-mysql';
import { CLAUDE_CODE_SKIP_VAR, claudeCode, missingTools, SKIP_TOOLS_VAR, type TestTool } from '@hoop/devstack/tools';
import { checkLayers } from './check-layers';
import { ensureWebBuild } from './web-service';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
const step = (msg: string) => process.stdout.write(`\x1b[36m▸\x1b[0m ${msg}\n`);

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const isRoot = process.getuid?.() === 0;
const onDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
const packagesOf = (tools: TestTool[]) => [...new Set(tools.map((t) => t.debianPackage))];

/** As root on Debian, installs the missing programs; returns those still missing. */
function installMissing(missing: TestTool[]): TestTool[] {
  if (missing.length === 0 || !isRoot || !onDebian) return missing;
  const pkgs = packagesOf(missing);
  step(`installing what some tests drive: ${pkgs.join(' ')} (apt-get, as root)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update;
  if (install.status !== 0) process.stderr.write(`apt-get could not install ${pkgs.join(' ')} (exit ${install.status})\n`);
  return missingTools(missing);
}

const env: NodeJS.ProcessEnv = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
const passThrough = process.argv.slice(2);
const started = Date.now();
const parts: { name: string; ms: number; code: number | 'skipped' }[] = [];

// first, in seconds: an import the layers forbid (.dependency-cruiser.cjs) fails the run before anything starts
if (passThrough.length === 0) {
  step('layer check (dependency-cruiser, .dependency-cruiser.cjs)');
  const layers = await checkLayers();
  process.stdout.write(layers.report);
  parts.push({ name: 'layer check', ms: Date.now() - started, code: layers.errors > 0 ? 1 : 0 });
  if (layers.errors > 0) {
    step(`npm test: failed — ${layers.errors} forbidden import${layers.errors > 1 ? 's' : ''}, listed above (\`npm run lint:layers\` lists them again)`);
    process.exit(1);
  }
}

const missing = installMissing(missingTools());
const notice = missing.length
  ? `missing: ${missing.map((t) => `${t.name} (${t.neededBy})`).join(', ')}; ` +
    `install with \`sudo apt-get install -y ${packagesOf(missing).join(' ')}\`; those tests are skipped in this run`
  : null;
if (notice) {
  process.stdout.write(`\x1b[33m!\x1b[0m ${notice}\n`);
  env[SKIP_TOOLS_VAR] = missing.map((t) => t.name).join(',');
}

// the MySQL/MariaDB tests' server: one that lets root in at HOOP_TEST_MYSQL_PORT (3306), else a private MariaDB
// (installed first as root on Debian); without either, those tests are skipped and the run says so
const mysqlPort = Number(env.HOOP_TEST_MYSQL_PORT ?? 3306);
const testMysql = await ensureTestMysql({
  port: mysqlPort,
  privatePort: Number(env.HOOP_TEST_MYSQL_PRIVATE_PORT ?? 3316),
  dir: path.join(ROOT, '.hoop', 'test-mariadb'),
  install:
    isRoot && onDebian
      ? () => {
          step('installing MariaDB for the MySQL tests: mariadb-server mariadb-client (apt-get, as root)');
          const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
          spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv });
          spawnSync('apt-get', ['install', '-y', '-qq', 'mariadb-server', 'mariadb-client'], { stdio: ['ignore', 'ignore', 'inherit'], env: aptEnv });
        }
      : undefined,
});
let mysqlNotice: string | null = null;
if ('missing' in testMysql) {
  mysqlNotice = `${testMysql.missing}; the MySQL tests that need a server are skipped in this run`;
  process.stdout.write(`\x1b[33m!\x1b[0m ${mysqlNotice}\n`);
  env.HOOP_TEST_SKIP_MYSQL = '1';
} else {
  if (testMysql.port !== mysqlPort)
    step(`no MySQL/MariaDB lets root in at 127.0.0.1:${mysqlPort}: the MySQL tests use a MariaDB of their own on ${testMysql.port}`);
  env.HOOP_TEST_MYSQL_PORT = String(testMysql.port);
}

// the real Claude Code for the model API tests: installed once here (from npm into .hoop/tools), not by each test file;
// without it (offline, no npm) those tests are skipped and the run says why
const claude = await claudeCode();
const claudeNotice = 'skip' in claude ? `${claude.skip}; the Claude Code tests are skipped in this run` : null;
if (claudeNotice) {
  process.stdout.write(`\x1b[33m!\x1b[0m ${claudeNotice}\n`);
  env[CLAUDE_CODE_SKIP_VAR] = '1';
}

let stopEmbedded: (() => Promise<void>) | null = null;
if (!env.DATABASE_URL) {
  const port = Number(env.HOOP_TEST_PG_PORT ?? 5455);
  step(`DATABASE_URL is not set: starting an embedded Postgres for the tests on 127.0.0.1:${port} (.hoop/test-postgres)`);
  try {
    const pg = await startEmbeddedPostgres({ dir: path.join(ROOT, '.hoop', 'test-postgres'), port, password: 'hoop-test' });
    env.DATABASE_URL = pg.url('postgres');
    stopEmbedded = pg.stop;
  } catch (err) {
    process.stderr.write(
      `the embedded Postgres did not start on port ${port} (${err instanceof Error ? err.message : 'it exited'}); ` +
        `set HOOP_TEST_PG_PORT to a free port, or DATABASE_URL to a Postgres the tests may use\n`,
    );
    process.exit(2);
  }
}

async function part(name: string, cmd: string, args: string[]): Promise<number> {
  step(name);
  const t0 = Date.now();
  const code = await run(cmd, args, env);
  parts.push({ name, ms: Date.now() - t0, code });
  return code;
}

// the web app's production build, which the browser tests start from, is made while vitest runs (vitest leaves a core
// idle much of the time, waiting on its processes); Playwright's global setup then finds it up to date
const browsers = passThrough.length === 0 && !missing.some((t) => t.name === 'chromium');
const stopBuild = new AbortController();
const buildStarted = Date.now();
const webBuild = browsers
  ? ensureWebBuild(path.join(ROOT, '.hoop', 'logs', 'playwright'), stopBuild.signal).then(
      (built) => ({ built, ms: Date.now() - buildStarted, error: null }),
      (err: Error) => ({ built: false, ms: Date.now() - buildStarted, error: err }),
    )
  : null;

let code = await part('unit and integration tests (vitest)', bin('vitest'), ['run', ...passThrough]);
if (webBuild) {
  if (code !== 0) stopBuild.abort();
  const build = await webBuild;
  if (code === 0) {
    if (build.error) process.stderr.write(`${build.error.message}\n`);
    parts.push({ name: `web app build (${build.built ? 'made alongside vitest' : 'up to date'})`, ms: build.ms, code: build.error ? 1 : 0 });
    if (build.error) code = 1;
  }
}
if (passThrough.length === 0) {
  if (!browsers) parts.push({ name: 'browser tests (Playwright, Chromium)', ms: 0, code: 'skipped' });
  else if (code === 0) code = await part('browser tests (Playwright, Chromium)', bin('playwright'), ['test']);
}
if (stopEmbedded) await stopEmbedded();
if (!('missing' in testMysql)) await testMysql.stop();

process.stdout.write('\n');
for (const p of parts) {
  const outcome = p.code === 'skipped' ? 'skipped (chromium missing)' : p.code === 0 ? 'passed' : `failed (exit ${p.code})`;
  step(`${p.name}: ${outcome}${p.code === 'skipped' ? '' : ` in ${elapsed(p.ms)}`}`);
}
const notices = [notice, mysqlNotice, claudeNotice].filter(Boolean).map((n) => ` — ${n}`);
step(`npm test: ${code === 0 ? 'passed' : 'failed'} in ${elapsed(Date.now() - started)}${notices.join('')}`);
process.exit(code);
