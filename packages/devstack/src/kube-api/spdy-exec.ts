import type { Duplex } from 'node:stream';
import { attachToLog, type BuiltinCommand, type ExecRecord, exitStatus, notFoundStatus, type ProcessIo, programOf } from './exec';
import { type KitStream, KitSpdyConn } from './spdy-conn';
import type { KubeStore } from './store';

/** The remote command protocols over SPDY, newest first (v5 is WebSocket's only). */
export const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** A boolean query flag as the kubelet reads it (`1` or `true`). */
const flag = (q: URLSearchParams, name: string) => ['1', 'true'].includes(q.get(name) ?? '');

/**
 * exec and attach over SPDY/3.1, as the kubelet serves them (after the 101 naming the protocol chosen): the client
 * opens one stream per channel, told apart by its `streamtype` header — error, and as the query asks stdin, stdout,
 * stderr (not with a tty) and resize (a tty, from v3) — and the command starts once all of them are open. stdout and
 * stderr are DATA on their streams; stdin ends with its stream's FIN; resizes are JSON objects one after another. At
 * the end the error stream carries the Status (JSON from v4, the message as text before), every stream is closed and
 * the connection ends with GOAWAY. A second stream of a type already open is refused with RST_STREAM.
 */
export function serveSpdyExec(
  socket: Duplex,
  head: Buffer,
  q: URLSearchParams,
  rec: ExecRecord,
  store: KubeStore,
  commands: Record<string, BuiltinCommand>,
  onClose: () => void,
): KitSpdyConn {
  const v4 = rec.protocol === 'v4.channel.k8s.io';
  const want = new Set(['error']);
  if (flag(q, 'stdin')) want.add('stdin');
  if (flag(q, 'stdout')) want.add('stdout');
  if (flag(q, 'stderr') && !rec.tty) want.add('stderr');
  if (rec.tty && rec.protocol !== 'channel.k8s.io' && rec.protocol !== 'v2.channel.k8s.io') want.add('resize');
  const streams = new Map<string, KitStream>();
  const stdinReaders: ((d: string | null) => void)[] = [];
  const byteReaders: ((d: Buffer | null) => void)[] = [];
  let started = false;
  let over = false;
  let stopAttach: (() => void) | null = null;
  let stdinOver = false;

  const closeStdin = () => {
    if (stdinOver) return;
    stdinOver = true;
    for (const r of stdinReaders) r(null);
    for (const r of byteReaders) r(null);
  };
  const base: ProcessIo = {
    pod: rec.pod,
    write: (channel, text) => {
      if (over) return;
      const s = streams.get(rec.tty || channel === 1 ? 'stdout' : 'stderr');
      s?.write(rec.tty ? text.replace(/(?<!\r)\n/g, '\r\n') : text);
    },
    onStdin: (fn) => void stdinReaders.push(fn),
    exit(code) {
      if (over) return;
      over = true;
      rec.exitCode = code;
      stopAttach?.();
      const error = streams.get('error')!;
      if (v4) error.write(JSON.stringify(exitStatus(rec.command, code)));
      else if (code !== 0) error.write(`command terminated with non-zero exit code: exit status ${code}`);
      for (const s of streams.values()) s.end();
      conn.close();
    },
  };
  // bytes as they are (a tar stream), for the commands that read and write them
  const io = Object.assign(base, {
    writeBytes: (channel: 1 | 2, data: Buffer) => {
      if (!over) streams.get(rec.tty || channel === 1 ? 'stdout' : 'stderr')?.write(data);
    },
    onStdinBytes: (fn: (d: Buffer | null) => void) => void byteReaders.push(fn),
  });

  const start = () => {
    started = true;
    if (rec.kind === 'attach') {
      stopAttach = attachToLog(store, rec, io);
      return;
    }
    const program = programOf(rec.command);
    const run = commands[program];
    if (!run) {
      over = true;
      const error = streams.get('error')!;
      error.write(v4 ? JSON.stringify(notFoundStatus(rec.command)) : `executable file not found in $PATH: ${program}`);
      for (const s of streams.values()) s.end();
      conn.close();
      return;
    }
    run(rec.command.slice(1), io);
  };

  const conn = KitSpdyConn.overSocket(
    socket,
    head,
    (s) => {
      if (!want.has(s.type) || streams.has(s.type) || started) {
        // a stream the command does not read, or a second one of a type: nothing it sends is read
        (rec.refusedStreams ??= []).push(s.type);
        s.end();
        return;
      }
      streams.set(s.type, s);
      if (s.type === 'stdin')
        s.onData((d) => {
          if (d === null) return closeStdin();
          const text = d.toString('utf8');
          rec.stdin += text;
          if (!stdinOver) for (const r of stdinReaders) r(text);
          if (!stdinOver) for (const r of byteReaders) r(d);
        });
      if (s.type === 'resize') {
        let pending = '';
        s.onData((d) => {
          if (d === null) return;
          pending += d.toString('utf8');
          for (const m of pending.match(/\{[^{}]*\}/g) ?? []) {
            try {
              rec.resizes.push(JSON.parse(m));
            } catch {
              // a resize that is not JSON is ignored, as the kubelet does
            }
          }
          pending = pending.slice(pending.lastIndexOf('}') + 1);
        });
      }
      if (streams.size === want.size) start();
    },
    () => {
      closeStdin();
      stopAttach?.();
      over = true;
      onClose();
    },
  );
  return conn;
}
