import { createHash, randomBytes } from 'node:crypto';
import { encodeWsFrame, type WsFrame, type WsMessage, WsMessageReader, WsOpcode } from '@hoop/httpwire';
import type { ShellDecision } from '@hoop/pipeline';
import { OutputPipe } from '../../session/output-pipe';
import { StdinGate } from './stdin-gate';
import { type FileRecord, TarDownload, type TarMode, TarUpload } from './tar-tap';
import { type TerminalJudging, TerminalStdin } from './terminal';
import { TextOutput } from './text-output';

/** the largest channel message read whole (a message split in fragments is joined before it is masked) */
export const MAX_CHANNEL_MESSAGE = 1024 * 1024;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface TapOptions {
  /** when the exec began: terminal frames carry seconds from it */
  started: number;
  exchange: number;
  /**
   * the command is tar writing an archive to stdout (a `kubectl cp` download: masked file by file, tar-tap.ts) or
   * reading one from stdin (an upload: passed on, each file recorded); either is counted, not recorded as text
   */
  tar: TarMode;
  /** masking is on in the connection's policy (a download's files are masked, or withheld when they cannot be) */
  masking: boolean;
  /**
   * the exec has a terminal (`tty`): its output is a screen's text. Without one stdout and stderr are byte streams:
   * masked while they are UTF-8 text; from a NUL or bytes that are not UTF-8 on, withheld (masking on) or passed on
   * byte for byte (masking off), never decoded into something else
   */
  tty?: boolean;
  maskText(text: string): string;
  maskAudit(text: string): string;
  audit(type: string, data: Record<string, unknown>): void;
  /** bytes on their way to the client; false: wait for the session's drain */
  toClient(bytes: Buffer): boolean;
  /** bytes on their way to the API server */
  toServer(bytes: Buffer): void;
  /** stdin is a shell's script: each line judged before it is sent on (stdin-gate.ts); each judged line recorded */
  stdinGate?: { judge(text: string): ShellDecision; record(text: string, d: ShellDecision): void };
  /** stdin is typed at a terminal: each line judged at its Enter (terminal.ts) */
  terminal?: TerminalJudging;
  /** the tap could not read what it must mask: the connection is closed */
  broken(message: string): void;
}

/**
 * The Kubernetes WebSocket channel protocol read on both sides of an upgraded exec or attach. From the API server:
 * stdout and stderr messages are masked (a line at a time, as SSH output is) and sent on as new frames, recorded as
 * terminal frames (`term.output`, stderr marked); the error channel's Status is kept for the exit code; other
 * messages and control frames go on as they came, after the text before them. From the client: bytes go on
 * unchanged; stdin is recorded (`term.input`, masked for the trail) and resizes as `term.resize`.
 */
export class ChannelTap {
  private readonly fromServer = new WsMessageReader(MAX_CHANNEL_MESSAGE);
  private readonly fromClient = new WsMessageReader(MAX_CHANNEL_MESSAGE);
  private readonly out: OutputPipe;
  private readonly err: OutputPipe;
  private readonly input: OutputPipe;
  private readonly binary = createHash('sha256');
  private binaryBytes = 0;
  private binaryIn = 0;
  private readonly download: TarDownload | null = null;
  /** without a terminal: stdout's and stderr's text, until one turns out binary */
  private readonly text: Record<1 | 2, TextOutput> | null;
  private readonly upload: TarUpload | null = null;
  /** a download stopped at a file hoop cannot mask: nothing more from the API server goes on */
  private withheld = false;
  private blocked = false;
  private readonly gate: StdinGate | null;
  private readonly terminal: TerminalStdin | null;
  /** the client's message closing stdin, sent once the terminal's last lines were judged */
  private stdinClose: Buffer[] = [];
  private readonly stdinText = new TextDecoder('utf-8', { fatal: false });
  /** the final Status of the error channel, once it came */
  status: Record<string, unknown> | null = null;
  broke = false;

