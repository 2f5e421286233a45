import { SpdyError, SpdyGoAwayStatus, type SpdyHeaders, SpdyReader, SpdyRstStatus, SpdyWriter } from '@hoop/httpwire';

/** a stream the client opened and hoop opened in its turn at the API server, under the same id */
export interface BridgeStream {
  id: number;
  type: string;
  headers: SpdyHeaders;
  /** the client, and the API server, sent their FIN (or a RST_STREAM) */
  clientDone: boolean;
  serverDone: boolean;
}

export interface BridgeEvents {
  /** bytes toward the client; false: wait for the session's drain */
  toClient(bytes: Buffer): boolean;
  toServer(bytes: Buffer): void;
  /** a stream the client opens: the headers hoop opens it with at the API server, or why it is refused */
  admit(headers: SpdyHeaders): { type: string; headers: SpdyHeaders } | { refuse: string };
  /** a stream refused (RST_STREAM to the client, nothing at the API server) */
  refused(type: string, reason: string): void;
  /** DATA from either side, which the reader of the streams sends on (or not) with `toServerData` / `toClientData` */
  clientData(s: BridgeStream, data: Buffer, fin: boolean): void;
  serverData(s: BridgeStream, data: Buffer, fin: boolean): boolean;
  /** the connection cannot go on: what was wrong, and on which side */
  broken(message: string, side: 'client' | 'server'): void;
}

const MAX_DATA = 1024 * 1024;

/**
 * SPDY/3.1 terminated on both sides of an upgraded connection: hoop is the server to the client and a client to the
 * API server, each side with its own header compression, so what hoop sends on may differ from what came (masked
 * output, stdin held back by the guard) and a stream hoop refuses never reaches the API server. The client's
 * streams are opened at the API server under the same ids (in order, so they keep rising) with the headers `admit`
 * gives; SYN_REPLY, RST_STREAM and GOAWAY go across; DATA goes to the reader of the streams. PINGs are answered by
 * hoop on each side; SETTINGS and WINDOW_UPDATE are hoop's own on each side and not passed on (spdystream, at both
 * ends of kubectl's connections, sends none and honours none: hoop sends none either). A stream the API server opens
 * is refused. A frame hoop cannot read on either side breaks the connection (`broken`).
 */
export class SpdyBridge {
  private readonly fromClient = new SpdyReader({ maxData: MAX_DATA });
  private readonly fromServer = new SpdyReader({ maxData: MAX_DATA });
  private readonly toClientWriter = new SpdyWriter();
  private readonly toServerWriter = new SpdyWriter();
  readonly streams = new Map<number, BridgeStream>();
  private lastClientId = 0;
  private blocked = false;
  broke = false;

  constructor(private readonly on: BridgeEvents) {}

  /** what the client sent */
  client(chunk: Buffer): void {
    if (this.broke) return;
    try {
      this.fromClient.push(chunk, (f) => {
        switch (f.type) {
          case 'syn_stream': {
            if (f.streamId % 2 === 0 || f.streamId <= this.lastClientId) throw new SpdyError(`a stream id the client may not open (${f.streamId})`);
            this.lastClientId = f.streamId;
            const a = f.unidirectional ? { refuse: 'a unidirectional stream' } : this.on.admit(f.headers);
            if ('refuse' in a) {
              this.on.refused(f.headers.get('streamtype')?.join(',') ?? '', a.refuse);
              return this.client_(this.toClientWriter.rst(f.streamId, SpdyRstStatus.refusedStream));
            }
            const s: BridgeStream = { id: f.streamId, type: a.type, headers: a.headers, clientDone: f.fin, serverDone: false };
            this.streams.set(s.id, s);
            return this.on.toServer(this.toServerWriter.synStream(s.id, a.headers, { fin: f.fin, priority: f.priority }));
          }
          case 'data': {
            const s = this.streams.get(f.streamId);
            if (!s || s.clientDone) return this.client_(this.toClientWriter.rst(f.streamId, SpdyRstStatus.invalidStream));
            if (f.fin) s.clientDone = true;
            return this.on.clientData(s, f.data, f.fin);
          }
          case 'rst_stream': {
            const s = this.streams.get(f.streamId);
            if (!s) return;
            s.clientDone = true;
            return this.on.toServer(this.toServerWriter.rst(s.id, f.status));
          }
          case 'ping':
            return this.client_(this.toClientWriter.ping(f.id));
          case 'goaway':
            return this.on.toServer(this.toServerWriter.goAway(this.lastClientId, f.status));
          default:
            // SETTINGS, WINDOW_UPDATE: this side's own; HEADERS: a stream's headers are the ones it was opened with
            return;
        }
      });
    } catch (err) {
      this.fail(`the client's SPDY frames could not be read: ${(err as Error).message}`, 'client');
    }
  }

