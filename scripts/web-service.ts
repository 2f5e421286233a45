/**
 * The web app as a service of the local stack: `next build` when its sources changed since the last build, then
 * `next start`, ready once `/healthz` answers. Browser tests build once for the whole run (playwright/global-setup.ts)
 * and start every spec's web app from that build.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseEnv, httpOk, REPO_ROOT, type Service, startService, waitFor } from '@hoop/devstack';

export interface WebOptions {
  databaseUrl: string;
  port: number;
  /** signs login sessions; a fresh random one when not given (logins then last as long as this process) */
  authSecret?: string;
  gatewayUrl: string;
  logDir: string;
  /** the gateway's HOOP_ENCRYPTION_KEY: without it the web app cannot save Slack or webhook secrets */
  encryptionKey?: string;
  /**
   * Settings the person starting the stack gave in their own environment (see `webSettingsFrom`): single sign-on,
   * the public URL, the session secret. They win over the defaults above.
   */
  settings?: Record<string, string>;
  /**
   * Build first when the sources changed (the default), or start from the build that is there, which must exist: the
   * browser tests build once before the run, so an edit made while they run cannot start another build between specs.
   */
  build?: boolean;
}

/** Names the web app reads (apps/web/src/env.ts) that `npm start` takes from its own environment as they are. */
const PASSED_THROUGH = /^(HOOP_OIDC_[A-Z0-9_]+|NEXTAUTH_URL|NEXTAUTH_URL_INTERNAL|NEXTAUTH_SECRET|AUTH_SECRET|AUTH_TRUST_HOST)$/;

/**
 * The web app's settings in an environment: `HOOP_OIDC_*` (single sign-on), `NEXTAUTH_URL` (the URL people open,
 * which is also where the OIDC provider redirects to), `AUTH_TRUST_HOST` (behind a proxy) and the session secret
 * (`NEXTAUTH_SECRET` or `AUTH_SECRET`). Empty values count as unset. Children otherwise get no `HOOP_*` variable (see
 * `baseEnv`), so these must be passed on by name.
 */
export function webSettingsFrom(source: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (PASSED_THROUGH.test(k) && v) out[k] = v;
  return out;
}

/** What is wrong with the settings `webSettingsFrom` found, said before the web app starts with them, or null. */
export function webSettingsProblem(settings: Record<string, string>): string | null {
  if (settings.NEXTAUTH_URL && !URL.canParse(settings.NEXTAUTH_URL))
    return `NEXTAUTH_URL must be the URL people open the web app at, such as https://hoop.example.com, not "${settings.NEXTAUTH_URL}"`;
  const issuer = settings.HOOP_OIDC_ISSUER;
  if (!issuer) return null;
  if (!URL.canParse(issuer))
    return `HOOP_OIDC_ISSUER must be the issuer URL of your OIDC provider, such as https://login.example.com/realms/acme, not "${issuer}"`;
  const missing = ['HOOP_OIDC_CLIENT_ID', 'HOOP_OIDC_CLIENT_SECRET'].filter((k) => !settings[k]);
  const are = missing.length === 1 ? 'is' : 'are';
  if (missing.length) return `HOOP_OIDC_ISSUER is set, so ${missing.join(' and ')} ${are} required too (the client registered with your provider)`;
  return null;
}

const WEB_DIR = path.join(REPO_ROOT, 'apps', 'web');
const NEXT_BIN = path.join(WEB_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
const DIST_DIR = path.join(WEB_DIR, '.next');
const STAMP = path.join(DIST_DIR, 'hoop-build.json');
const LOCK = path.join(REPO_ROOT, '.hoop', 'web-build.lock');

/** What the production build depends on: the app, the workspace packages it bundles or type-checks, the lockfile. */
const BUILD_INPUTS = [
  'apps/web/src',
  'apps/web/public',
  'apps/web/next.config.ts',
  'apps/web/postcss.config.mjs',
  'apps/web/tsconfig.json',
  'apps/web/package.json',
  'packages/protocol/src',
  'packages/pipeline/src',
  'packages/db/src',
  'tsconfig.base.json',
  'pnpm-lock.yaml',
];
const SKIP = new Set(['node_modules', '.next', 'generated']);

function listFiles(rel: string, out: string[]): void {
  const abs = path.join(REPO_ROOT, rel);
  if (!existsSync(abs)) return;
  if (statSync(abs).isFile()) {
    out.push(rel);
    return;
  }
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.endsWith('.test.ts')) continue;
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) listFiles(child, out);
    else if (entry.isFile()) out.push(child);
  }
}

