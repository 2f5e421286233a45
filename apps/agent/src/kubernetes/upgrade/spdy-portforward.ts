import { encodeWsFrame, type SpdyHeaders, spdyHeader, WsMessageReader, WsOpcode } from '@hoop/httpwire';
import { SpdyBridge } from './spdy-bridge';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** kubectl 1.31 on: the same SPDY in binary WebSocket messages */
export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** what a port-forward moved, per pod port */
export interface PortRecord {
  connections: number;
  /** bytes toward the pod, and from it */
  bytesIn: number;
  bytesOut: number;
  /** what the kubelet said on the error streams (masked for the trail), when it said anything */
  errors: string[];
}

export interface PortForwardOptions {
  toClient(bytes: Buffer): boolean;
  toServer(bytes: Buffer): void;
  maskAudit(text: string): string;
  /** a stream hoop refused */
  refused(type: string, reason: string): void;
  broken(message: string): void;
  /** the SPDY bytes travel in WebSocket binary messages (the tunnel) */
  tunnel: boolean;
}

/**
 * port-forward read at the framing layer: SPDY terminated on both sides (spdy-bridge.ts), each connection's pair of
 * streams — `streamtype: error` and `data`, with its `port` and `requestid` — opened at the API server with those
 * headers alone, the bytes passed on as they are and counted per port, what the kubelet writes on an error stream
 * kept (masked). A stream of another type, without a port, or a second of a type for one request is refused. Over
 * the WebSocket tunnel the SPDY bytes are taken out of binary messages and put back in new ones (masked toward the
 * API server, as a client's must be); pings, pongs and the close go on as they came.
 */
export class PortForwardTap {
  private readonly bridge: SpdyBridge;
  readonly ports: Record<string, PortRecord> = {};
  private readonly fromClientWs = new WsMessageReader(2 * 1024 * 1024);
  private readonly fromServerWs = new WsMessageReader(2 * 1024 * 1024);
  private readonly errorText = new Map<number, { text: string; at: number }>();
  broke = false;

  constructor(private readonly o: PortForwardOptions) {
    this.bridge = new SpdyBridge({
      toClient: (b) => (o.tunnel ? o.toClient(encodeWsFrame(WsOpcode.binary, b)) : o.toClient(b)),
      toServer: (b) => o.toServer(o.tunnel ? encodeWsFrame(WsOpcode.binary, b, { mask: Buffer.alloc(4) }) : b),
      admit: (h) => this.admit(h),
      refused: (type, reason) => o.refused(type, reason),
      clientData: (s, data, fin) => {
        const p = this.port(s.headers);
        if (s.type === 'data') p.bytesIn += data.length;
        if (s.type === 'data' || fin) this.bridge.toServerData(s.id, data, fin);
      },
      serverData: (s, data, fin) => {
        const p = this.port(s.headers);
        if (s.type === 'data') p.bytesOut += data.length;
        else if (data.length) {
          // the error stream's text as it grows, one entry per stream
          const was = this.errorText.get(s.id);
          const text = ((was?.text ?? '') + data.toString('utf8')).slice(0, 2000);
          const at = was?.at ?? p.errors.push('') - 1;
          this.errorText.set(s.id, { text, at });
          p.errors[at] = o.maskAudit(text);
        }
        return this.bridge.toClientData(s.id, data, fin);
      },
      broken: (message) => {
        this.broke = true;
        o.broken(message);
      },
    });
  }

  client(chunk: Buffer): void {
    if (!this.o.tunnel) return this.bridge.client(chunk);
    this.unwrap(
      this.fromClientWs,
      chunk,
      (d) => this.bridge.client(d),
      (raw) => this.o.toServer(raw),
      'client',
    );
  }

  server(chunk: Buffer): boolean {
    if (!this.o.tunnel) return this.bridge.server(chunk);
    let ok = true;
    this.unwrap(
      this.fromServerWs,
      chunk,
      (d) => void (ok = this.bridge.server(d) && ok),
      (raw) => void (ok = this.o.toClient(raw) && ok),
      'server',
    );
    return ok;
  }

  private unwrap(reader: WsMessageReader, chunk: Buffer, spdy: (d: Buffer) => void, pass: (raw: Buffer) => void, side: 'client' | 'server'): void {
    if (this.broke) return;
    try {
      reader.push(chunk, (m, frames) => {
        if (m.opcode === WsOpcode.binary) return spdy(m.data);
        if (m.opcode === WsOpcode.text) throw new Error('a text message in the SPDY tunnel');
        for (const f of frames) pass(side === 'client' ? encodeWsFrame(f.opcode, f.payload, { mask: Buffer.alloc(4) }) : f.raw);
      });
    } catch (err) {
      this.broke = true;
      this.o.broken(`the ${side === 'client' ? "client's" : "API server's"} WebSocket tunnel could not be read: ${(err as Error).message}`);
    }
  }

  private admit(h: SpdyHeaders): { type: string; headers: SpdyHeaders } | { refuse: string } {
    const type = spdyHeader(h, 'streamtype');
    const port = spdyHeader(h, 'port');
    const requestId = spdyHeader(h, 'requestid') ?? '';
    if (type !== 'data' && type !== 'error') return { refuse: `a port-forward stream of type "${(h.get('streamtype') ?? []).join(',').slice(0, 40)}"` };
    if (!port || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return { refuse: 'a port-forward stream without a valid port' };
    for (const s of this.bridge.streams.values())
      if (s.type === type && spdyHeader(s.headers, 'requestid') === requestId)
        return { refuse: `a second ${type} stream for request ${requestId.slice(0, 20)}` };
    const headers: SpdyHeaders = new Map([
      ['streamtype', [type]],
      ['port', [port]],
    ]);
    if (h.has('requestid')) headers.set('requestid', [requestId]);
    if (type === 'data') this.port(headers).connections++;
    return { type, headers };
  }

  private port(h: SpdyHeaders): PortRecord {
    const port = spdyHeader(h, 'port') ?? '?';
    this.ports[port] ??= { connections: 0, bytesIn: 0, bytesOut: 0, errors: [] };
    return this.ports[port];
  }
}
