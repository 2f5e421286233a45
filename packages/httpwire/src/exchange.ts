/**
 * HTTP exchanges carried over one byte stream (a tunnel stream between the gateway and the agent), several at once.
 * Each frame is `u32 length | u32 exchange | u8 kind | payload` (length counts what follows it): the gateway sends a
 * request's head, its body in pieces and its end; the agent answers with the response's head, its body in pieces as the
 * target sends them, and its end. Either side may abort an exchange (the client went away, the target failed).
 * Answers may be flow-controlled per exchange (`credit`), so a client that stops reading holds back its own exchange
 * and not the others sharing the stream.
 */

export const FrameKind = {
  /** gateway → agent: `RequestHead` (JSON) */
  request: 1,
  /** agent → gateway: `ResponseHead` (JSON) */
  response: 2,
  /** a piece of the body, either way */
  body: 3,
  /** the body is complete, either way */
  end: 4,
  /** the exchange is over without its end: `{ message }` (JSON) */
  abort: 5,
  /**
   * gateway → agent: a u32, bytes of answer body the agent may send on this exchange beyond what it was given. On
   * exchange 0, first on the stream, it turns credit on: every exchange then starts with that many bytes of credit.
   * A peer that never sent it is not flow-controlled per exchange (only the stream is).
   */
  credit: 6,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface RequestHead {
  method: string;
  /** the path and query as the upstream API sees them, e.g. `/v1/messages?beta=true` */
  path: string;
  /** header names in lower case; a header sent more than once is its values joined with ", " */
  headers: Record<string, string>;
}

export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

export interface Frame {
  exchange: number;
  kind: FrameKind;
  payload: Buffer;
}

const HEADER = 9;
/** the largest frame a parser accepts: a body piece is at most this, a head far less */
export const MAX_EXCHANGE_FRAME = 1024 * 1024;

export class ExchangeFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeFrameError';
  }
}

/** One frame's bytes. */
export function encodeFrame(exchange: number, kind: FrameKind, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  if (!Number.isInteger(exchange) || exchange < 0 || exchange > 0xffff_ffff) throw new ExchangeFrameError(`invalid exchange id ${exchange}`);
  if (payload.length + HEADER - 4 > MAX_EXCHANGE_FRAME) throw new ExchangeFrameError(`a frame of ${payload.length} bytes is over the limit`);
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32BE(payload.length + 5, 0);
  out.writeUInt32BE(exchange, 4);
  out.writeUInt8(kind, 8);
  out.set(payload, HEADER);
  return out;
}

/** A head frame (request or response) with its JSON. */
export function encodeHead(exchange: number, kind: typeof FrameKind.request | typeof FrameKind.response, head: RequestHead | ResponseHead): Buffer {
  return encodeFrame(exchange, kind, Buffer.from(JSON.stringify(head)));
}

/** Body frames for `data`, split so none is over the limit. */
export function encodeBody(exchange: number, data: Uint8Array): Buffer[] {
  const piece = MAX_EXCHANGE_FRAME - 5;
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += piece) out.push(encodeFrame(exchange, FrameKind.body, data.subarray(at, at + piece)));
  return out;
}

/** A credit frame: `bytes` more of `exchange`'s answer body may come (exchange 0: the window each exchange starts with). */
export function encodeCredit(exchange: number, bytes: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(bytes, 0);
  return encodeFrame(exchange, FrameKind.credit, payload);
}

/** A credit frame's bytes; null when its payload is not a u32. */
export function creditOf(payload: Buffer): number | null {
  return payload.length === 4 ? payload.readUInt32BE(0) : null;
}

/** Push parser: bytes in, whole frames out; a frame is never read past its own length. */
export class ExchangeFrameParser {
  private pending: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    while (this.size >= 4) {
      const head = this.peek(HEADER);
      const length = head.readUInt32BE(0);
      if (length < 5 || length > MAX_EXCHANGE_FRAME) throw new ExchangeFrameError(`frame length ${length} is out of bounds`);
      if (this.size < 4 + length) return;
      if (head.length < HEADER) return;
      const whole = this.take(4 + length);
      const kind = whole.readUInt8(8);
      if (kind < FrameKind.request || kind > FrameKind.credit) throw new ExchangeFrameError(`unknown frame kind ${kind}`);
      onFrame({ exchange: whole.readUInt32BE(4), kind: kind as FrameKind, payload: whole.subarray(HEADER) });
    }
  }

  /** the first `n` bytes held (fewer when fewer are held), without taking them */
  private peek(n: number): Buffer {
    if (this.pending[0]!.length >= n || this.pending.length === 1) return this.pending[0]!;
    const all = Buffer.concat(this.pending);
    this.pending = [all];
    return all;
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.size -= n;
    return frame;
  }
}

/** A head frame's JSON, checked for its shape; a string says what is wrong. */
export function parseRequestHead(payload: Buffer): RequestHead | string {
  const v = parseJson(payload);
  if (!v || typeof v !== 'object') return 'the request head is not a JSON object';
  const h = v as Record<string, unknown>;
  if (typeof h.method !== 'string' || !/^[A-Z]{1,16}$/.test(h.method)) return 'the request head has no valid method';
  if (typeof h.path !== 'string' || !h.path.startsWith('/') || h.path.startsWith('//')) return 'the request path must start with one /';
  const headers = headerMap(h.headers);
  return headers ? { method: h.method, path: h.path, headers } : 'the request headers must be names and text values';
}

export function parseResponseHead(payload: Buffer): ResponseHead | string {
  const v = parseJson(payload);
  if (!v || typeof v !== 'object') return 'the response head is not a JSON object';
  const h = v as Record<string, unknown>;
  if (typeof h.status !== 'number' || !Number.isInteger(h.status) || h.status < 100 || h.status > 599) return 'the response head has no valid status';
  const headers = headerMap(h.headers);
  return headers ? { status: h.status, headers } : 'the response headers must be names and text values';
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

function headerMap(v: unknown): Record<string, string> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(k)) return null;
    out[k] = x;
  }
  return out;
}
