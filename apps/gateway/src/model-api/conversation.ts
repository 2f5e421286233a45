import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  encodeBody,
  encodeCredit,
  encodeFrame,
  encodeHead,
  ExchangeFrameParser,
  type Frame,
  FrameKind,
  parseResponseHead,
  type RequestHead,
} from '@hoop/httpwire';
import type { Logger } from '@hoop/log';
import type { AgentSession } from '../client-link/routing';
import { apiErrorBody } from './errors';

interface Sink {
  res: ServerResponse;
  /** the response's head went to the client */
  started: boolean;
  /** this exchange holds the agent stream paused until its client drains */
  blocking: boolean;
  /** the response's socket is corked until the end of this tick, so the pieces read together leave together */
  corked: boolean;
  /** answer body taken by the client (or on its way out) that the agent was not yet given credit for */
  owed: number;
  /** the client fell behind: credit waits for its drain */
  behind: boolean;
}

/** The answer body an exchange may have on its way before its client has taken it (agents that flow-control per exchange). */
export const EXCHANGE_WINDOW = 256 * 1024;

/** The agent capability saying it keeps to credit per exchange (httpwire's `credit` frames). */
export const EXCHANGE_CREDIT = 'exchange-credit';

/**
 * One Claude Code conversation on a model API connection: one session, one stream to the agent, and the HTTP exchanges
 * of the conversation framed on it (httpwire's exchange frames), several at once. Requests go to the agent as they
 * arrive; answers go to their clients piece by piece as the agent relays them, with backpressure both ways. An agent
 * that keeps to credit per exchange (EXCHANGE_CREDIT) is given EXCHANGE_WINDOW bytes of each answer ahead, and more
 * as the client takes them, so a client that stops reading holds back its own answer only (the agent pauses the API's
 * answer) while the other requests of the conversation go on. With an older agent a client that does not read holds
 * the whole stream until it does. After `idleMs` without an exchange the stream is ended, which ends the session; the
 * next request opens another.
 */
export class Conversation {
  private readonly parser = new ExchangeFrameParser();
  private readonly sinks = new Map<number, Sink>();
  private nextId = 1;
  private idle: NodeJS.Timeout | null = null;
  private blocked = 0;
  private gone = false;
  /** the agent keeps to credit per exchange */
  private readonly credit: boolean;

