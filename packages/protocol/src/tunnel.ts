import {
  decodeDataFrame,
  decodeEnvelope,
  encodeDataFrame,
  encodeEnvelope,
  encodeEnvelopeJson,
  type Envelope,
  type MessageType,
  type Payload,
  ProtocolError,
  STREAM_WINDOW,
} from './messages';
import { type StreamLink, TunnelStream } from './stream';

/** The socket under a tunnel (a WebSocket in practice). */
export interface Transport {
  sendText(text: string): void;
  /**
   * a message already in JSON (its payload) that may wait for the next frame sent, and go just before it (or a short
   * while later): in order with the other texts, while data frames may pass it (ridingTransport)
   */
  sendWithNext?(type: MessageType, payloadJson: string): void;
  sendBinary(data: Buffer): void;
  close(code: number, reason: string): void;
}

export type OpenRequest = Payload<'open'>;

export interface IncomingOpen {
  request: OpenRequest;
  /** `window`: the bytes the peer may send before credit (a relay passes on the window of the stream it splices to) */
  accept(extra?: Omit<Payload<'opened'>, 'stream' | 'window'>, window?: number): TunnelStream;
  reject(code: string, message: string): void;
}

export interface TunnelHandlers {
  /** the peer asks to open a stream */
  onOpen?(open: IncomingOpen): void;
  /** any other message (hello, ping, config, audit, …) */
  onMessage?(msg: Envelope): void;
  /** a frame that could not be decoded; the tunnel closes after this */
  onProtocolError?(err: Error): void;
}

export class OpenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpenError';
  }
}

/**
 * Many streams over one socket. The side that dialled uses odd stream ids and the side that accepted even ones, so
 * both may open streams without colliding.
 */
