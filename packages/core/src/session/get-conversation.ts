import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { COMPARED, type EarlierRequest, ExchangeView, exchangeOf, MODEL_EVENTS, readConversation } from './conversation';
import { Message, readRequest } from './conversation-messages';
import { findVisibleSession, reviewsOf } from './get-session';
import type { RawEvent } from './session-events';
import type { SessionViewer } from './session-scope';

/**
 * A Claude Code conversation's page of exchanges. A long conversation has thousands of events, each request holding up
 * to 64 KB of the history Claude Code resends: the page reads a small index of the session's model events (seq, type,
 * exchange), then the events of its exchanges only, with the few requests just before them to tell what is new. An
 * answer's body is left out when its summary is there. `getExchangeRequest` gives one request whole, as recorded.
 */

export const ConversationInput = z.object({
  id: z.string().trim().min(1).max(100),
  page: z.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
});
export type ConversationInput = z.input<typeof ConversationInput>;

export const ConversationPage = z.object({
  exchanges: z.array(ExchangeView),
  /** exchanges in the whole conversation */
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});
export type ConversationPage = z.infer<typeof ConversationPage>;

const LISTED = [...MODEL_EVENTS, 'review.requested'];

interface IndexRow {
  seq: number;
  type: string;
  exchange: unknown;
}

interface Group {
  exchange: number;
  seqs: number[];
  request: number | null;
}

/** The session's exchanges in the order they began, each with the seqs of its events. */
async function exchangeIndex(db: Db, sessionId: string): Promise<{ groups: Group[]; reviews: number[] }> {
  const rows = await db.$queryRawUnsafe<IndexRow[]>(
    `SELECT e.seq, e.type, e.data->'exchange' AS exchange FROM audit_events e
     WHERE e.session_id = $1::uuid AND e.type = ANY($2::text[]) ORDER BY e.seq`,
    sessionId,
    LISTED,
  );
  const groups = new Map<number, Group>();
  const reviews: number[] = [];
  for (const r of rows) {
    if (r.type === 'review.requested') {
      reviews.push(r.seq);
      continue;
    }
    const id = exchangeOf({ exchange: r.exchange });
    if (id === null) continue;
    let g = groups.get(id);
    if (!g) {
      g = { exchange: id, seqs: [], request: null };
      groups.set(id, g);
    }
    g.seqs.push(r.seq);
    if (r.type === 'model.request' && g.request === null) g.request = r.seq;
  }
  return { groups: [...groups.values()], reviews };
}

/** These events of the session, in order; an answer's body only when the trail has no summary of it. */
async function eventsAt(db: Db, sessionId: string, seqs: number[]): Promise<RawEvent[]> {
  if (seqs.length === 0) return [];
  return db.$queryRawUnsafe<RawEvent[]>(
    `SELECT e.seq, e.type, e.at,
       CASE WHEN e.type = 'model.response' AND (e.data ? 'usage' OR e.data ? 'stopReason') THEN e.data - 'body' ELSE e.data END AS data
     FROM audit_events e WHERE e.session_id = $1::uuid AND e.seq = ANY($2::int[]) ORDER BY e.seq`,
    sessionId,
    seqs,
  );
}

const notClaude = (id: string) => new AppError('invalid', `Session ${id} is not a Claude Code conversation.`);

export async function getConversation(db: Db, user: SessionViewer, input: ConversationInput): Promise<ConversationPage> {
  const q = parseInput(ConversationInput, input);
  const s = await findVisibleSession(db, user, q.id);
  if (s.mode !== 'claude') throw notClaude(q.id);
  const { groups, reviews: reviewSeqs } = await exchangeIndex(db, s.id);
  const start = (q.page - 1) * q.pageSize;
  const page = groups.slice(start, start + q.pageSize);
  // the requests just before the page: what its first exchanges repeat of them is not new
  const before = groups
    .slice(0, start)
    .flatMap((g) => (g.request === null ? [] : [g]))
    .slice(-COMPARED);
  const first = page[0]?.seqs[0] ?? Number.POSITIVE_INFINITY;
  const last = page.at(-1)?.seqs.at(-1) ?? -1;
  const reviews = reviewSeqs.filter((r) => r >= first && r <= last);
  const events = await eventsAt(db, s.id, [...before.map((g) => g.request!), ...page.flatMap((g) => g.seqs), ...reviews]);
  const earlier: EarlierRequest[] = [];
  const onPage = new Set(page.flatMap((g) => g.seqs));
  for (const e of events) {
    if (onPage.has(e.seq) || e.type !== 'model.request') continue;
    const d = e.data as { body?: unknown };
    const id = exchangeOf(e.data);
    if (id !== null) earlier.push({ exchange: id, keys: readRequest(typeof d.body === 'string' ? d.body : '', 0).keys });
  }
  const listed = events.filter((e) => onPage.has(e.seq) || e.type === 'review.requested');
  const exchanges = readConversation(listed, earlier, await reviewsOf(db, s.orgId, listed));
  return { exchanges, total: groups.length, page: q.page, pageSize: q.pageSize };
}

export const ExchangeRequestInput = z.object({ id: z.string().trim().min(1).max(100), seq: z.number().int().min(0) });

export const ExchangeRequest = z.object({
  seq: z.number().int(),
  exchange: z.number().int().nullable(),
  method: z.string(),
  path: z.string(),
  model: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  /** the body as recorded (its first 64 KB) */
  body: z.string(),
  bytes: z.number(),
  truncated: z.boolean(),
  sha256: z.string().nullable(),
  /** the recorded body read as JSON (parsed: false when it is not) */
  parsed: z.boolean(),
  messages: z.array(Message),
  cut: z.boolean(),
  system: z.string().nullable(),
});
export type ExchangeRequest = z.infer<typeof ExchangeRequest>;

/** One request of a conversation as the trail holds it: every message of its record, unclipped, and its raw text. */
export async function getExchangeRequest(db: Db, user: SessionViewer, input: z.input<typeof ExchangeRequestInput>): Promise<ExchangeRequest> {
  const q = parseInput(ExchangeRequestInput, input);
  const s = await findVisibleSession(db, user, q.id);
  if (s.mode !== 'claude') throw notClaude(q.id);
  const [e] = await db.$queryRawUnsafe<RawEvent[]>(
    `SELECT e.seq, e.type, e.at, e.data FROM audit_events e WHERE e.session_id = $1::uuid AND e.seq = $2 AND e.type = 'model.request'`,
    s.id,
    q.seq,
  );
  if (!e) throw new AppError('not_found', `Session ${q.id} has no model request at event ${q.seq}.`);
  const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const body = text(d.body);
  const read = readRequest(body, Number.POSITIVE_INFINITY);
  const headers = Object.fromEntries(
    Object.entries(d.headers && typeof d.headers === 'object' ? (d.headers as Record<string, unknown>) : {}).filter(
      (h): h is [string, string] => typeof h[1] === 'string',
    ),
  );
  return {
    seq: e.seq,
    exchange: exchangeOf(d),
    method: text(d.method),
    path: text(d.path),
    model: text(d.model) || null,
    headers,
    body,
    bytes: typeof d.bytes === 'number' ? d.bytes : body.length,
    truncated: d.truncated === true,
    sha256: text(d.sha256) || null,
    parsed: read.parsed,
    messages: read.messages,
    cut: read.cut,
    system: read.system,
  };
}
