import type { Duplex } from 'node:stream';
import { BLOCKED_PREFIX, REVIEW_PREFIX, WAITING_PREFIX } from '@hoop/protocol';
import ssh2 from 'ssh2';

/** Exit status the agent gives a command it refused (the reason is on stderr). */
const EXIT_REFUSED = 126;

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export class CommandRefused extends Error {
  constructor(
    readonly kind: 'blocked' | 'not_approved',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs one command on an `ssh` or `command` connection: an SSH client over the stream to the agent, which judges it,
 * runs it on the target and masks the output. Output is kept up to `maxBytes` per stream (`truncated` says when more
 * was cut); a command still running after `timeoutMs` is ended. `onWaiting` hears `waiting for approval: <url>`.
 */
export async function runCommandOver(
  stream: Duplex,
  command: string,
  o: { maxBytes: number; timeoutMs: number; onWaiting?: (url: string) => void },
): Promise<CommandResult> {
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err) => reject(new Error(`the SSH session through the agent failed: ${err.message}`)));
    client.connect({ sock: stream as never, username: 'hoop-mcp', readyTimeout: 20_000, hostVerifier: () => true });
  });
  try {
    return await new Promise<CommandResult>((resolve, reject) => {
      client.exec(command, (err, ch) => {
        if (err) return reject(new Error(`the agent refused the command channel: ${err.message}`));
        const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], sizes: { stdout: 0, stderr: 0 }, truncated: false };
        const keep = (which: 'stdout' | 'stderr', d: Buffer) => {
          const room = o.maxBytes - out.sizes[which];
          if (room <= 0) {
            out.truncated = true;
            return;
          }
          if (d.length > room) out.truncated = true;
          out[which].push(d.subarray(0, room));
          out.sizes[which] += Math.min(d.length, room);
        };
        let waitingSeen = false;
        let running = true;
        // the command's time starts once it runs, not while it waits for a reviewer
        let timer: NodeJS.Timeout | null = setTimeout(() => ch.signal('KILL'), o.timeoutMs);
        // after a wait for approval, the command's time starts with its first output
        const rearm = () => {
          if (waitingSeen && !timer && running) timer = setTimeout(() => ch.signal('KILL'), o.timeoutMs);
        };
        ch.on('data', (d: Buffer) => {
          rearm();
          keep('stdout', d);
        });
        ch.stderr.on('data', (d: Buffer) => {
          const text = d.toString('utf8');
          const m = new RegExp(`^hoop: ${WAITING_PREFIX}: (\\S+)`, 'm').exec(text);
          if (m && !waitingSeen) {
            waitingSeen = true;
            if (timer) clearTimeout(timer);
            timer = null;
            o.onWaiting?.(m[1]!);
            return;
          }
          rearm();
          keep('stderr', d);
        });
        let code: number | null = null;
        let signal: string | null = null;
        ch.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig ?? null;
        });
        ch.on('close', () => {
          running = false;
          if (timer) clearTimeout(timer);
          const stderr = Buffer.concat(out.stderr).toString('utf8');
          if (code === EXIT_REFUSED) {
            const line = stderr.split('\n').find((l) => l.startsWith('hoop: '));
            if (line?.startsWith(`hoop: ${BLOCKED_PREFIX}`)) return reject(new CommandRefused('blocked', line.slice(6)));
            if (line?.startsWith(`hoop: ${REVIEW_PREFIX}`)) return reject(new CommandRefused('not_approved', line.slice(6)));
          }
          resolve({ exitCode: code, signal, stdout: Buffer.concat(out.stdout).toString('utf8'), stderr, truncated: out.truncated });
        });
        ch.end();
      });
    });
  } finally {
    client.end();
  }
}
