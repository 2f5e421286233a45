import { z } from 'zod';
import { PROBE_TIMEOUT_MS, ProbeResult } from './probe';

/** Version of the tunnel protocol. New message types and fields may be added; none removed. */
export const PROTOCOL_VERSION = 1;
/**
 * `exchange-credit`: a model API stream's answers are flow-controlled per exchange (httpwire's `credit` frames);
 * `gateways`: the agent keeps a tunnel to every gateway it is told of (welcome, `gateways`);
 * `audit-batch`: the gateway reads `audit_batch` (several audit frames in one text frame), which an agent sends only
 * to a gateway whose welcome says so
 */
export const CAPABILITIES = ['mux', 'credit', 'audit-ack', 'config-push', 'review', 'probe', 'exchange-credit', 'gateways', 'audit-batch'] as const;

/** Most audit frames in one `audit_batch`. */
export const MAX_AUDIT_BATCH = 1000;

/**
 * Bytes a receiver lets a sender have in flight per stream before it must wait for credit. Credit goes back in quarter
 * windows: with 256 KB, a 1,000,000-row result (60 MB) took about 600 credit messages from `hoop connect` through the
 * gateway to the agent, about 200 with 1 MB. A relay tells each end the other's window (the gateway's routing).
 */
export const STREAM_WINDOW = 1024 * 1024;
/** Largest binary data frame payload. */
export const MAX_DATA_FRAME = 64 * 1024;
/** Largest text (JSON) frame accepted. */
export const MAX_TEXT_FRAME = 4 * 1024 * 1024;

/** WebSocket close code: the agent connected again over another socket, which replaces this one. */
export const CLOSE_REPLACED = 4000;
/** WebSocket close code: the agent's key is no longer accepted (rotated, or the agent deleted); retrying with it is futile. */
export const CLOSE_KEY_REVOKED = 4001;
/** WebSocket close code: the agent dialed one gateway (hello's `gateway`) and reached another; it holds or will dial that one itself. */
export const CLOSE_WRONG_GATEWAY = 4002;