export function webSourceHash(): string {
  const files: string[] = [];
  for (const input of BUILD_INPUTS) listFiles(input, files);
  const h = createHash('sha256');
  for (const f of files.sort())
    h.update(f)
      .update('\0')
      .update(readFileSync(path.join(REPO_ROOT, f)))
      .update('\0');
  return h.digest('hex');
}

function builtHash(): string | null {
  try {
    if (!existsSync(path.join(DIST_DIR, 'BUILD_ID'))) return null;
    return (JSON.parse(readFileSync(STAMP, 'utf8')) as { hash?: string }).hash ?? null;
  } catch {
    return null;
  }
}

/** One build at a time across processes (a test run and `npm start` may start together). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = lockOwner();
      const stale = owner ? !isAlive(owner) : Date.now() - lockMtime() > 30_000;
      if (stale) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another web build (pid ${owner}) has held ${LOCK} for 10 minutes`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockOwner(): number {
  try {
    return Number(readFileSync(path.join(LOCK, 'pid'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function lockMtime(): number {
  try {
    return statSync(LOCK).mtimeMs;
  } catch {
    return Date.now();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runBuild(logDir: string, signal?: AbortSignal): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'web-build.log');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
      cwd: WEB_DIR,
      env: { ...baseEnv(), NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let out = '';
    const keep = (c: Buffer) => void (out += c.toString('utf8'));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => {
      writeFileSync(logFile, out);
      if (signal?.aborted) reject(new Error('the web build was stopped'));
      else if (code === 0) resolve();
      else reject(new Error(`next build failed (exit ${code}); full output in ${logFile}:\n${out.slice(-4000)}`));
    });
  });
}

/**
 * Builds the web app unless the last build was made from exactly these sources. Returns whether it built. `signal`
 * stops a build under way (it then rejects, and the next call builds again).
 */
export async function ensureWebBuild(logDir: string, signal?: AbortSignal): Promise<boolean> {
  return withBuildLock(async () => {
    const hash = webSourceHash();
    if (builtHash() === hash) return false;
    await runBuild(logDir, signal);
    writeFileSync(STAMP, `${JSON.stringify({ hash, builtAt: new Date().toISOString() }, null, 2)}\n`);
    return true;
  });
}

export async function startWebService(o: WebOptions): Promise<Service> {
  if (o.build === false) {
    if (!existsSync(path.join(DIST_DIR, 'BUILD_ID')))
      throw new Error(
        `the web app is not built (no ${path.relative(REPO_ROOT, DIST_DIR)}/BUILD_ID): build it first with ensureWebBuild, or start it with build: true`,
      );
  } else await ensureWebBuild(o.logDir);
  const svc = startService({
    name: 'web',
    command: process.execPath,
    args: [NEXT_BIN, 'start', '--port', String(o.port), '--hostname', '127.0.0.1'],
    cwd: WEB_DIR,
    logDir: o.logDir,
    env: {
      ...baseEnv(),
      // the server loads @hoop/db's TypeScript source at run time (see packages/core/src/hoop-db.ts)
      NODE_OPTIONS: '--import=tsx',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      DATABASE_URL: o.databaseUrl,
      NEXTAUTH_SECRET: o.authSecret ?? randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: `http://localhost:${o.port}`,
      HOOP_GATEWAY_URL: o.gatewayUrl,
      ...(o.encryptionKey ? { HOOP_ENCRYPTION_KEY: o.encryptionKey } : {}),
      ...o.settings,
      // a secret given as AUTH_SECRET wins over the generated one, which would otherwise be read first
      ...(o.settings?.AUTH_SECRET && !o.settings.NEXTAUTH_SECRET ? { NEXTAUTH_SECRET: o.settings.AUTH_SECRET } : {}),
    },
  });
  await waitFor('the web app to answer /healthz', () => httpOk(`http://127.0.0.1:${o.port}/healthz`), { service: svc, timeoutMs: 60_000 });
  return svc;
}
