import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Duplex, type Readable } from 'node:stream';
import { Client, type ClientChannel, type PseudoTtyOptions } from 'ssh2';
import type { CommandConfig, SshTargetConfig } from '@hoop/protocol';
import { terminalForeground } from './foreground';

export { type CommandConfig, commandConfigFrom, type SshTargetConfig, sshTargetFrom } from '@hoop/protocol';

/** A pseudo-terminal as the client asked for it. */
export interface Pty {
  term: string;
  cols: number;
  rows: number;
  width: number;
  height: number;
}

/** One running shell, command or subsystem on the target side: stdin/stdout as a duplex, stderr apart. */
export interface BackendChannel extends Duplex {
  stderr: Readable;
  setWindow(rows: number, cols: number, height: number, width: number): void;
  signal(name: string): void;
  /** what holds the foreground of the channel's terminal, when the agent runs that terminal itself */
  foreground?(): 'shell' | 'program' | null;
}

/** Where the commands of a session run: a server over SSH, or the agent host itself (command connections). */
export interface Backend {
  readonly kind: 'ssh' | 'command';
  shell(o: { pty: Pty | null; env: Record<string, string> }): Promise<BackendChannel>;
  exec(command: string, o: { pty: Pty | null; env: Record<string, string> }): Promise<BackendChannel>;
  /** the raw SFTP subsystem, or null when the backend has none */
  sftp(): Promise<Duplex | null>;
  /** a TCP connection from the target to host:port (ssh -L / -W), or null when the backend cannot */
  forward(from: { ip: string; port: number }, to: { host: string; port: number }): Promise<Duplex | null>;
  close(): void;
}

export class BackendError extends Error {}

// ── SSH target ────────────────────────────────────────────────────────────────────────────────────────────────────

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Logs into the target with the agent's credential (a private key, else a password) and opens channels on demand. */
export async function connectSshTarget(cfg: SshTargetConfig, secret: string | null, onHostKey: (fp: string) => void): Promise<Backend> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    client.once('ready', () => done());
    client.once('error', (err) => done(new BackendError(`cannot log into ${cfg.user}@${cfg.host}:${cfg.port}: ${err.message}`)));
    client.once('close', () => done(new BackendError(`${cfg.host}:${cfg.port} closed the connection during login`)));
    const isKey = secret !== null && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(secret);
    client.connect({
      host: cfg.host,
      port: cfg.port,
      username: cfg.user,
      ...(isKey ? { privateKey: secret } : secret !== null ? { password: secret } : {}),
      readyTimeout: 15_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        const fp = fingerprint(key);
        onHostKey(fp);
        return !cfg.hostKeyFingerprint || cfg.hostKeyFingerprint === fp;
      },
    });
  });
  const channel = (open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void) =>
    new Promise<BackendChannel>((resolve, reject) =>
      open((err, ch) => (err ? reject(new BackendError(err.message)) : resolve(ch as unknown as BackendChannel))),
    );
  const ptyOpts = (pty: Pty): PseudoTtyOptions => ({ term: pty.term, cols: pty.cols, rows: pty.rows, width: pty.width, height: pty.height });
  return {
    kind: 'ssh',
    shell: ({ pty, env }) => channel((cb) => (pty ? client.shell(ptyOpts(pty), { env }, cb) : client.shell(false, { env }, cb))),
    exec: (command, { pty, env }) => channel((cb) => client.exec(command, { env, ...(pty ? { pty: ptyOpts(pty) } : {}) }, cb)),
    sftp: () => new Promise((resolve, reject) => client.subsys('sftp', (err, ch) => (err ? reject(new BackendError(err.message)) : resolve(ch)))),
    forward: (from, to) =>
      new Promise((resolve, reject) =>
        client.forwardOut(from.ip, from.port, to.host, to.port, (err, ch) => (err ? reject(new BackendError(err.message)) : resolve(ch))),
      ),
    close: () => client.end(),
  };
}

// ── local commands ────────────────────────────────────────────────────────────────────────────────────────────────

const quote = (w: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** Runs commands on the agent host. A terminal comes from util-linux `script`, so no native module is needed. */
export function commandBackend(cfg: CommandConfig, env: Record<string, string>, base: { PATH: string; HOME: string; LANG: string }): Backend {
  const children = new Set<ReturnType<typeof spawn>>();
  const start = (argv: string[], pty: Pty | null, stdinText: string | null, extra: Record<string, string>): BackendChannel => {
    const fullEnv = { ...base, ...env, ...extra, ...(pty ? { TERM: pty.term || 'xterm', COLUMNS: String(pty.cols), LINES: String(pty.rows) } : {}) };
    const [cmd, args] = pty
      ? ['script', ['-qfec', `stty cols ${pty.cols} rows ${pty.rows} 2>/dev/null; exec ${argv.map(quote).join(' ')}`, '/dev/null']]
      : [argv[0]!, argv.slice(1)];
    const child = spawn(cmd as string, args as string[], { cwd: cfg.cwd, env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin }) as unknown as BackendChannel;
    duplex.stderr = child.stderr;
    duplex.setWindow = () => undefined;
    if (pty) duplex.foreground = () => (child.pid === undefined || child.exitCode !== null ? null : terminalForeground(child.pid));
    duplex.signal = (name) => {
      try {
        child.kill(`SIG${name}` as NodeJS.Signals);
      } catch {
        // unknown signal names are ignored, as sshd does
      }
    };
    child.on('error', (err) => {
      duplex.emit('exit', 127);
      child.stderr.emit('data', Buffer.from(`cannot run ${argv[0]}: ${err.message}\n`));
      duplex.destroy();
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal) duplex.emit('exit', null, signal.replace(/^SIG/, ''), false, '');
      else duplex.emit('exit', code ?? 0);
    });
    // the process is gone and its output read: the channel is over, whether or not its stdin was ever closed
    child.on('close', () => {
      const finish = () => {
        if (!duplex.destroyed) duplex.destroy();
      };
      // the last output still goes out first
      if (duplex.readableEnded) finish();
      else duplex.once('end', finish);
    });
    if (stdinText !== null) child.stdin.end(stdinText);
    return duplex;
  };
  return {
    kind: 'command',
    shell: async ({ pty, env: extra }) => start(cfg.shell, pty, null, extra),
    exec: async (command, { pty, env: extra }) => {
      const placeholder = cfg.exec.includes('{}');
      const argv = placeholder ? cfg.exec.map((w) => (w === '{}' ? command : w)) : cfg.exec;
      return start(argv, pty, placeholder ? null : command.endsWith('\n') ? command : `${command}\n`, extra);
    },
    sftp: async () => null,
    forward: async () => null,
    close: () => {
      for (const c of children) c.kill('SIGHUP');
    },
  };
}