/** A gateway as agents reach it: its id and its internal address (ws:// or wss://, HOOP_GATEWAY_INTERNAL_URL). */
export const GatewayAddress = z.object({
  id: z.string().min(1).max(100),
  url: z
    .string()
    .regex(/^wss?:\/\//)
    .max(2000),
});
export type GatewayAddress = z.infer<typeof GatewayAddress>;

/** `claude`: Claude Code's requests to the model API, through an anthropic connection */
export const ConnectionMode = z.enum(['connect', 'exec', 'mcp', 'claude']);
export type ConnectionMode = z.infer<typeof ConnectionMode>;

export const ConnectionType = z.enum(['postgres', 'ssh', 'command', 'mysql', 'http', 'anthropic', 'kubernetes']);
export type ConnectionType = z.infer<typeof ConnectionType>;

/** What the agent receives about a connection it serves. Secrets are references, resolved on the agent. */
export const AgentConnection = z.object({
  id: z.string(),
  name: z.string(),
  type: ConnectionType,
  config: z.record(z.string(), z.unknown()),
  secretRef: z.string().nullable(),
  /** only for secrets typed into the control plane: decrypted by the gateway for this agent alone */
  secret: z.string().nullable().optional(),
  readOnly: z.boolean(),
  policy: z.unknown().nullable(),
  policyVersion: z.number().int().nullable().optional(),
});
export type AgentConnection = z.infer<typeof AgentConnection>;

/** A stream id: binary data frames carry it as a u32, so a larger one could never be written (see encodeDataFrame). */
const StreamId = z.number().int().nonnegative().max(0xffff_ffff);

export const AuditEventBody = z.object({
  type: z.string().max(64),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditEventBody = z.infer<typeof AuditEventBody>;

const AuditFrame = z.object({ sessionId: z.string(), seq: z.number().int().nonnegative(), event: AuditEventBody });

const payloads = {
  hello: z.object({
    role: z.enum(['agent', 'client']),
    version: z.number().int(),
    capabilities: z.array(z.string()),
    software: z.string().optional(),
    hostname: z.string().optional(),
    /** agent → gateway: the gateway (id) this agent dialed; another gateway at that address refuses the tunnel */
    gateway: z.string().max(100).optional(),
  }),
  welcome: z.object({
    version: z.number().int(),
    capabilities: z.array(z.string()),
    heartbeatMs: z.number().int(),
    identity: z.object({ kind: z.enum(['agent', 'user']), id: z.string(), name: z.string() }),
    /** to agents: this gateway's id (several gateways share one database; an agent keeps a tunnel to each) */
    gatewayId: z.string().optional(),
    /** to agents: every live gateway and the address agents dial it at (this one included) */
    gateways: z.array(GatewayAddress).max(1000).optional(),
  }),
  /** gateway → agent: the live gateways changed (one started, or one stopped heart-beating) */
  gateways: z.object({ gateways: z.array(GatewayAddress).max(1000) }),
  ping: z.object({ t: z.number() }),
  pong: z.object({ t: z.number() }),
  config: z.object({ connections: z.array(AgentConnection) }),
  /** open a stream; client→gateway names the connection, gateway→agent adds the session and connection id */
  open: z.object({
    stream: StreamId,
    connection: z.string().min(1).max(200),
    mode: ConnectionMode,
    window: z.number().int().positive(),
    sessionId: z.string().optional(),
    connectionId: z.string().optional(),
    /** `groups`: the names of the user's hoop groups and `hoop:<role>` for each role held (Kubernetes impersonation) */
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), groups: z.array(z.string().max(200)).max(200).optional() }).optional(),
    clientInfo: z.record(z.string(), z.string()).optional(),
  }),
  opened: z.object({
    stream: StreamId,
    window: z.number().int().positive(),
    sessionId: z.string().optional(),
    connectionType: ConnectionType.optional(),
    /** for agent (mcp) sessions: what the connection's policy allows one tool call */
    limits: z.object({ maxRows: z.number().int(), maxBytes: z.number().int() }).optional(),
  }),
  open_error: z.object({ stream: StreamId, code: z.string(), message: z.string() }),
  credit: z.object({ stream: StreamId, bytes: z.number().int().positive() }),
  /** the sender will send no more data on this stream (half close) */
  end: z.object({ stream: StreamId }),
  /** the stream is gone in both directions */
  close: z.object({ stream: StreamId, reason: z.string().optional() }),
  audit: AuditFrame,
  /** agent → gateway: audit frames in the order they were sent, each as an `audit` message would carry it */
  audit_batch: z.object({ frames: z.array(AuditFrame).min(1).max(MAX_AUDIT_BATCH) }),
  audit_ack: z.object({ sessionId: z.string(), seq: z.number().int().nonnegative() }),
  error: z.object({ code: z.string(), message: z.string() }),
  /** agent → gateway: a statement of this session is held until reviewers approve it */
  review_request: z.object({
    /** the agent's handle for this hold; echoed in every review_update */
    ref: z.number().int().nonnegative(),
    sessionId: z.string(),
    /**
     * sha256 (hex) of what an approval is for: the exact statement text, with the values bound to it and the prepared
     * statements it runs by name when it has any
     */
    digest: z.string().regex(/^[0-9a-f]{64}$/),
    /** the statement as reviewers see it: masked like the audit trail */
    statement: z.string().max(64 * 1024),
    ruleId: z.string().max(200).nullable(),
    message: z.string().max(2000).nullable(),
    policyVersion: z.number().int().nullable(),
    /** re-attach to this earlier review instead of asking again (`hoop exec --review ID`) */
    reviewId: z.string().max(100).optional(),
  }),
  /** agent → gateway: the session holding this statement ended; `unused` returns an approval that arrived too late */
  review_cancel: z.object({ ref: z.number().int().nonnegative(), sessionId: z.string(), reviewId: z.string().optional(), unused: z.boolean().optional() }),
  /** gateway → agent: where a held statement stands */
  review_update: z.object({
    ref: z.number().int().nonnegative(),
    sessionId: z.string(),
    reviewId: z.string().optional(),
    /** approved: run it now (the approval is spent); pending: keep waiting; anything else: refuse it */
    status: z.enum(['pending', 'approved', 'rejected', 'expired', 'revoked', 'invalid', 'unavailable']),
    url: z.string().optional(),
    expiresAt: z.string().optional(),
    decidedBy: z.string().optional(),
    message: z.string().optional(),
  }),
  /** gateway → agent: reach this connection's target with the agent's credential and say what happened */
  probe: z.object({
    /** the gateway's handle for this test; echoed in probe_result */
    ref: z.number().int().nonnegative(),
    /** the connection as stored now (as in `config`), so a test right after a change tests the change */
    connection: AgentConnection,
    timeoutMs: z.number().int().min(1000).max(PROBE_TIMEOUT_MS),
  }),
  /** agent → gateway: what the test found; never carries the secret */
  probe_result: ProbeResult.extend({ ref: z.number().int().nonnegative() }),
} as const;

export type MessageType = keyof typeof payloads;
export type Payload<T extends MessageType> = z.infer<(typeof payloads)[T]>;
export type Envelope = { [K in MessageType]: { v: number; type: K; payload: Payload<K> } }[MessageType];

const envelopeBase = z.object({ v: z.number().int(), type: z.string(), payload: z.unknown() });

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStream = (v: unknown): v is number => isCount(v) && v <= 0xffff_ffff;

