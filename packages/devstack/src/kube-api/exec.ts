import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { KubeStore } from './store';

/**
 * exec and attach over the WebSocket channel protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`, and the older
 * ones): each binary message is one channel byte and data — 0 stdin, 1 stdout, 2 stderr, 3 error (the final
 * `Status` as JSON from v4 on, text before), 4 resize (`{"Width":80,"Height":24}`), and in v5, 255 closing a
 * channel (`[255, 0]`: stdin is over). The containers run no programs: a few built-in commands stand for them
 * (see README), so a command a test sends is never executed on the machine.
 */

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export interface ExecRecord {
  kind: 'exec' | 'attach';
  namespace: string;
  pod: string;
  container: string | null;
  command: string[];
  tty: boolean;
  protocol: string;
  /** the effective user (the impersonated one when the caller impersonates) */
  user: string;
  /** what came on stdin, as text */
  stdin: string;
  resizes: { Width: number; Height: number }[];
  exitCode: number | null;
  /** over SPDY: the streams opened that the command does not read (a second stdin, an unknown type), refused */
  refusedStreams?: string[];
}

/** What a built-in command may do: write, read stdin, and end with an exit code. */
export interface ProcessIo {
  pod: string;
  write(channel: 1 | 2, text: string): void;
  /** each piece of stdin as it comes; null once stdin is closed */
  onStdin(fn: (data: string | null) => void): void;
  /** bytes as they are (a tar stream): not converted for a terminal; absent where the transport has no binary channel */
  writeBytes?(channel: 1 | 2, data: Buffer): void;
  /** stdin's bytes as they come; null once stdin is closed */
  onStdinBytes?(fn: (data: Buffer | null) => void): void;
  exit(code: number): void;
}

export type BuiltinCommand = (args: string[], io: ProcessIo) => void;

function runScript(script: string, io: ProcessIo, done: (code: number) => void): void {
  let code = 0;
  for (const raw of script.split(/;|&&|\n/)) {
    const stmt = raw.trim();
    if (!stmt) continue;
    const exit = /^exit(?:\s+(\d+))?$/.exec(stmt);
    if (exit) return done(Number(exit[1] ?? code));
    const echo = /^echo\s*(.*?)(\s*>&2)?$/.exec(stmt);
    if (echo) {
      io.write(echo[2] ? 2 : 1, `${echo[1]!.replace(/^(['"])(.*)\1$/, '$2')}\n`);
      code = 0;
    } else if (stmt === 'hostname') io.write(1, `${io.pod}\n`);
    else if (stmt === 'true') code = 0;
    else if (stmt === 'false') code = 1;
    else {
      io.write(2, `sh: ${stmt.split(/\s+/)[0]}: not found\n`);
      code = 127;
    }
  }
  done(code);
}

/** the kit's commands: echo, cat, hostname, true, false, env, and `sh -c` / `sh` of echo, hostname, true, false, exit */
export const BUILTIN_COMMANDS: Record<string, BuiltinCommand> = {
  echo: (args, io) => {
    io.write(1, `${args.join(' ')}\n`);
    io.exit(0);
  },
  cat: (_args, io) => io.onStdin((d) => (d === null ? io.exit(0) : io.write(1, d))),
  hostname: (_args, io) => {
    io.write(1, `${io.pod}\n`);
    io.exit(0);
  },
  true: (_a, io) => io.exit(0),
  false: (_a, io) => io.exit(1),
  env: (_a, io) => {
    io.write(1, `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=${io.pod}\n`);
    io.exit(0);
  },
  sh: (args, io) => {
    if (args[0] === '-c') return runScript(args[1] ?? '', io, (c) => io.exit(c));
    // interactive: a prompt, each line of stdin run as a script, until `exit` or the end of stdin
    let line = '';
    let over = false;
    io.write(1, '# ');
    io.onStdin((d) => {
      if (over) return;
      if (d === null) return io.exit(0);
      line += d.replace(/\r/g, '\n');
      let nl = line.indexOf('\n');
      while (nl >= 0 && !over) {
        const stmt = line.slice(0, nl);
        line = line.slice(nl + 1);
        runScript(stmt, io, (c) => {
          if (/^\s*exit\b/.test(stmt)) {
            over = true;
            io.exit(c);
          }
        });
        if (!over) io.write(1, '# ');
        nl = line.indexOf('\n');
      }
    });
  },
};
BUILTIN_COMMANDS.bash = BUILTIN_COMMANDS.sh!;

