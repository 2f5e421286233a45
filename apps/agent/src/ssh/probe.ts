import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import type { AgentConnection, ProbeResult } from '@hoop/protocol';
import { resolveSecret } from '../env';
import { networkFailure, type ProbeRecorder, type ProbeRun, remaining } from '../session/probe-recorder';
import { commandConfigFrom, fingerprint, type SshTargetConfig, sshTargetFrom } from './backend';

/** ssh: TCP, the SSH handshake (host key checked against the pinned one) and the login; command: what would run. */
export function probeShell(conn: AgentConnection, secret: string | null, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  return conn.type === 'ssh' ? probeSsh(conn, secret, rec, o) : probeCommand(conn, rec, o);
}

type SshError = Error & { level?: string; code?: string };

async function probeSsh(conn: AgentConnection, secret: string | null, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  const cfg = sshTargetFrom(conn.config);
  if (typeof cfg === 'string') {
    rec.step('settings', 'Settings', 'fail', cfg);
    return rec.fail('settings', `connection "${conn.name}": ${cfg}`);
  }
  const where = `${cfg.host}:${cfg.port}`;
  const isKey = secret !== null && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(secret);
  const method = isKey ? 'private key' : secret !== null ? 'password' : 'no credential';
  const timeoutMs = remaining(o);
  let stage: 'connect' | 'handshake' | 'login' = 'connect';
  o.stage.name = () => stage;
  const t0 = Date.now();
  const marks = { connected: 0, handshake: 0 };
  let seenKey: string | null = null;
  let keyMismatch = false;
  let algorithms = '';
  const client = new Client();
  const server = () => (client as unknown as { _remoteVer?: string })._remoteVer;

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
      resolve(r);
    };
    const steps = () => {
      if (marks.connected) rec.step('connect', 'TCP', 'pass', `reached ${where}`, marks.connected - t0);
      if (marks.handshake) {
        rec.step('handshake', 'SSH handshake', 'pass', `${server() ?? 'SSH server'}; ${algorithms}`, marks.handshake - marks.connected);
        rec.step(
          'host_key',
          'Host key',
          cfg.hostKeyFingerprint ? 'pass' : 'warn',
          cfg.hostKeyFingerprint
            ? `${seenKey}, as pinned`
            : `${seenKey}, not pinned: any host key is accepted; set hostKeyFingerprint to it to refuse an impostor`,
          0,
        );
      }
    };
    client.on('connect', () => {
      marks.connected = Date.now();
      stage = 'handshake';
    });
    client.on('handshake', (n) => {
      marks.handshake = Date.now();
      stage = 'login';
      algorithms = `${n.kex}, ${n.serverHostKey}, ${n.cs.cipher}`;
    });
    client.on('ready', () => {
      steps();
      rec.step('login', 'Login', 'pass', `as ${cfg.user} with the ${method}`, Date.now() - (marks.handshake || t0));
      const version = server();
      finish(
        rec.finish(
          true,
          `${version ?? 'the SSH server'} at ${where} accepted ${cfg.user} (${method}) in ${Date.now() - t0} ms`,
          version ? { serverVersion: version } : {},
        ),
      );
    });
    client.on('error', (err: SshError) => finish(sshFailure(err, cfg, { stage, method, keyMismatch, seenKey, timeoutMs, steps, rec })));
    client.on('close', () => {
      steps();
      finish(rec.fail('target_error', `${where} closed the connection during the ${stage}`));
    });
    try {
      client.connect({
        host: cfg.host,
        port: cfg.port,
        username: cfg.user,
        ...(isKey ? { privateKey: secret } : secret !== null ? { password: secret } : {}),
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          seenKey = fingerprint(key);
          keyMismatch = Boolean(cfg.hostKeyFingerprint && cfg.hostKeyFingerprint !== seenKey);
          return !keyMismatch;
        },
      });
    } catch (err) {
      // a private key ssh2 cannot read fails before any connection
      rec.step('login', 'Credential', 'fail', `the private key cannot be used: ${(err as Error).message}`);
      finish(rec.fail('credential', `the private key of "${conn.name}" cannot be used: ${(err as Error).message}`));
    }
  });
}