/**
 * The messages every statement or stream sends (an audit frame and its acknowledgement, credit, end, close) checked by
 * hand: what each returns is exactly what its schema's parse would (the same fields, unknown ones left out), and
 * anything it does not accept goes to the schema, which accepts it or says what is wrong with it.
 */
function auditFrame(p: Json): Payload<'audit'> | undefined {
  const e = p.event;
  if (typeof p.sessionId !== 'string' || !isCount(p.seq) || !isObject(e)) return undefined;
  if (typeof e.type !== 'string' || e.type.length > 64 || typeof e.at !== 'string') return undefined;
  // the schema copies a record key by key, and a key named __proto__ would not survive that copy
  if (!isObject(e.data) || Object.hasOwn(e.data, '__proto__')) return undefined;
  return { sessionId: p.sessionId, seq: p.seq, event: { type: e.type, at: e.at, data: e.data } };
}

const hot: Partial<Record<MessageType, (p: Json) => unknown>> = {
  audit: auditFrame,
  audit_batch: (p) => {
    const list = p.frames;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_AUDIT_BATCH) return undefined;
    const frames: Payload<'audit'>[] = [];
    for (const f of list) {
      const frame = isObject(f) ? auditFrame(f) : undefined;
      if (frame === undefined) return undefined;
      frames.push(frame);
    }
    return { frames };
  },
  audit_ack: (p) => (typeof p.sessionId === 'string' && isCount(p.seq) ? { sessionId: p.sessionId, seq: p.seq } : undefined),
  credit: (p) => (isStream(p.stream) && isCount(p.bytes) && p.bytes > 0 ? { stream: p.stream, bytes: p.bytes } : undefined),
  end: (p) => (isStream(p.stream) ? { stream: p.stream } : undefined),
  close: (p) => {
    if (!isStream(p.stream)) return undefined;
    if (p.reason === undefined) return { stream: p.stream };
    return typeof p.reason === 'string' ? { stream: p.stream, reason: p.reason } : undefined;
  },
};

function parseText(text: string): unknown {
  if (text.length > MAX_TEXT_FRAME) throw new ProtocolError('text frame too large');
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError('text frame is not JSON');
  }
}

/** Parse and validate a text frame. Unknown types are returned as null (ignored for forward compatibility). */
export function decodeEnvelope(text: string): Envelope | null {
  const json = parseText(text);
  if (isObject(json) && Number.isSafeInteger(json.v) && typeof json.type === 'string' && isObject(json.payload) && Object.hasOwn(hot, json.type)) {
    const payload = hot[json.type as MessageType]!(json.payload);
    if (payload !== undefined) return { v: json.v, type: json.type, payload } as Envelope;
  }
  return bySchema(json);
}

/** decodeEnvelope with every message checked by its schema (what the hand-written checks are held to) */
export function decodeEnvelopeBySchema(text: string): Envelope | null {
  return bySchema(parseText(text));
}

function bySchema(json: unknown): Envelope | null {
  const base = envelopeBase.safeParse(json);
  if (!base.success) throw new ProtocolError('text frame is not a hoop envelope');
  // own keys only: a type named after something on Object.prototype (`constructor`, `__proto__`) is unknown too
  if (!Object.hasOwn(payloads, base.data.type)) return null;
  const schema = (payloads as Record<string, z.ZodType>)[base.data.type]!;
  const parsed = schema.safeParse(base.data.payload);
  if (!parsed.success) throw new ProtocolError(`invalid ${base.data.type} message: ${parsed.error.issues[0]?.message ?? 'bad payload'}`);
  return { v: base.data.v, type: base.data.type, payload: parsed.data } as Envelope;
}

export function encodeEnvelope<T extends MessageType>(type: T, payload: Payload<T>): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type, payload });
}

/** The same envelope around a payload already in JSON (`JSON.stringify` of a `Payload<T>`), which is not encoded again. */
export function encodeEnvelopeJson(type: MessageType, payloadJson: string): string {
  return `{"v":${PROTOCOL_VERSION},"type":"${type}","payload":${payloadJson}}`;
}

/** Binary frame: [kind u8 = 1][stream u32 BE][data]. */
export const FRAME_DATA = 1;

export function encodeDataFrame(stream: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + data.length);
  out[0] = FRAME_DATA;
  out.writeUInt32BE(stream, 1);
  out.set(data, 5);
  return out;
}

export function decodeDataFrame(frame: Buffer): { stream: number; data: Buffer } {
  if (frame.length < 5 || frame[0] !== FRAME_DATA) throw new ProtocolError('malformed binary frame');
  if (frame.length - 5 > MAX_DATA_FRAME) throw new ProtocolError('binary frame too large');
  return { stream: frame.readUInt32BE(1), data: frame.subarray(5) };
}
