import type { Transport } from './tunnel';

/** The parts of a `ws` WebSocket a tunnel needs (structural, so this package stays free of socket code). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string | Buffer, opts?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  /** the underlying TCP socket of a `ws` WebSocket */
  readonly _socket?: { cork(): void; uncork(): void } | null;
}

/**
 * A tunnel transport over a WebSocket that coalesces every frame sent in one turn of the event loop into a single
 * write: small frames (a query, its credit, its audit event) would otherwise cost one system call each.
 */
export function webSocketTransport(ws: WebSocketLike): Transport {
  let corked = false;
  const cork = () => {
    const socket = ws._socket;
    if (corked || !socket) return;
    corked = true;
    socket.cork();
    process.nextTick(() => {
      corked = false;
      socket.uncork();
    });
  };
  return {
    sendText(text) {
      if (ws.readyState !== ws.OPEN) return;
      cork();
      ws.send(text);
    },
    sendBinary(data) {
      if (ws.readyState !== ws.OPEN) return;
      cork();
      ws.send(data, { binary: true });
    },
    close: (code, reason) => ws.close(code, reason),
  };
}

/**
 * A transport whose `sendTextWithNext` texts (the agent's audit frames) wait for the next frame sent, and go just
 * before it in the same write, or go after `maxDelayMs` when nothing else is sent: a statement's record is made after
 * its answer was written (so the answer does not wait for it) and then rides with the next answer instead of costing
 * a write of its own on the agent and a read and a wake-up on the gateway. Every frame keeps its order.
 */
export function ridingTransport(inner: Transport, maxDelayMs: number): Transport {
  let held: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (held.length === 0) return;
    const due = held;
    held = [];
    for (const text of due) inner.sendText(text);
  };
  return {
    sendText(text) {
      flush();
      inner.sendText(text);
    },
    sendTextWithNext(text) {
      held.push(text);
      timer ??= setTimeout(flush, maxDelayMs);
    },
    sendBinary(data) {
      flush();
      inner.sendBinary(data);
    },
    close(code, reason) {
      flush();
      inner.close(code, reason);
    },
  };
}

/**
 * `generateMask` for hoop's WebSocket clients (the agent and the CLI): an all-zero masking key, which `ws` skips on
 * both ends. RFC 6455 masks client frames so that a script in a browser cannot put bytes of its choosing on the wire
 * to a server it does not control (and so poison caching proxies along the way). hoop's clients are not browsers and
 * only talk to the gateway, and over wss:// nothing in between reads the frames at all; so masking would only cost a
 * pass over every byte of every result on the agent, and another on the gateway.
 */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** A received WebSocket message as one Buffer, without a copy when it is one already (`ws`'s default). */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
