import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WAITING_PREFIX } from '@hoop/protocol';
import type { Logger } from '@hoop/log';
import ssh2, { type Connection, type ServerChannel, type Session } from 'ssh2';
import type { MemoryBudget } from '../session/memory-budget';
import type { ReviewUpdate, Verdict } from '../session/hooks';
import type { Backend, BackendChannel, Pty } from './backend';
import { CommandLineTracker } from '../session/terminal/command-line';
import { ConnectionLimits } from './connection-limits';
import { type Gate, type GateContext, judgeAll, judgeLines, lineGate, refusal, reviewRefusal } from '../session/terminal/gates';
import { OutputPipe } from './recording';
import { ptyGate } from '../session/terminal/terminal-gate';
import { relaySftp } from './sftp-relay';

/** Exit status of a command hoop refused (the message says why on stderr). */
export const EXIT_REFUSED = 126;

export interface SshFrontOptions {
  sessionId: string;
  connection: string;
  hostKey: string;
  /** opens the target side once, on the first channel */
  backend: () => Promise<Backend>;
  judge(command: string): Verdict;
  /** whether the connection's policy lets clients forward ports through the target */
  allowForwarding(): boolean;
  requestReview?(request: { sql: string; verdict: Verdict }, onUpdate: (u: ReviewUpdate) => void): () => void;
  maskText(text: string): string;
  maskAudit(text: string): string;
  takeMaskCounts(): Record<string, number>;
  /** what all sessions of the agent may hold of client input not passed on yet */
  budget?: MemoryBudget;
  audit(type: string, data: Record<string, unknown>): void;
  log: Logger;
}

/** The agent's SSH host key: generated once and kept in the data folder, so clients can pin it. */
export function loadHostKey(dataDir: string | undefined): string {
  const file = dataDir ? path.join(dataDir, 'ssh_host_ed25519_key') : null;
  if (file && existsSync(file)) return readFileSync(file, 'utf8');
  const { private: key } = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'hoop-agent' });
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, key, { mode: 0o600 });
  }
  return key;
}

/**
 * SSH for clients of an `ssh` or `command` connection, served by the agent over a tunnel stream. The person was
 * authenticated by the gateway, so any user name is accepted without a key or password; the agent logs into the
 * target with its own credential. Exec commands and each line typed at an interactive prompt are judged before they
 * run; output is masked and recorded; SFTP passes through and is recorded as file events; port forwarding is refused.
 */