function sshFailure(
  err: SshError,
  cfg: SshTargetConfig,
  s: { stage: string; method: string; keyMismatch: boolean; seenKey: string | null; timeoutMs: number; steps(): void; rec: ProbeRecorder },
): ProbeResult {
  const { rec } = s;
  const where = `${cfg.host}:${cfg.port}`;
  if (s.stage === 'connect') {
    const errno = err.code ?? /ENOTFOUND|EAI_AGAIN/.exec(err.message)?.[0];
    const known = networkFailure(cfg.host, cfg.port, err.level === 'client-timeout' ? 'ETIMEDOUT' : errno, s.timeoutMs);
    const detail = known?.detail ?? err.message;
    rec.step('connect', 'TCP', 'fail', detail);
    return rec.fail(known?.code ?? 'unreachable', detail);
  }
  if (s.keyMismatch) {
    s.steps();
    const detail =
      `the server at ${where} shows host key ${s.seenKey}, not the pinned ${cfg.hostKeyFingerprint}: ` +
      `it was replaced, or something is in between; check before pinning the new key`;
    rec.step('host_key', 'Host key', 'fail', detail, 0);
    return rec.fail('host_key', detail);
  }
  s.steps();
  if (err.level === 'client-timeout') {
    rec.step(s.stage, s.stage === 'login' ? 'Login' : 'SSH handshake', 'fail', `no answer within ${s.timeoutMs / 1000} s`);
    return rec.fail('timeout', `${where} accepted the connection but did not finish the SSH ${s.stage} within ${s.timeoutMs / 1000} s`);
  }
  if (err.level === 'client-authentication') {
    const detail = `${cfg.user}@${cfg.host} refused the ${s.method}${s.method === 'no credential' ? ' (the connection has no secret)' : ''}: ${err.message}`;
    rec.step('login', 'Login', 'fail', detail);
    return rec.fail('auth', detail);
  }
  rec.step(s.stage, s.stage === 'login' ? 'Login' : 'SSH handshake', 'fail', err.message);
  return rec.fail('target_error', `SSH with ${where} failed during the ${s.stage}: ${err.message}`);
}

/** command: the secret (if any) is only handed to the program as HOOP_SECRET, so there is nothing to log into */
async function probeCommand(conn: AgentConnection, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  const cfg = commandConfigFrom(conn.config);
  if (typeof cfg === 'string') {
    rec.step('settings', 'Settings', 'fail', cfg);
    return rec.fail('settings', `connection "${conn.name}": ${cfg}`);
  }
  // the environment a session gets: references resolved on the agent, as when a session starts
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.env)) {
    if (!/^(env|file):/.test(v)) {
      env[k] = v;
      continue;
    }
    const r = await resolveSecret(v, null);
    if (!r.ok) {
      rec.step('env', 'Environment', 'fail', `${k}: ${r.error}`);
      return rec.fail('credential', `connection "${conn.name}": ${k}: ${r.error}`);
    }
    rec.hide(r.value);
    env[k] = r.value ?? '';
  }
  const refs = Object.entries(cfg.env)
    .filter(([, v]) => /^(env|file):/.test(v))
    .map(([k]) => k);
  if (refs.length) rec.step('env', 'Environment', 'pass', `${refs.join(', ')} resolved on the agent`);
  const searchPath = env.PATH ?? o.baseEnv.PATH;
  if (cfg.cwd) {
    const problem = await folderProblem(cfg.cwd);
    if (problem) {
      rec.step('cwd', 'Working folder', 'fail', problem);
      return rec.fail('not_found', problem);
    }
    rec.step('cwd', 'Working folder', 'pass', cfg.cwd);
  }
  const programs = [...new Set([cfg.shell[0], cfg.exec[0]].filter((p): p is string => Boolean(p)))];
  const found: string[] = [];
  for (const program of programs) {
    const r = await findProgram(program, searchPath, cfg.cwd);
    if ('problem' in r) {
      rec.step('executable', `Program ${program}`, 'fail', r.problem);
      return rec.fail(r.code, r.problem);
    }
    rec.step('executable', `Program ${program}`, 'pass', `${r.path}, executable by the agent`);
    found.push(r.path);
  }
  // interactive sessions get their terminal from util-linux `script` (see backend.ts)
  const script = await findProgram('script', o.baseEnv.PATH, undefined);
  rec.step(
    'terminal',
    'Terminal',
    'path' in script ? 'pass' : 'warn',
    'path' in script
      ? `interactive sessions get a terminal from ${script.path}`
      : 'util-linux `script` is not installed on the agent host: commands run, but interactive sessions get no terminal',
    0,
  );
  return rec.finish(true, `${found.join(' and ')} can run on the agent host ${hostname()}${cfg.cwd ? ` in ${cfg.cwd}` : ''}`);
}

async function folderProblem(dir: string): Promise<string | null> {
  try {
    if (!(await stat(dir)).isDirectory()) return `${dir} is not a folder`;
    await access(dir, constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `the working folder ${dir} does not exist on the agent host` : `the agent cannot enter ${dir} (${code})`;
  }
}

/** Where a program would be found, as `spawn` looks for it: a path as given (from the working folder), else along PATH. */
async function findProgram(
  program: string,
  searchPath: string,
  cwd: string | undefined,
): Promise<{ path: string } | { problem: string; code: 'not_found' | 'not_executable' }> {
  const candidates = program.includes('/') ? [path.resolve(cwd ?? process.cwd(), program)] : searchPath.split(':').map((d) => path.join(d || '.', program));
  let notExecutable: string | null = null;
  for (const file of candidates) {
    try {
      if (!(await stat(file)).isFile()) continue;
    } catch {
      continue;
    }
    try {
      await access(file, constants.X_OK);
      return { path: file };
    } catch {
      notExecutable ??= file;
    }
  }
  if (notExecutable) return { problem: `${notExecutable} exists but the agent may not run it (not executable)`, code: 'not_executable' };
  return program.includes('/')
    ? { problem: `${candidates[0]} does not exist on the agent host`, code: 'not_found' }
    : { problem: `${program} is not found on the agent host (PATH=${searchPath})`, code: 'not_found' };
}
