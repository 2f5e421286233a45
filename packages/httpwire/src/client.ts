import type { Duplex } from 'node:stream';
import { encodeBody, encodeFrame, encodeHead, ExchangeFrameParser, FrameKind, parseResponseHead, type RequestHead, type ResponseHead } from './exchange';

/** What one request hears back from the agent. */
export interface ExchangeHandlers {
  /** an informational answer (102: the request is held for review, with `x-hoop-review-url`) */
  info?(head: ResponseHead): void;
  response(head: ResponseHead): void;
  /** a piece of the body; false: stop until `resume` is called (the caller's client reads slowly) */
  data(chunk: Buffer): boolean;
  end(): void;
  /** the exchange broke off: before the response head (`headSent` false) or during its body */
  failed(message: string, headSent: boolean): void;
}

export interface OpenExchange {
  /** a piece of the request body; false: wait for `onDrain` */
  write(chunk: Buffer): boolean;
  end(): void;
  /** the client went away: the agent stops the request */
  abort(): void;
}

/**
 * The client side of an http connection's session (hoop connect's local port, hoop exec, the MCP tool): HTTP requests
 * framed on the session's stream, several at once, and the answers routed back to each. The stream carries requests until it closes; then
 * every open exchange fails and `closed` is true (the caller opens another session for the next request).
 */
export class ExchangeClient {
  private next = 1;
  private readonly open = new Map<number, { h: ExchangeHandlers; headSent: boolean }>();
  private readonly parser = new ExchangeFrameParser();
  closed = false;

  constructor(private readonly stream: Duplex & { closeReason?: string }) {
    stream.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk, (f) => this.frame(f.exchange, f.kind, f.payload));
      } catch (err) {
        stream.destroy(err as Error);
      }
    });
    stream.on('error', () => undefined);
    stream.once('close', () => {
      this.closed = true;
      const why = stream.closeReason ?? 'the session ended';
      for (const [id, x] of this.open) {
        this.open.delete(id);
        x.h.failed(`hoop: ${why}`, x.headSent);
      }
    });
  }

  get size(): number {
    return this.open.size;
  }

  onDrain(fn: () => void): void {
    this.stream.once('drain', fn);
  }

  request(head: RequestHead, h: ExchangeHandlers): OpenExchange {
    const id = this.next++;
    this.open.set(id, { h, headSent: false });
    this.send(encodeHead(id, FrameKind.request, head));
    return {
      write: (chunk) => {
        let ok = true;
        for (const f of encodeBody(id, chunk)) ok = this.send(f) && ok;
        return ok;
      },
      end: () => void this.send(encodeFrame(id, FrameKind.end)),
      abort: () => {
        if (!this.open.delete(id)) return;
        this.send(encodeFrame(id, FrameKind.abort, Buffer.from('{"message":"the client went away"}')));
      },
    };
  }

  /** no more requests: the agent ends the session once the open ones are answered */
  finish(): void {
    if (!this.closed) this.stream.end();
  }

  private send(buf: Buffer): boolean {
    return this.stream.writable ? this.stream.write(buf) : true;
  }

  private frame(id: number, kind: FrameKind, payload: Buffer): void {
    const x = this.open.get(id);
    if (!x) return;
    if (kind === FrameKind.response) {
      const head = parseResponseHead(payload);
      if (typeof head === 'string') {
        this.open.delete(id);
        return x.h.failed(`hoop: the agent's answer is unreadable: ${head}`, x.headSent);
      }
      // 101 Switching Protocols is the answer of an upgrade: the exchange's body frames then carry the raw connection
      if (head.status < 200 && head.status !== 101) return x.h.info?.(head);
      x.headSent = true;
      x.h.response(head);
    } else if (kind === FrameKind.body) {
      if (!x.h.data(Buffer.from(payload))) this.stream.pause();
    } else if (kind === FrameKind.end) {
      this.open.delete(id);
      x.h.end();
    } else if (kind === FrameKind.abort) {
      this.open.delete(id);
      let message = 'the request was stopped';
      try {
        message = String((JSON.parse(payload.toString('utf8')) as { message?: unknown }).message ?? message);
      } catch {
        // the words are the agent's; without them the fact is enough
      }
      x.h.failed(message, x.headSent);
    }
  }

  /** reading the agent's answers again, once a slow client has caught up */
  resume(): void {
    this.stream.resume();
  }
}
