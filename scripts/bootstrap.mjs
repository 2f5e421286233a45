// Makes a fresh clone runnable: pnpm (pinned), dependencies, generated Prisma client. Fast when nothing changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).packageManager.split('@')[1];
const LOCAL_PNPM = path.join(ROOT, '.hoop', 'tools', 'node_modules', '.bin', 'pnpm');

export function step(msg) {
  process.stdout.write(`\x1b[36m▸\x1b[0m ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

function pnpmVersion(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The pinned pnpm: the one on PATH if it is that version, else a private copy under .hoop/tools. */
export function ensurePnpm() {
  if (pnpmVersion('pnpm') === PNPM_VERSION) return 'pnpm';
  if (pnpmVersion(LOCAL_PNPM) === PNPM_VERSION) return LOCAL_PNPM;
  step(`installing pnpm ${PNPM_VERSION} into .hoop/tools`);
  mkdirSync(path.join(ROOT, '.hoop', 'tools'), { recursive: true });
  run('npm', ['install', '--prefix', path.join(ROOT, '.hoop', 'tools'), `pnpm@${PNPM_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error']);
  return LOCAL_PNPM;
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

export function ensureDependencies(pnpm) {
  const marker = path.join(ROOT, 'node_modules', '.modules.yaml');
  const inputs = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml'].map((f) => mtime(path.join(ROOT, f)));
  if (existsSync(marker) && Math.max(...inputs) <= mtime(marker)) return;
  step('installing dependencies (pnpm install)');
  run(pnpm, ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], { env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
}

export function ensurePrismaClient(pnpm) {
  const schema = readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'));
  const hash = createHash('sha256').update(schema).digest('hex');
  const stamp = path.join(ROOT, 'packages', 'db', 'src', 'generated', 'schema.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  step('generating the Prisma client');
  run(pnpm, ['--filter', '@hoop/db', 'exec', 'prisma', 'generate'], {
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://localhost/unused', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(stamp, hash);
}

export function bootstrap() {
  const pnpm = ensurePnpm();
  ensureDependencies(pnpm);
  ensurePrismaClient(pnpm);
  return pnpm;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) bootstrap();