  /** what the API server sent; false: the client's side is full, wait for `drained` */
  server(chunk: Buffer): boolean {
    if (this.broke) return true;
    try {
      this.fromServer.push(chunk, (f) => {
        switch (f.type) {
          case 'syn_reply': {
            const s = this.streams.get(f.streamId);
            if (!s) return;
            if (f.fin) s.serverDone = true;
            return this.client_(this.toClientWriter.synReply(s.id, f.headers, f.fin));
          }
          case 'data': {
            const s = this.streams.get(f.streamId);
            if (!s || s.serverDone) return;
            if (f.fin) s.serverDone = true;
            if (!this.on.serverData(s, f.data, f.fin)) this.blocked = true;
            return;
          }
          case 'rst_stream': {
            const s = this.streams.get(f.streamId);
            if (!s) return;
            s.serverDone = true;
            return this.client_(this.toClientWriter.rst(s.id, f.status));
          }
          case 'syn_stream':
            return this.on.toServer(this.toServerWriter.rst(f.streamId, SpdyRstStatus.refusedStream));
          case 'ping':
            return this.on.toServer(this.toServerWriter.ping(f.id));
          case 'goaway':
            return this.client_(this.toClientWriter.goAway(this.lastClientId, f.status));
          default:
            return;
        }
      });
    } catch (err) {
      this.fail(`the API server's SPDY frames could not be read: ${(err as Error).message}`, 'server');
    }
    const ok = !this.blocked;
    this.blocked = false;
    return ok;
  }

  /** DATA on a stream toward the API server */
  toServerData(id: number, data: Uint8Array, fin = false): void {
    if (this.broke) return;
    for (const b of this.toServerWriter.data(id, data, fin)) this.on.toServer(b);
  }

  /** DATA on a stream toward the client; false: wait for the session's drain */
  toClientData(id: number, data: Uint8Array, fin = false): boolean {
    if (this.broke) return true;
    let ok = true;
    for (const b of this.toClientWriter.data(id, data, fin)) ok = this.client_(b) && ok;
    return ok;
  }

  /** the stream of a type, when the client opened one */
  stream(type: string): BridgeStream | undefined {
    for (const s of this.streams.values()) if (s.type === type) return s;
    return undefined;
  }

  /**
   * The end of a connection hoop breaks: where the client has an error stream still open, a Status saying why
   * (kubectl prints its message), then GOAWAY to both sides.
   */
  fail(message: string, side: 'client' | 'server'): void {
    if (this.broke) return;
    const error = this.stream('error');
    if (error && !error.serverDone) {
      const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `hoop: ${message}`, reason: 'BadRequest', code: 400 };
      this.toClientData(error.id, Buffer.from(JSON.stringify(status)), true);
      error.serverDone = true;
    }
    this.client_(this.toClientWriter.goAway(this.lastClientId, SpdyGoAwayStatus.protocolError));
    this.on.toServer(this.toServerWriter.goAway(this.lastClientId, SpdyGoAwayStatus.ok));
    this.broke = true;
    this.on.broken(message, side);
  }

  private client_(bytes: Buffer): boolean {
    const ok = this.on.toClient(bytes);
    if (!ok) this.blocked = true;
    return ok;
  }
}
