import { spawn } from 'node:child_process';
import { inheritedEnv } from './env';

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real client binary (psql, ssh, pgbench) and collects its output. */
export function runProcess(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...inheritedEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function psql(url: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ProcResult> {
  return runProcess('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', ...args], { ...opts, env: { PGCONNECT_TIMEOUT: '10' } });
}