  constructor(
    readonly session: AgentSession,
    private readonly idleMs: number,
    log: Logger,
    private readonly onGone: () => void,
  ) {
    this.credit = session.agentCapabilities.includes(EXCHANGE_CREDIT);
    const stream = session.stream;
    if (this.credit) stream.write(encodeCredit(0, EXCHANGE_WINDOW));
    stream.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk, (f) => this.frame(f));
      } catch (err) {
        log.warn('model API: unreadable frame from the agent', { session: session.sessionId, error: (err as Error).message });
        stream.destroy(err as Error);
      }
    });
    stream.once('close', () => this.closed());
    stream.on('error', (err) => {
      log.info('model API stream to the agent failed', { session: session.sessionId, error: err.message });
      this.closed(err);
    });
    this.armIdle();
  }

  get open(): boolean {
    return !this.gone;
  }

  /**
   * Sends one request to the agent and answers `res` with what comes back. Its body is passed on as it arrives from
   * `req`, or is `body`, read whole already (the gateway read the model it names before letting it go).
   */
  exchange(head: RequestHead, req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    const id = this.nextId++;
    const sink: Sink = { res, started: false, blocking: false, corked: false, owed: 0, behind: false };
    this.sinks.set(id, sink);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.send(encodeHead(id, FrameKind.request, head));
    if (body) {
      for (const f of encodeBody(id, body)) this.send(f);
      this.send(encodeFrame(id, FrameKind.end));
    } else this.relayBody(id, req);
    res.once('close', () => {
      if (!this.sinks.has(id)) return;
      // the client went away before its answer ended: the agent stops the request upstream
      this.send(encodeFrame(id, FrameKind.abort, Buffer.from(JSON.stringify({ message: 'the client went away' }))));
      this.done(id);
    });
  }

  private relayBody(id: number, req: IncomingMessage): void {
    const stream = this.session.stream;
    req.on('data', (chunk: Buffer) => {
      let ok = true;
      for (const f of encodeBody(id, chunk)) ok = this.send(f) && ok;
      if (!ok) {
        req.pause();
        stream.once('drain', () => req.resume());
      }
    });
    req.once('end', () => {
      if (this.sinks.has(id)) this.send(encodeFrame(id, FrameKind.end));
    });
  }

  /** Ends the conversation: the agent finishes what is under way, records the session's end and closes the stream. */
  end(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.idle) clearTimeout(this.idle);
    this.onGone();
    this.session.stream.end();
  }

  /** writes to the agent while the conversation lasts (a request's body may still arrive after it ended) */
  private send(buf: Buffer): boolean {
    const stream = this.session.stream;
    return this.gone || !stream.writable ? true : stream.write(buf);
  }

  private frame(f: Frame): void {
    const sink = this.sinks.get(f.exchange);
    if (!sink) return;
    if (f.kind === FrameKind.response) {
      const head = parseResponseHead(f.payload);
      if (typeof head === 'string') return this.fail(f.exchange, `the agent sent an unreadable answer: ${head}`);
      sink.started = true;
      sink.res.writeHead(head.status, head.headers);
      // a streamed answer's head goes out at once: Claude Code shows the answer is coming
      sink.res.flushHeaders();
    } else if (f.kind === FrameKind.body) {
      if (!sink.started) return this.fail(f.exchange, 'the agent sent a body before its head');
      if (!sink.corked) {
        sink.corked = true;
        sink.res.cork();
        process.nextTick(() => {
          sink.corked = false;
          sink.res.uncork();
        });
      }
      const taken = sink.res.write(f.payload);
      if (this.credit) return this.owe(f.exchange, sink, f.payload.length, taken);
      if (!taken && !sink.blocking) {
        sink.blocking = true;
        if (this.blocked++ === 0) this.session.stream.pause();
        sink.res.once('drain', () => this.unblock(sink));
      }
    } else if (f.kind === FrameKind.end) {
      this.done(f.exchange);
      sink.res.end();
    } else if (f.kind === FrameKind.abort) {
      let message = 'the exchange was broken off';
      try {
        message = String((JSON.parse(f.payload.toString('utf8')) as { message?: unknown }).message ?? message);
      } catch {}
      this.fail(f.exchange, message);
    }
  }

  /**
   * Credit for what the client took: given back a quarter window at a time while it reads along, everything owed once
   * a client that fell behind drains; nothing while it does not read, so the agent stops at the window's end.
   */
  private owe(id: number, sink: Sink, bytes: number, taken: boolean): void {
    sink.owed += bytes;
    if (!taken) {
      if (sink.behind) return;
      sink.behind = true;
      sink.res.once('drain', () => {
        sink.behind = false;
        if (this.sinks.get(id) === sink) this.grant(id, sink);
      });
    } else if (!sink.behind && sink.owed >= EXCHANGE_WINDOW / 4) this.grant(id, sink);
  }

  private grant(id: number, sink: Sink): void {
    const bytes = sink.owed;
    if (bytes === 0) return;
    // zeroed first: the frames the credit lets come may be written (and owed) before `send` returns
    sink.owed = 0;
    this.send(encodeCredit(id, bytes));
  }

  private unblock(sink: Sink): void {
    if (!sink.blocking) return;
    sink.blocking = false;
    if (--this.blocked === 0) this.session.stream.resume();
  }

  /** the exchange failed: an API-shaped 502 when nothing was answered yet, else the answer is cut */
  private fail(id: number, message: string): void {
    const sink = this.sinks.get(id);
    if (!sink) return;
    this.done(id);
    if (!sink.started && !sink.res.headersSent) {
      const body = apiErrorBody('api_error', `hoop: ${message}`);
      sink.res.writeHead(502, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
    } else sink.res.destroy();
  }

  private done(id: number): void {
    const sink = this.sinks.get(id);
    if (!sink) return;
    this.unblock(sink);
    this.sinks.delete(id);
    if (this.sinks.size === 0) this.armIdle();
  }

  private armIdle(): void {
    if (this.gone || this.sinks.size > 0) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(), this.idleMs);
    this.idle.unref();
  }

  private closed(error?: Error): void {
    if (!this.gone) {
      this.gone = true;
      this.onGone();
    }
    if (this.idle) clearTimeout(this.idle);
    for (const id of [...this.sinks.keys()]) this.fail(id, 'the agent ended the conversation');
    this.session.finish(error);
  }
}
