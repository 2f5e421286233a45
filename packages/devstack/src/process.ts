import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export { freePort, portIsFree } from './ports';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** Peak resident memory of a process in MB (VmHWM), from /proc. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface Service {
  name: string;
  child: ChildProcess;
  /** everything the process printed so far (last 64 KiB), for error messages */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Children still running when this process exits are killed with it. A test whose set-up timed out while a service
 * was starting (Playwright and vitest end the hook, not the start) never gets to stop it: left running, a web app
 * whose database is gone spun at half a core for the rest of the machine's day.
 */
const running = new Set<ChildProcess>();
let reaperInstalled = false;
export function stopWithThisProcess(child: ChildProcess): void {
  if (!reaperInstalled) {
    reaperInstalled = true;
    process.once('exit', () => {
      for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Runs one part of the stack as a child process; its output goes to a log file (or is kept in memory). */
export function startService(opts: { name: string; command: string; args: string[]; env: NodeJS.ProcessEnv; cwd?: string; logDir?: string }): Service {
  const child = spawn(opts.command, opts.args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  stopWithThisProcess(child);
  let tail = '';
  const log = opts.logDir ? (mkdirSync(opts.logDir, { recursive: true }), createWriteStream(path.join(opts.logDir, `${opts.name}.log`), { flags: 'a' })) : null;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-65536);
    log?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: opts.name,
    child,
    output: () => tail,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
      log?.end();
    },
  };
}

/** Polls until `check` returns a value, the service dies, or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, opts: { timeoutMs?: number; service?: Service } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastErr = '';
  while (Date.now() < deadline) {
    if (opts.service && opts.service.child.exitCode !== null) {
      throw new Error(`${opts.service.name} exited (code ${opts.service.child.exitCode}) before ${what}:\n${opts.service.output().slice(-4000)}`);
    }
    try {
      const v = await check();
      if (v !== null && v !== undefined) return v;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? ` (${lastErr})` : ''}${opts.service ? `:\n${opts.service.output().slice(-4000)}` : ''}`);
}

export async function httpOk(url: string): Promise<boolean | null> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok ? true : null;
}

/**
 * Waits for starts run side by side (a stack, an OpenSSH server, a Postgres), then rejects with the first failure, if
 * any: each start stores what it started as it resolves (`.then((s) => (x = s))`), so a test's afterAll stops all that
 * did start, none still starting behind its back.
 */
export async function allStarted(starts: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