export function serveSsh(stream: Duplex, o: SshFrontOptions): void {
  const started = Date.now();
  let backend: Promise<Backend> | null = null;
  const getBackend = () => (backend ??= o.backend());
  let commands = 0;
  let closed = false;
  const channels = new Set<{ close(): void }>();
  const limits = new ConnectionLimits(o);

  const server = new ssh2.Server({ hostKeys: [o.hostKey], ident: 'hoop' }, (client: Connection) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (accept, reject) => {
        if (!limits.openChannel('session')) return reject();
        const session = accept();
        session.once('close', () => limits.closeChannel());
        handleSession(session);
      });
      client.on('tcpip', (accept, reject, info) => {
        const to = `${info.destIP}:${info.destPort}`;
        if (!limits.openChannel('direct-tcpip')) return reject();
        const rejectChannel = () => {
          limits.closeChannel();
          reject();
        };
        if (!o.allowForwarding()) {
          o.audit('forward.refused', { kind: 'direct-tcpip', to });
          return rejectChannel();
        }
        void getBackend()
          .then((b) => b.forward({ ip: info.srcIP || '127.0.0.1', port: info.srcPort || 0 }, { host: info.destIP, port: info.destPort }))
          .then(
            (target) => {
              if (!target) {
                o.audit('forward.refused', { kind: 'direct-tcpip', to, reason: 'this connection cannot forward' });
                return rejectChannel();
              }
              const ch = accept();
              ch.once('close', () => limits.closeChannel());
              o.audit('forward', { kind: 'direct-tcpip', to });
              channels.add({ close: () => target.destroy() });
              ch.pipe(target).pipe(ch);
              target.on('error', () => ch.destroy());
              ch.on('error', () => target.destroy());
            },
            (err: Error) => {
              o.audit('forward.refused', { kind: 'direct-tcpip', to, reason: o.maskAudit(err.message) });
              rejectChannel();
            },
          );
      });
      client.on('request', (_accept, reject, name, info) => {
        o.audit('forward.refused', { kind: name, ...(info && 'bindAddr' in info ? { bind: `${info.bindAddr}:${info.bindPort}` } : {}) });
        reject?.();
      });
    });
    client.on('error', (err) => o.log.debug('ssh client error', { session: o.sessionId, error: err.message }));
    client.on('close', () => finish('client disconnected'));
  });
  server.injectSocket(stream as never);

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    limits.release();
    for (const c of channels) c.close();
    void backend?.then(
      (b) => b.close(),
      () => undefined,
    );
    if (!stream.destroyed) stream.destroy();
    o.audit('session.close', { reason, commands, durationMs: Date.now() - started, masked: o.takeMaskCounts() });
  };
  stream.on('close', () => finish('client disconnected'));
  stream.on('error', () => finish('client stream failed'));

  /** A channel's gate holds `bytes` of the client's input now; past what the session may hold, the session ends and nothing it held runs. */
  const holdInput = (ch: ServerChannel, bytes: number): boolean => {
    if (closed) return false;
    const refusal = limits.hold(ch, bytes);
    if (refusal === null) return true;
    if (!ch.destroyed) {
      ch.stderr.write(`\r\nhoop: session ended: ${refusal}\r\n`);
      ch.exit(EXIT_REFUSED);
      ch.end();
    }
    finish(refusal);
    return false;
  };

  /** Asks for a review and resolves with the final answer; `onPending` hears the link first. */
  const review = (text: string, verdict: Verdict, onPending: (u: ReviewUpdate) => void, register: (cancel: () => void) => void) =>
    new Promise<ReviewUpdate>((resolve) => {
      if (!o.requestReview) return resolve({ status: 'unavailable' });
      const cancel = o.requestReview({ sql: text, verdict }, (u) => {
        if (u.status === 'pending') {
          o.audit('review.requested', { reviewId: u.reviewId ?? null, url: u.url ?? null, ruleId: verdict.ruleId ?? null });
          onPending(u);
        } else {
          o.audit('review.decided', { reviewId: u.reviewId ?? null, status: u.status, decidedBy: u.decidedBy ?? null, message: u.message ?? null });
          resolve(u);
        }
      });
      register(cancel);
    });

  const recordCommand = (text: string, verdict: Verdict, extra: Record<string, unknown> = {}) => {
    commands++;
    o.audit('command', {
      command: o.maskAudit(text.slice(0, 4000)),
      decision: verdict.action,
      ruleId: verdict.ruleId ?? null,
      reason: verdict.action === 'allow' ? null : (verdict.message ?? null),
      statements: verdict.statements ?? null,
      ...extra,
    });
  };

  const gateContext: Omit<GateContext, 'hold'> = {
    judge: o.judge,
    judgeLines: (screen, typed) => judgeLines(o.judge, screen, typed),
    judgeAll: (texts) => judgeAll(o.judge, texts),
    review: (text, verdict, onPending) => review(text, verdict, onPending, (cancel) => channels.add({ close: cancel })),
    record: recordCommand,
    log: o.log,
  };

  function handleSession(session: Session): void {
    let pty: Pty | null = null;
    const env: Record<string, string> = {};
    let active: BackendChannel | null = null;
    let tracker: CommandLineTracker | null = null;

    session.on('pty', (accept, _reject, info) => {
      pty = { term: info.term || 'xterm', cols: info.cols || 80, rows: info.rows || 24, width: info.width || 0, height: info.height || 0 };
      accept?.();
    });
    session.on('env', (accept, _reject, info) => {
      if (Object.keys(env).length < 64 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(info.key)) env[info.key] = String(info.val).slice(0, 4096);
      accept?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      if (pty) pty = { ...pty, cols: info.cols, rows: info.rows, width: info.width, height: info.height };
      active?.setWindow(info.rows, info.cols, info.height, info.width);
      tracker?.resize(info.cols, info.rows);
      o.audit('term.resize', { t: (Date.now() - started) / 1000, cols: info.cols, rows: info.rows });
      accept?.();
    });
    session.on('signal', (accept, _reject, info) => {
      active?.signal(info.name);
      accept?.();
    });
    session.on('shell', (accept) => {
      const ch = accept();
      void runShell(ch).catch((err: Error) => failChannel(ch, err));
    });
    session.on('exec', (accept, _reject, info) => {
      const ch = accept();
      void runExec(ch, info.command).catch((err: Error) => failChannel(ch, err));
    });
    session.on('subsystem', (accept, reject, info) => {
      if (info.name !== 'sftp') {
        o.audit('subsystem.refused', { name: info.name });
        return reject?.();
      }
      const ch = accept();
      void runSftp(ch).catch((err: Error) => failChannel(ch, err));
    });

    const failChannel = (ch: ServerChannel, err: Error) => {
      o.log.warn('ssh channel failed', { session: o.sessionId, error: err.message });
      o.audit('error', { stage: 'target', message: o.maskAudit(err.message) });
      if (!ch.destroyed) {
        ch.stderr.write(`hoop: ${err.message}\r\n`);
        ch.exit(255);
        ch.end();
      }
    };

    /** wires a target channel to the client's, masking and recording the output */
    const connect = (ch: ServerChannel, target: BackendChannel, withTracker: boolean) => {
      active = target;
      const out = new OutputPipe({
        started,
        mask: (t) => o.maskText(t),
        deliver: (t) => ch.write(t),
        record: (e) => o.audit('term.output', e),
        ...(withTracker ? { raw: (t: string) => tracker?.output(t) } : {}),
      });
      const err = new OutputPipe({
        started,
        mask: (t) => o.maskText(t),
        deliver: (t) => ch.stderr.write(t),
        record: (e) => o.audit('term.output', { ...e, stream: 'stderr' }),
      });
      // a session that ends (the client or its link went away) records what it showed before its close
      channels.add({
        close: () => {
          out.flush();
          err.flush();
          target.destroy();
        },
      });
      target.on('data', (b: Buffer) => out.push(b));
      target.stderr.on('data', (b: Buffer) => err.push(b));
      let exit: unknown[] | null = null;
      target.on('exit', (...args: unknown[]) => (exit = args));
      const done = () => {
        out.flush();
        err.flush();
        if (exit) {
          const [code, signal, core, desc] = exit as [number | null, string | undefined, boolean | undefined, string | undefined];
          if (code !== null && code !== undefined) ch.exit(code);
          else if (signal) ch.exit(signal, Boolean(core), desc ?? '');
          o.audit('exit', { code: code ?? null, signal: signal ?? null });
        }
        ch.end();
      };
      target.on('close', () => {
        if (exit) return done();
        // a local process may close its pipes a moment before it reports its exit status
        const timer = setTimeout(done, 2000);
        target.once('exit', () => {
          clearTimeout(timer);
          done();
        });
      });
      target.on('error', (e: Error) => o.log.debug('target channel error', { error: e.message }));
      return out;
    };

    async function runExec(ch: ServerChannel, command: string): Promise<void> {
      const first = judgeAll(o.judge, [command]);
      let verdict = first.verdict;
      if (verdict.action === 'review') {
        const u = await review(
          command,
          verdict,
          (p) => ch.stderr.write(`hoop: ${WAITING_PREFIX}: ${p.url ?? p.reviewId}\n`),
          (cancel) => channels.add({ close: cancel }),
        );
        if (u.status !== 'approved') {
          recordCommand(command, verdict, { executed: false, reviewStatus: u.status });
          ch.stderr.write(`hoop: ${reviewRefusal(u)}\n`);
          ch.exit(EXIT_REFUSED);
          ch.end();
          return;
        }
        verdict = { ...verdict, action: 'allow', ...(u.reviewId ? { reviewId: u.reviewId } : {}) };
      }
      if (verdict.action === 'deny') {
        recordCommand(command, verdict, { executed: false });
        ch.stderr.write(`hoop: ${refusal(verdict)}\n`);
        ch.exit(EXIT_REFUSED);
        ch.end();
        return;
      }
      recordCommand(command, first.verdict, { executed: true, ...(verdict.reviewId ? { reviewId: verdict.reviewId } : {}) });
      const target = await (await getBackend()).exec(command, { pty, env });
      // with a terminal, the command may be a shell or any program that runs one (`ssh -t host bash`, `sudo -i`)
      if (pty) return interactive(ch, target, pty);
      connect(ch, target, false);
      ch.pipe(target);
    }

    async function runShell(ch: ServerChannel): Promise<void> {
      const target = await (await getBackend()).shell({ pty, env });
      if (pty) return interactive(ch, target, pty);
      const gate = lineGate({ ...gateContext, hold: (bytes) => holdInput(ch, bytes) }, target, connect(ch, target, false));
      feed(ch, gate);
    }

    /** a terminal: every line typed is judged before its Enter reaches the target, whatever the screen shows */
    function interactive(ch: ServerChannel, target: BackendChannel, p: Pty): void {
      const t = new CommandLineTracker(p.cols, p.rows);
      tracker = t;
      channels.add({ close: () => t.dispose() });
      o.audit('term.start', { cols: p.cols, rows: p.rows, term: p.term });
      feed(ch, ptyGate({ ...gateContext, hold: (bytes) => holdInput(ch, bytes) }, target, connect(ch, target, true), t));
    }

    function feed(ch: ServerChannel, gate: Gate): void {
      const decoder = new TextDecoder('utf-8', { fatal: false });
      ch.on('data', (b: Buffer) => gate.push(decoder.decode(b, { stream: true })));
      // end of input reaches the target after every line before it was judged
      ch.on('end', () => {
        const last = decoder.decode();
        if (last) gate.push(last);
        gate.end();
      });
    }

    async function runSftp(ch: ServerChannel): Promise<void> {
      const b = await getBackend();
      const target = await b.sftp();
      if (!target) {
        ch.stderr.write('hoop: this connection has no file transfer\n');
        ch.exit(EXIT_REFUSED);
        ch.end();
        return;
      }
      o.audit('sftp.start', {});
      channels.add({ close: () => target.destroy() });
      let status: number | null = null;
      let over = false;
      const end = (code: number) => {
        if (over) return;
        over = true;
        ch.exit(code);
        ch.end();
      };
      target.on('exit', (code: number | null) => (status = code));
      // every change is recorded before it is forwarded; what hoop cannot follow ends the channel, on record
      relaySftp(ch, target, {
        record: (e) =>
          o.audit('file', {
            op: e.op,
            path: o.maskAudit(e.path),
            ...(e.to !== undefined ? { to: o.maskAudit(e.to) } : {}),
            ...(e.handle ? { handle: e.handle } : {}),
            ...(e.attrs ? { attrs: e.attrs } : {}),
          }),
        refused: (r) =>
          o.audit('sftp.refused', { request: o.maskAudit(r.request), id: r.id, reason: 'extended request hoop does not know; answered unsupported' }),
        fail: (reason) => {
          o.audit('sftp.refused', { reason: o.maskAudit(reason), closed: true });
          if (!ch.destroyed) ch.stderr.write(`hoop: SFTP session ended: ${reason}\n`);
          end(EXIT_REFUSED);
          target.destroy();
        },
      });
      target.on('close', () => end(status ?? 0));
    }
  }
}
