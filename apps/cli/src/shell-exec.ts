import type { Duplex } from 'node:stream';
import { BLOCKED_PREFIX, EXIT, REVIEW_PREFIX, WAITING_PREFIX } from '@hoop/protocol';
import { CliError } from './errors';

/** Exit status the agent gives a command it refused (the reason is on stderr). */
const EXIT_REFUSED = 126;

/**
 * `hoop exec` on an `ssh` or `command` connection: an SSH client over the tunnel stream, speaking to the agent, which
 * judges the command, runs it on the target and masks what comes back. stdout and stderr are passed through; the
 * command's exit status becomes hoop's, except that a refusal exits 3 (blocked) or 4 (not approved).
 */
export async function runShellCommand(
  stream: Duplex,
  command: string,
  o: { stdin: NodeJS.ReadableStream | null; onWaiting?: (line: string) => void },
): Promise<number> {
  const { Client } = (await import('ssh2')).default;
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err) => reject(new CliError(EXIT.unreachable, `the SSH session through the agent failed: ${err.message}`)));
    // the agent accepts any name: the gateway already knows who this is
    client.connect({ sock: stream as never, username: 'hoop', readyTimeout: 20_000, hostVerifier: () => true });
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      client.exec(command, (err, ch) => {
        if (err) return reject(new CliError(EXIT.unreachable, `the agent refused the command channel: ${err.message}`));
        let stderrTail = '';
        let code: number | null = null;
        let signal: string | null = null;
        ch.on('data', (d: Buffer) => process.stdout.write(d));
        ch.stderr.on('data', (d: Buffer) => {
          const text = d.toString('utf8');
          stderrTail = (stderrTail + text).slice(-4096);
          const waiting = text.split('\n').find((l) => l.startsWith(`hoop: ${WAITING_PREFIX}`));
          if (waiting && o.onWaiting) o.onWaiting(waiting.replace(/^hoop: /, ''));
          else process.stderr.write(d);
        });
        ch.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig ?? null;
        });
        ch.on('close', () => {
          if (code === EXIT_REFUSED && stderrTail.includes(`hoop: ${BLOCKED_PREFIX}`)) return resolve(EXIT.blocked);
          if (code === EXIT_REFUSED && stderrTail.includes(`hoop: ${REVIEW_PREFIX}`)) return resolve(EXIT.rejected);
          if (signal) {
            process.stderr.write(`hoop: the command was ended by signal ${signal}\n`);
            return resolve(128 + (SIGNALS[signal] ?? 0));
          }
          resolve(code ?? EXIT.unreachable);
        });
        if (o.stdin) o.stdin.pipe(ch);
        else ch.end();
      });
    });
  } finally {
    client.end();
  }
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15, PIPE: 13, ALRM: 14, USR1: 10, USR2: 12 };
