import { encodeEnvelopeJson, MAX_AUDIT_BATCH, type MessageType } from './messages';
import type { Transport } from './tunnel';
import { atTurnEnd } from './turn-end';

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
 * write: small frames (a query, its credit, its audit event) would otherwise cost one system call each, and the
 * frames of several streams handled in one turn (the answers of sessions whose targets answered together) one each.
 */
export function webSocketTransport(ws: WebSocketLike): Transport {
  let corked = false;
  const cork = () => {
    const socket = ws._socket;
    if (corked || !socket) return;
    corked = true;
    socket.cork();
    atTurnEnd(() => {
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

/** What `ridingTransport` returns: a transport whose riding audit frames may go several to a text frame. */
export interface RidingTransport extends Transport {
  /** the peer reads `audit_batch` (its welcome listed `audit-batch`): audit frames held together go as one */
  batchAudit: boolean;
}

/** the most characters of audit frames put in one `audit_batch` (a text frame may have MAX_TEXT_FRAME bytes) */
const MAX_BATCH_CHARS = 1024 * 1024;

/**
 * A transport whose `sendWithNext` messages (the agent's audit frames) wait for the next frame sent, and go just
 * before it in the same write, or go after `maxDelayMs` when nothing else is sent: a statement's record is made after
 * its answer was written (so the answer does not wait for it) and then rides with a later answer instead of costing
 * a write of its own on the agent and a read and a wake-up on the gateway. Texts keep their order among themselves
 * (a text sent sends what waits first); a data frame takes what waits along only once the oldest has waited
 * `minDelayMs`, so that the audit frames of several statements gather, and with `batchAudit` those go as one
 * `audit_batch`: one message for the gateway to read, decode and hand on instead of one per statement.
 */
export function ridingTransport(inner: Transport, maxDelayMs: number, minDelayMs = 0): RidingTransport {
  let held: { type: MessageType; json: string }[] = [];
  let since = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (held.length === 0) return;
    const due = held;
    held = [];
    for (let i = 0; i < due.length; ) {
      let j = i + 1;
      if (t.batchAudit && due[i]!.type === 'audit') {
        let chars = due[i]!.json.length;
        while (j < due.length && due[j]!.type === 'audit' && j - i < MAX_AUDIT_BATCH && chars + due[j]!.json.length < MAX_BATCH_CHARS) {
          chars += due[j]!.json.length + 1;
          j++;
        }
      }
      if (j - i === 1) inner.sendText(encodeEnvelopeJson(due[i]!.type, due[i]!.json));
      else {
        let frames = due[i]!.json;
        for (let k = i + 1; k < j; k++) frames += `,${due[k]!.json}`;
        inner.sendText(encodeEnvelopeJson('audit_batch', `{"frames":[${frames}]}`));
      }
      i = j;
    }
  };
  const t: RidingTransport = {
    batchAudit: false,
    sendText(text) {
      flush();
      inner.sendText(text);
    },
    sendWithNext(type, json) {
      if (held.length === 0) since = performance.now();
      held.push({ type, json });
      timer ??= setTimeout(flush, maxDelayMs);
    },
    sendBinary(data) {
      if (held.length > 0 && (minDelayMs === 0 || performance.now() - since >= minDelayMs || held.length >= MAX_AUDIT_BATCH)) flush();
      inner.sendBinary(data);
    },
    close(code, reason) {
      flush();
      inner.close(code, reason);
    },
  };
  return t;
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
