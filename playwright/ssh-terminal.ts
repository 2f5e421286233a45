import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { waitFor } from '@hoop/devstack';

/**
 * An interactive `ssh -tt` into a command connection on `port`, typed into a key at a time; `cleanups` gets what kills
 * it if it is still running when the spec ends.
 */
export function sshTerminal(port: number, cleanups: (() => Promise<void>)[]) {
  const child: ChildProcessWithoutNullStreams = spawn('ssh', [
    '-tt',
    '-p',
    String(port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    'x@127.0.0.1',
  ]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  cleanups.push(async () => void (child.exitCode === null && child.kill('SIGKILL')));
  return {
    closed,
    async type(text: string) {
      for (const ch of text) {
        child.stdin.write(ch);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    until: (re: RegExp) => waitFor(`terminal output ${re}`, async () => (re.test(out) ? true : null), { timeoutMs: 20_000 }),
  };
}
