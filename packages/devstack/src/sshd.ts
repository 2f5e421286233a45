import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort, stopWithThisProcess, waitFor } from './process';

export interface TestSshd {
  port: number;
  user: string;
  /** OpenSSH private key that logs in as `user` */
  privateKey: string;
  /** `SHA256:…` of the server's host key */
  hostKeyFingerprint: string;
  /** a scratch folder the tests may fill */
  dir: string;
  /** the config of an `ssh` connection to this server (its secret is `privateKey`) */
  target: { host: string; port: number; user: string; hostKeyFingerprint: string };
  stop(): Promise<void>;
}

/** OpenSSH client options for tests through hoop: the agent's host key is new on every run, nothing prompts, errors only. */
export const SSH_CLIENT_OPTIONS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes'];

/** `ssh` arguments to the local port of `hoop connect` for an ssh or command connection (any user name); sftp takes `-P`. */
export function sshToHoop(port: number, portFlag: '-p' | '-P' = '-p'): string[] {
  return [portFlag, String(port), ...SSH_CLIENT_OPTIONS, 'anyone@127.0.0.1'];
}

export const SSHD = '/usr/sbin/sshd';

/** A real OpenSSH server on a loopback port for tests (Debian: `apt-get install openssh-server`). */
export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install openssh-server`);
  const dir = await mkdtemp(path.join(tmpdir(), 'hoop-sshd-'));
  const user = userInfo().username;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'user_key')]);
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'user_key.pub')), { mode: 0o600 });
  const fp = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')])
    .toString()
    .split(' ')[1]!;
  // privilege separation needs this folder when sshd runs as root
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    'AcceptEnv LANG LC_* HOOP_*',
    'LogLevel ERROR',
  ].join('\n');
  await writeFile(path.join(dir, 'sshd_config'), `${config}\n`);
  const child = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  stopWithThisProcess(child);
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await waitFor(
    'sshd to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
      const net = await import('node:net');
      return new Promise<boolean | null>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(null));
      });
    },
    { timeoutMs: 15_000 },
  );
  return {
    port,
    user,
    privateKey: await readFile(path.join(dir, 'user_key'), 'utf8'),
    hostKeyFingerprint: fp,
    dir,
    target: { host: '127.0.0.1', port, user, hostKeyFingerprint: fp },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
