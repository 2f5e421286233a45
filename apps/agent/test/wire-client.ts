import net from 'node:net';
import { type BackendMessage, BackendParser, ScramSha256Client, saslInitialResponse, saslResponse, startupMessage, terminate } from '@hoop/pgwire';

/**
 * A Postgres client that writes protocol messages as given — a whole extended-protocol round, or several queries,
 * in one write, the way pipelining drivers do — and reads the answers back as short labels:
 * `ParseComplete`, `CommandComplete INSERT 0 1`, `ErrorResponse 42501`, `ReadyForQuery E`, …
 */
export class WireClient {
  private readonly parser = new BackendParser();
  private readonly received: BackendMessage[] = [];
  private wake: (() => void) | null = null;
  private closed: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk, (m) => this.received.push(m));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = new Error(`the connection closed; received so far: ${this.received.map(label).join(', ')}`);
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  /** Logs in to `hoop connect`'s port (with the password it printed, SCRAM-SHA-256) and waits for the first ReadyForQuery. */
  static async connect(to: { port: number; password: string | null }, database: string): Promise<WireClient> {
    const socket = net.connect(to.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new WireClient(socket);
    c.send(startupMessage({ user: 'tester', database }));
    let scram: ScramSha256Client | null = null;
    for (;;) {
      const m = (await c.until('Authentication')).at(-1)!;
      if (m.type !== 'Authentication') continue;
      if (m.code === 0) break;
      if (m.code === 10) {
        scram = new ScramSha256Client('tester', to.password ?? '');
        const first = scram.clientFirst();
        c.send(saslInitialResponse(first.mechanism, first.data));
      } else if (m.code === 11 && scram) c.send(saslResponse(await scram.serverFirstAsync(m.data)));
      else if (m.code === 12 && scram) scram.serverFinal(m.data);
      else throw new Error(`unexpected authentication request ${m.code}`);
    }
    const hello = await c.until('ReadyForQuery');
    if (hello.some((m) => m.type === 'ErrorResponse')) throw new Error(`startup failed: ${hello.map(label).join(', ')}`);
    return c;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** The messages received up to and including the `n`th whose label starts with `prefix`. */
  async until(prefix: string, n = 1, timeoutMs = 20_000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let seen = 0;
      const end = this.received.findIndex((m) => label(m).startsWith(prefix) && ++seen === n);
      if (end >= 0) return this.received.splice(0, end + 1);
      if (this.closed) throw this.closed;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${n}× ${prefix} within ${timeoutMs} ms; received: ${this.received.map(label).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Labels of the messages up to and including the `rounds`th ReadyForQuery (NoticeResponse and ParameterStatus left out). */
  async rounds(rounds = 1): Promise<string[]> {
    return (await this.until('ReadyForQuery', rounds)).map(label).filter((l) => !l.startsWith('NoticeResponse') && !l.startsWith('ParameterStatus'));
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    this.socket.end(terminate());
    await new Promise((resolve) => this.socket.once('close', resolve));
  }
}

/** `ErrorResponse 25P02`, `CommandComplete ROLLBACK`, `ReadyForQuery E`, or just the type. */
export function label(m: BackendMessage): string {
  switch (m.type) {
    case 'ErrorResponse':
    case 'NoticeResponse':
      return `${m.type} ${m.fields.C}`;
    case 'CommandComplete':
      return `${m.type} ${m.tag}`;
    case 'ReadyForQuery':
      return `${m.type} ${m.status}`;
    default:
      return m.type;
  }
}

/** The message of the first ErrorResponse among `messages`. */
export function errorMessage(messages: BackendMessage[]): string | undefined {
  const e = messages.find((m) => m.type === 'ErrorResponse');
  return e?.type === 'ErrorResponse' ? e.fields.M : undefined;
}