export class Tunnel implements StreamLink {
  private readonly streams = new Map<number, TunnelStream>();
  private readonly opening = new Map<
    number,
    { resolve: (v: { stream: TunnelStream; opened: Payload<'opened'> }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; window: number }
  >();
  private nextId: number;
  private closed = false;
  private closedReason = 'tunnel closed';

  constructor(
    private readonly transport: Transport,
    dialled: boolean,
    private readonly handlers: TunnelHandlers = {},
  ) {
    this.nextId = dialled ? 1 : 2;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  send<T extends MessageType>(type: T, payload: Payload<T>): void {
    if (!this.closed) this.transport.sendText(encodeEnvelope(type, payload));
  }

  /**
   * `send` of a payload its sender has already turned into JSON (the agent's audit frames: spooled and sent as one
   * text), riding with the next frame the tunnel sends when the transport can hold it (`sendWithNext`).
   */
  sendJson(type: MessageType, payloadJson: string): void {
    if (this.closed) return;
    if (this.transport.sendWithNext) this.transport.sendWithNext(type, payloadJson);
    else this.transport.sendText(encodeEnvelopeJson(type, payloadJson));
  }

  /** `window`: the bytes the peer may send before credit (a relay passes on the window of the stream it splices to) */
  openStream(
    req: Omit<OpenRequest, 'stream' | 'window'>,
    timeoutMs = 15000,
    window = STREAM_WINDOW,
  ): Promise<{ stream: TunnelStream; opened: Payload<'opened'> }> {
    if (this.closed) return Promise.reject(new OpenError('unavailable', 'tunnel is closed'));
    const id = this.nextId;
    this.nextId += 2;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.opening.delete(id);
        this.send('close', { stream: id, reason: 'open timed out' });
        reject(new OpenError('timeout', `no answer from the far end within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      this.opening.set(id, { resolve, reject, timer, window });
      this.send('open', { ...req, stream: id, window });
    });
  }

  /** A text frame from the peer. Once the tunnel is closed (a protocol error, or shut down) frames are ignored. */
  handleText(text: string): void {
    if (this.closed) return;
    let msg: Envelope | null;
    try {
      msg = decodeEnvelope(text);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (msg) this.dispatch(msg);
  }

  handleBinary(frame: Buffer): void {
    if (this.closed) return;
    let decoded: { stream: number; data: Buffer };
    try {
      decoded = decodeDataFrame(frame);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.streams.get(decoded.stream)?.receive(decoded.data, frame);
  }

  private dispatch(msg: Envelope): void {
    switch (msg.type) {
      case 'open':
        return this.incomingOpen(msg.payload);
      case 'opened': {
        const waiting = this.opening.get(msg.payload.stream);
        if (!waiting) return;
        clearTimeout(waiting.timer);
        this.opening.delete(msg.payload.stream);
        const stream = this.register(msg.payload.stream, msg.payload.window, waiting.window);
        waiting.resolve({ stream, opened: msg.payload });
        return;
      }
      case 'open_error': {
        const waiting = this.opening.get(msg.payload.stream);
        if (!waiting) return;
        clearTimeout(waiting.timer);
        this.opening.delete(msg.payload.stream);
        waiting.reject(new OpenError(msg.payload.code, msg.payload.message));
        return;
      }
      case 'credit':
        return this.streams.get(msg.payload.stream)?.addCredit(msg.payload.bytes);
      case 'end':
        return this.streams.get(msg.payload.stream)?.remoteEnd();
      case 'close':
        return this.streams.get(msg.payload.stream)?.remoteClose(msg.payload.reason);
      default:
        this.handlers.onMessage?.(msg);
    }
  }

  private incomingOpen(request: OpenRequest): void {
    if (this.streams.has(request.stream) || request.stream % 2 === this.nextId % 2) {
      this.fail(new ProtocolError(`stream id ${request.stream} is not the peer's to open`));
      return;
    }
    if (!this.handlers.onOpen) {
      this.send('open_error', { stream: request.stream, code: 'unsupported', message: 'this end does not accept streams' });
      return;
    }
    let answered = false;
    this.handlers.onOpen({
      request,
      accept: (extra, window = STREAM_WINDOW) => {
        if (answered) throw new Error('open already answered');
        answered = true;
        if (this.closed) {
          // accepted after the socket went (the session was set up meanwhile): it ends as the tunnel's streams did,
          // once its taker has had the turn to listen, instead of staying open with no far end for ever
          const orphan = new TunnelStream(request.stream, this, request.window, window);
          const reason = this.closedReason;
          setImmediate(() => orphan.remoteClose(reason));
          return orphan;
        }
        const stream = this.register(request.stream, request.window, window);
        this.send('opened', { ...extra, stream: request.stream, window });
        return stream;
      },
      reject: (code, message) => {
        if (answered) return;
        answered = true;
        this.send('open_error', { stream: request.stream, code, message });
      },
    });
  }

  private register(id: number, sendWindow: number, recvWindow: number): TunnelStream {
    const stream = new TunnelStream(id, this, sendWindow, recvWindow);
    this.streams.set(id, stream);
    return stream;
  }

  private fail(err: Error): void {
    this.handlers.onProtocolError?.(err);
    this.transport.close(1002, err.message.slice(0, 120));
    this.shutdown(err.message);
  }

  /** The socket is gone: every stream and pending open ends. */
  shutdown(reason = 'tunnel closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.closedReason = reason;
    for (const [, w] of this.opening) {
      clearTimeout(w.timer);
      w.reject(new OpenError('unavailable', reason));
    }
    this.opening.clear();
    for (const s of [...this.streams.values()]) s.remoteClose(reason);
    this.streams.clear();
  }

  // StreamLink
  sendData(stream: number, data: Uint8Array): void {
    if (!this.closed) this.transport.sendBinary(encodeDataFrame(stream, data));
  }
  relayFrame(stream: number, frame: Buffer): void {
    if (this.closed) return;
    // the frame arrived on another tunnel and belongs to no one else now: re-addressed in place (stream id at byte
    // 1, see encodeDataFrame) and sent on as it is
    frame.writeUInt32BE(stream, 1);
    this.transport.sendBinary(frame);
  }
  sendCredit(stream: number, bytes: number): void {
    this.send('credit', { stream, bytes });
  }
  sendEnd(stream: number): void {
    this.send('end', { stream });
  }
  sendClose(stream: number, reason?: string): void {
    this.send('close', reason ? { stream, reason } : { stream });
  }
  forget(stream: number): void {
    this.streams.delete(stream);
  }
}