  constructor(private readonly o: TapOptions) {
    const pipe = (channel: 1 | 2) =>
      new OutputPipe({
        started: o.started,
        mask: (t) => o.maskText(t),
        deliver: (t) => this.send(encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([channel]), Buffer.from(t)]))),
        record: (e) => o.audit('term.output', { ...e, exchange: o.exchange, ...(channel === 2 ? { stream: 'stderr' } : {}) }),
        ...(o.terminal ? { raw: (t: string) => this.terminal?.output(t) } : {}),
      });
    this.out = pipe(Channel.stdout);
    this.err = pipe(Channel.stderr);
    const g = o.stdinGate;
    this.gate = g
      ? new StdinGate({
          judge: (t) => g.judge(t),
          forward: (t) => {
            g.record(t, { action: 'allow', commands: [] });
            o.toServer(stdinMessage(Buffer.from(t)));
          },
          refuse: (t, d) => {
            g.record(t, d);
            const why = `hoop: blocked by hoop guardrail "${d.ruleId ?? 'policy'}": ${d.reason ?? 'not allowed by policy'}${d.action === 'review' ? ' (a line of a script cannot wait for review: run it with kubectl exec … -- sh -c)' : ''}\n`;
            this.send(encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([Channel.stderr]), Buffer.from(why)])));
          },
        })
      : null;
    this.terminal = o.terminal
      ? new TerminalStdin(
          {
            ...o.terminal,
            exchange: o.exchange,
            stdin: (t) => o.toServer(stdinMessage(Buffer.from(t))),
            stdinEnd: () => {
              for (const raw of this.stdinClose.splice(0)) o.toServer(raw);
            },
            overflow: (message) => this.fail(message),
          },
          this.out,
        )
      : null;
    const file = (f: FileRecord) => o.audit('file', { ...f, path: o.maskAudit(f.path), exchange: o.exchange });
    if (o.tar === 'create')
      this.download = new TarDownload({
        masking: o.masking,
        maskText: (t) => o.maskText(t),
        out: (bytes) => this.passBytes(Channel.stdout, bytes),
        record: file,
        withhold: (reason) => this.withhold(reason),
      });
    if (o.tar === 'extract') this.upload = new TarUpload(file);
    this.text = o.tty ? null : { 1: new TextOutput(), 2: new TextOutput() };
    this.input = new OutputPipe({
      started: o.started,
      mask: (t) => o.maskAudit(t),
      deliver: () => undefined,
      record: (e) => o.audit('term.input', { ...e, exchange: o.exchange }),
    });
  }

  /** the exit code the Status names (0 for Success), or null when none came */
  get exitCode(): number | null {
    const s = this.status;
    if (!s) return null;
    if (s.status === 'Success') return 0;
    const causes = (s.details as { causes?: { reason?: string; message?: string }[] } | undefined)?.causes ?? [];
    const code = causes.find((c) => c.reason === 'ExitCode')?.message;
    return code !== undefined && /^\d+$/.test(code) ? Number(code) : null;
  }

  get sizes(): Record<string, number> {
    return { stdout: this.out.bytes + this.binaryBytes, stderr: this.err.bytes, stdin: this.input.bytes + this.binaryIn };
  }

  /** what the API server sent; whatever goes on to the client is sent through `toClient` */
  server(chunk: Buffer): boolean {
    if (this.broke) return true;
    try {
      this.fromServer.push(chunk, (m, frames) => this.serverMessage(m, frames));
    } catch (err) {
      this.fail(`hoop cannot read the API server's channel messages: ${(err as Error).message}`);
    }
    return !this.blocked;
  }

  /** what the client sent: it goes on unchanged, but for a gated stdin, whose lines go on once judged */
  client(chunk: Buffer): void {
    if (this.broke) return;
    const gated = this.gate !== null || this.terminal !== null;
    if (!gated) this.o.toServer(chunk);
    try {
      this.fromClient.push(chunk, (m, frames) => {
        this.clientMessage(m);
        if (!gated) return;
        const stdin = m.opcode === WsOpcode.binary && m.data[0] === Channel.stdin;
        if (stdin && this.gate) return this.gate.push(this.stdinText.decode(m.data.subarray(1), { stream: true }));
        if (stdin) return this.terminal!.push(this.stdinText.decode(m.data.subarray(1), { stream: true }));
        // the close signal of stdin comes after the last lines are judged and sent
        if (m.opcode === WsOpcode.binary && m.data[0] === Channel.close && m.data[1] === Channel.stdin) {
          if (this.gate) this.gate.end();
          else {
            this.stdinClose.push(...frames.map((f) => f.raw));
            return this.terminal!.closeStdin();
          }
        }
        for (const f of frames) this.o.toServer(f.raw);
      });
    } catch (err) {
      this.fail(`hoop cannot read the client's channel messages: ${(err as Error).message}`);
    }
  }

  /** the session's stream can take more */
  drained(): void {
    this.blocked = false;
  }

  /** the connection is over: what is still held is masked, sent and recorded */
  end(): void {
    this.out.flush();
    this.err.flush();
    this.input.flush();
    this.terminal?.end();
  }

  /** the binary stdout's record (kubectl cp), when there was one */
  binaryRecord(): { bytes: number; sha256: string } | null {
    return this.download || this.binaryBytes ? { bytes: this.binaryBytes, sha256: this.binary.digest('hex') } : null;
  }

  private send(bytes: Buffer): void {
    if (!this.o.toClient(bytes)) this.blocked = true;
  }

  private passOn(frames: WsFrame[]): void {
    this.out.flush();
    this.err.flush();
    for (const f of frames) this.send(f.raw);
  }

  private serverMessage(m: WsMessage, frames: WsFrame[]): void {
    if (this.withheld) return;
    if (m.opcode !== WsOpcode.binary) {
      if (m.opcode === WsOpcode.text) throw new Error('a text message (a base64 channel protocol), which hoop does not read');
      return this.passOn(frames);
    }
    const channel = m.data[0];
    const body = m.data.subarray(1);
    if ((channel === Channel.stdout || channel === Channel.stderr) && body.length > 0) {
      if (channel === Channel.stdout && this.download) return this.download.push(body);
      if (channel === Channel.stdout && this.o.tar === 'resume') return this.resumed(body);
      return this.output(channel, body);
    }
    if (channel === Channel.error && body.length > 0) {
      for (const c of [Channel.stdout, Channel.stderr] as const) {
        const left = this.text?.[c].end();
        if (left) this.binaryOutput(c, left);
      }
      if (this.o.tar === 'resume' && this.o.masking) this.resumed(Buffer.alloc(0));
      // stdout is over: a download cut short ends here, without the server's word on it
      this.download?.end();
      if (this.withheld) return;
      try {
        const s = JSON.parse(body.toString('utf8'));
        if (s && typeof s === 'object') this.status = s as Record<string, unknown>;
      } catch {
        // before v4 the error channel carries text: the message is recorded as it is
        this.status = { status: 'Failure', message: this.o.maskAudit(body.toString('utf8').slice(0, 2000)) };
      }
    }
    this.passOn(frames);
  }

  /** stdout or stderr: masked as text; a terminal's always, a byte stream's while it is text */
  private output(channel: 1 | 2, body: Buffer): void {
    const pipe = channel === Channel.stdout ? this.out : this.err;
    if (!this.text) return pipe.push(body);
    const r = this.text[channel].push(body);
    if ('text' in r) return r.text.length ? pipe.push(r.text) : undefined;
    this.binaryOutput(channel, r.binary);
  }

  private binaryOutput(channel: 1 | 2, bytes: Buffer): void {
    const name = channel === Channel.stdout ? 'stdout' : 'stderr';
    if (this.o.masking) {
      this.o.audit('output.withheld', { exchange: this.o.exchange, stream: name, reason: 'binary' });
      return this.withhold(
        `the command's ${name} is binary (a NUL or bytes that are not UTF-8 text), which hoop cannot mask; what came before it was sent. ` +
          'Copy files with kubectl cp (text files are masked), or ask for a policy without masking',
      );
    }
    (channel === Channel.stdout ? this.out : this.err).flush();
    this.passBytes(channel, bytes);
  }

  /** bytes as they are (masking off, or a download's archive), counted and hashed for the record */
  private passBytes(channel: 1 | 2, bytes: Buffer): void {
    this.binaryBytes += bytes.length;
    this.binary.update(bytes);
    this.send(encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([channel]), bytes])));
  }

  /** `kubectl cp --retries` resuming a download: a tail of the unmasked archive, which only goes on unmasked */
  private resumed(body: Buffer): void {
    if (!this.o.masking) return this.passBytes(Channel.stdout, body);
    const reason =
      'a kubectl cp download resumed part way (--retries: tar … | tail -c+N) cannot be masked — kubectl counts the masked bytes, ' +
      'tail cuts the archive before masking; run kubectl cp again, or without --retries';
    this.o.audit('file', { op: 'download', path: '(archive)', size: 0, withheld: reason, exchange: this.o.exchange });
    this.withhold(reason);
  }

  private clientMessage(m: WsMessage): void {
    if (m.opcode !== WsOpcode.binary || m.data.length === 0) return;
    const channel = m.data[0];
    const body = m.data.subarray(1);
    if (channel === Channel.stdin) {
      // a byte stream in (kubectl cp's tar) is counted, not recorded as text
      if (this.o.tar) this.binaryIn += body.length;
      else this.input.push(body);
      this.upload?.push(body);
    } else if (channel === Channel.resize) {
      try {
        const size = JSON.parse(body.toString('utf8')) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === 'number' && typeof size.Height === 'number') {
          this.terminal?.resize(size.Width, size.Height);
          this.o.audit('term.resize', { t: (Date.now() - this.o.started) / 1000, cols: size.Width, rows: size.Height, exchange: this.o.exchange });
        }
      } catch {
        // a resize that is not JSON changes nothing at the API server either
      }
    }
  }

  /**
   * A download reached what hoop cannot mask: the client is told on stderr and gets a failure Status in place of the
   * server's, then the end of the channels; the API server is asked to close, and what it still sends is dropped.
   */
  private withhold(reason: string): void {
    this.withheld = true;
    const status = { metadata: {}, status: 'Failure', message: `hoop: ${reason}`, reason: 'Forbidden', code: 403 };
    this.out.flush();
    this.err.flush();
    this.send(encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([Channel.stderr]), Buffer.from(`hoop: ${reason}\n`)])));
    this.send(encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([Channel.error]), Buffer.from(JSON.stringify(status))])));
    this.send(encodeWsFrame(WsOpcode.close, Buffer.from([0x03, 0xe8])));
    this.status = status;
    this.o.toServer(encodeWsFrame(WsOpcode.close, Buffer.from([0x03, 0xe8]), { mask: randomBytes(4) }));
  }

  private fail(message: string): void {
    this.broke = true;
    this.end();
    this.o.broken(message);
  }
}

/** a stdin channel message as a client sends it (masked, as every client frame is) */
function stdinMessage(data: Buffer): Buffer {
  return encodeWsFrame(WsOpcode.binary, Buffer.concat([Buffer.from([Channel.stdin]), data]), { mask: randomBytes(4) });
}