export function exitStatus(command: string[], code: number): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function notFoundStatus(command: string[]): Record<string, unknown> {
  const message = `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0] ?? ''}": executable file not found in $PATH: unknown`;
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** the program a command runs: one named by its path in the image's PATH (/bin/sh) is the same command */
export function programOf(command: string[]): string {
  return (command[0] ?? '').replace(/^\/(usr\/)?(local\/)?s?bin\/(?=[^/]+$)/, '');
}

/** attach to the container's main process: its log lines come out on stdout, stdin goes into its log; stops the follow */
export function attachToLog(store: KubeStore, rec: ExecRecord, io: ProcessIo): () => void {
  io.onStdin((d) => d !== null && store.appendLog(rec.namespace, rec.pod, d));
  return store.readLog(rec.namespace, rec.pod, (line) => (line === null ? io.exit(0) : io.write(1, line))).stop;
}

/** Serves one upgraded exec or attach request (already authenticated and authorised) over the channel protocol. */
export function serveChannels(
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  rec: ExecRecord,
  store: KubeStore,
  commands: Record<string, BuiltinCommand>,
  onClose: () => void,
): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    rec.protocol = ws.protocol;
    const v4 = ws.protocol === 'v4.channel.k8s.io' || ws.protocol === 'v5.channel.k8s.io';
    const stdinReaders: ((d: string | null) => void)[] = [];
    const byteReaders: ((d: Buffer | null) => void)[] = [];
    let stdinOver = false;
    let over = false;
    let stopAttach: (() => void) | null = null;
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    const io: ProcessIo = {
      pod: rec.pod,
      write: (channel, text) => !over && send(rec.tty ? 1 : channel, rec.tty ? text.replace(/(?<!\r)\n/g, '\r\n') : text),
      onStdin: (fn) => void stdinReaders.push(fn),
      writeBytes: (channel, data) => !over && send(channel, data),
      onStdinBytes: (fn) => void byteReaders.push(fn),
      exit(code) {
        if (over) return;
        over = true;
        rec.exitCode = code;
        stopAttach?.();
        send(3, v4 ? JSON.stringify(exitStatus(rec.command, code)) : code === 0 ? '' : `command terminated with exit code ${code}`);
        ws.close(1000);
      },
    };
    const closeStdin = () => {
      if (stdinOver) return;
      stdinOver = true;
      for (const r of stdinReaders) r(null);
      for (const r of byteReaders) r(null);
    };
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const body = data.subarray(1);
      if (channel === 0) {
        const text = body.toString('utf8');
        rec.stdin += text;
        if (!stdinOver) for (const r of stdinReaders) r(text);
        if (!stdinOver) for (const r of byteReaders) r(Buffer.from(body));
      } else if (channel === 4) {
        try {
          rec.resizes.push(JSON.parse(body.toString('utf8')));
        } catch {
          // a resize that is not JSON is ignored, as the kubelet does
        }
      } else if (channel === 255 && body[0] === 0) closeStdin();
    });
    ws.on('close', () => {
      closeStdin();
      stopAttach?.();
      over = true;
      onClose();
    });
    if (rec.kind === 'attach') {
      // a container started with a terminal running a command the kit knows (`stdin: true, tty: true`, `sh`): attach
      // talks to that program, a fresh one each time
      const spec = (store.get('pods', rec.namespace, rec.pod) as { spec?: { containers?: { command?: string[]; tty?: boolean }[] } }).spec;
      const main = spec?.containers?.find((c) => c.tty)?.command;
      const builtin = main && commands[main[0] ?? ''];
      if (rec.tty && main && builtin) return builtin(main.slice(1), io);
      stopAttach = attachToLog(store, rec, io);
      return;
    }
    const program = programOf(rec.command);
    const run = commands[program];
    if (!run) {
      over = true;
      send(3, JSON.stringify(notFoundStatus(rec.command)));
      ws.close(1000);
      return;
    }
    run(rec.command.slice(1), io);
  });
}

export function channelServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
}
