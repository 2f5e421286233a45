import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeWsFrame, WsMessageReader, WsOpcode } from '@hoop/httpwire';
import { KitSpdyConn, type KitStream, negotiate } from './spdy-conn';

/** The port-forward protocol over SPDY, and its WebSocket tunnel (kubectl 1.31 on: SPDY frames in binary messages). */
export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface ForwardRecord {
  namespace: string;
  pod: string;
  /** the effective user */
  user: string;
  protocol: string;
  /** each connection: the pod's port, its request id, bytes each way, the error the kubelet sent, if any */
  connections: { port: number; requestId: string; bytesIn: number; bytesOut: number; error: string | null }[];
}

/**
 * port-forward as the kubelet serves it: for each local connection the client opens two streams with the same
 * `requestid` and `port` — `streamtype: error` then `streamtype: data` — and the kubelet connects to the pod's port.
 * The pods have no network here: `ports` maps a pod's port to a port on 127.0.0.1 (a test's own server); a port not in
 * it is refused as a closed one is, its error written on the error stream. The data stream carries the bytes both
 * ways; its FIN half-closes the connection to the pod; when the pod's side ends, both streams end.
 */
export function servePortForward(rec: ForwardRecord, ports: Map<number, number>): (s: KitStream) => void {
  const errors = new Map<string, KitStream>();
  return (s) => {
    const port = Number(s.headers.get('port')?.[0] ?? '');
    const requestId = s.headers.get('requestid')?.[0] ?? '';
    if (s.type === 'error') return void errors.set(requestId, s);
    if (s.type !== 'data' || !Number.isInteger(port) || port < 1 || port > 65535) return s.end();
    const c = { port, requestId, bytesIn: 0, bytesOut: 0, error: null as string | null };
    rec.connections.push(c);
    const error = errors.get(requestId);
    const target = ports.get(port);
    const fail = (message: string) => {
      c.error = `error forwarding port ${port} to pod ${rec.pod}, uid : ${message}`;
      error?.write(c.error);
      error?.end();
      s.end();
    };
    if (target === undefined) return fail(`failed to execute portforward in network namespace: dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    const sock = net.connect(target, '127.0.0.1');
    sock.on('error', (err) => fail(err.message));
    sock.on('data', (d: Buffer) => {
      c.bytesOut += d.length;
      s.write(d);
    });
    sock.on('end', () => {
      s.end();
      error?.end();
    });
    s.onData((d) => {
      if (d === null) return void sock.end();
      c.bytesIn += d.length;
      sock.write(d);
    });
  };
}

/**
 * The upgrade of a port-forward: SPDY/3.1 with `X-Stream-Protocol-Version: portforward.k8s.io`, or a WebSocket whose
 * subprotocol is the SPDY tunnel (each binary message a piece of the SPDY byte stream, both ways).
 */
export function upgradePortForward(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  rec: ForwardRecord,
  ports: Map<number, number>,
  refuse: (message: string) => void,
): void {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'spdy/3.1') {
    const protocol = negotiate(req.headers['x-stream-protocol-version'], [PORTFORWARD_PROTOCOL]);
    if (!protocol) return refuse(`unable to upgrade: unable to negotiate protocol: server supports [${PORTFORWARD_PROTOCOL}]`);
    rec.protocol = protocol;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    KitSpdyConn.overSocket(socket, head, servePortForward(rec, ports), () => undefined);
    return;
  }
  if (upgrade !== 'websocket') return refuse(`unsupported upgrade: ${req.headers.upgrade}`);
  // by hand: the ws library refuses the tunnel's subprotocol (a "/" is not a token character), kubectl sends it
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const key = req.headers['sec-websocket-key'];
  if (!offered.includes(PORTFORWARD_TUNNEL_PROTOCOL) || !key) return refuse(`port-forward over WebSocket speaks ${PORTFORWARD_TUNNEL_PROTOCOL} only`);
  rec.protocol = PORTFORWARD_TUNNEL_PROTOCOL;
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n` +
      `Sec-WebSocket-Protocol: ${PORTFORWARD_TUNNEL_PROTOCOL}\r\n\r\n`,
  );
  const conn = new KitSpdyConn(
    (b) => !socket.destroyed && socket.write(encodeWsFrame(WsOpcode.binary, b)),
    servePortForward(rec, ports),
    () => {
      if (!socket.destroyed) socket.end(encodeWsFrame(WsOpcode.close, Buffer.from([0x03, 0xe8])));
    },
  );
  const messages = new WsMessageReader();
  const onData = (d: Buffer) => {
    try {
      messages.push(d, (m) => {
        if (m.opcode === WsOpcode.binary) conn.push(m.data);
        else if (m.opcode === WsOpcode.ping) socket.write(encodeWsFrame(WsOpcode.pong, m.data));
        else if (m.opcode === WsOpcode.close) conn.close();
      });
    } catch {
      socket.destroy();
    }
  };
  socket.on('data', onData);
  socket.on('close', () => conn.gone());
  if (head.length) onData(head);
}
