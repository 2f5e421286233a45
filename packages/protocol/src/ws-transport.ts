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
