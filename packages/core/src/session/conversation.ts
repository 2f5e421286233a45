import { z } from 'zod';
import { Message, newSince, readRequest } from './conversation-messages';
import type { RawEvent, ReviewRef } from './session-events';
import { ReviewRef as ReviewRefSchema } from './session-events';

/**
 * A Claude Code conversation (a session of mode claude) read from its audit events, exchange by exchange: what the
 * request added to the conversation (the user's turn, the tools' results), the model's answer, the tool calls with the
 * guard's decisions, tokens, timings and failures. The agent writes the events (apps/agent/src/anthropic/exchanges.ts):
 * `model.request`, `model.response`, `model.error`, `model.abort`, `model.tool_use`. Their data is JSON of no promised
 * shape: every field is read defensively, and a body that is not JSON is shown as text.
 */

export const MODEL_EVENTS = ['model.request', 'model.response', 'model.error', 'model.abort', 'model.tool_use'] as const;

export const Usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
});

export const GuardDecision = z.object({
  seq: z.number().int(),
  /** allow | deny | review */
  verdict: z.string(),
  rule: z.string().nullable(),
  /** passed | blocked | approved | rejected | expired */
  outcome: z.string().nullable(),
  /** why, when the guard says more than its rule (a call cut off, a review abandoned) */
  reason: z.string().nullable(),
  reviewId: z.string().nullable(),
  review: ReviewRefSchema.nullable(),
});

export const ToolCall = z.object({
  id: z.string(),
  name: z.string(),
  /** the input as the model wrote it (JSON text) */
  input: z.string(),
  guard: GuardDecision.nullable(),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const ExchangeView = z.object({
  exchange: z.number().int(),
  /** the first event of the exchange */
  seq: z.number().int(),
  at: z.date(),
  method: z.string(),
  path: z.string(),
  /** messages: a Messages request; count_tokens; models: the model list; other */
  kind: z.enum(['messages', 'count_tokens', 'models', 'other']),
  model: z.string().nullable(),
  request: z
    .object({
      seq: z.number().int(),
      bytes: z.number(),
      /** only the first 64 KB of the body are in the trail */
      truncated: z.boolean(),
      /** the recorded body was JSON as far as it goes */
      parsed: z.boolean(),
      /** messages the record holds */
      messages: z.number().int(),
      /** of which sent before (in the request this one continues) */
      earlier: z.number().int(),
      /** what this request added: the messages after the earlier ones */
      turn: z.array(Message),
      /** the record ends before the end of the messages: the rest of the turn is not in the trail */
      cut: z.boolean(),
      /** the exchange whose request this one continues (null: a thread of its own, such as a title request) */
      continues: z.number().int().nullable(),
      /** the history the continued request had was rewritten (e.g. compacted) */
      rewritten: z.boolean(),
      /** the body as text when it is not JSON (clipped) */
      raw: z.string().nullable(),
    })
    .nullable(),
  response: z
    .object({
      status: z.number().int(),
      ms: z.number().nullable(),
      firstByteMs: z.number().nullable(),
      stopReason: z.string().nullable(),
      usage: Usage.nullable(),
      text: z.string(),
      bytes: z.number().nullable(),
      error: z.object({ type: z.string(), message: z.string() }).nullable(),
      /** the body as text when the trail has no summary of it (clipped) */
      raw: z.string().nullable(),
    })
    .nullable(),
  /** the model's tool calls, each with the guard's decision when it judged it */
  toolCalls: z.array(ToolCall),
  /** the exchange failed in hoop's part of the path (error) or the client or stream went away (abort) */
  failure: z.object({ kind: z.enum(['error', 'abort']), message: z.string(), ms: z.number().nullable() }).nullable(),
});
export type ExchangeView = z.infer<typeof ExchangeView>;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const count = (v: unknown): number => Math.max(0, num(v) ?? 0);

/** The exchange an event belongs to (null: none, or not a number). */
export const exchangeOf = (data: unknown): number | null => {
  const x = num(obj(data).exchange);
  return x !== null && Number.isInteger(x) ? x : null;
};

const RAW = 4_000;
const clipRaw = (s: string) => (s.length > RAW ? `${s.slice(0, RAW)}…` : s);

function kindOf(path: string): ExchangeView['kind'] {
  const p = path.split('?')[0] ?? '';
  if (p.endsWith('/messages/count_tokens')) return 'count_tokens';
  if (p.endsWith('/messages')) return 'messages';
  if (/\/models(\/|$)/.test(p)) return 'models';
  return 'other';
}

function usageOf(v: unknown): z.infer<typeof Usage> | null {
  const u = obj(v);
  if (Object.keys(u).length === 0) return null;
  return {
    inputTokens: count(u.inputTokens),
    outputTokens: count(u.outputTokens),
    cacheReadInputTokens: count(u.cacheReadInputTokens),
    cacheCreationInputTokens: count(u.cacheCreationInputTokens),
  };
}

/** An earlier request's message keys, to find where a later request's new messages start. */
export interface EarlierRequest {
  exchange: number;
  keys: string[];
}

/** Earlier requests a request is compared with (Claude Code's side requests come between a conversation's own). */
export const COMPARED = 4;

/**
 * The exchanges of `events` (model events and review requests of one session, by seq), in the order they began.
 * `before`: the requests of the exchanges before these (oldest first), so the first ones here show only what is new.
 */
export function readConversation(events: RawEvent[], before: EarlierRequest[] = [], reviews: Map<string, ReviewRef> = new Map()): ExchangeView[] {
  const byId = new Map<number, ExchangeView>();
  const order: ExchangeView[] = [];
  const requested: { seq: number; reviewId: string; used: boolean }[] = [];
  const earlier = [...before];
  const get = (id: number, e: RawEvent) => {
    let x = byId.get(id);
    if (!x) {
      x = { exchange: id, seq: e.seq, at: e.at, method: '', path: '', kind: 'other', model: null, request: null, response: null, toolCalls: [], failure: null };
      byId.set(id, x);
      order.push(x);
    }
    return x;
  };

  for (const e of events) {
    const d = obj(e.data);
    if (e.type === 'review.requested') {
      const reviewId = str(d.reviewId);
      if (reviewId) requested.push({ seq: e.seq, reviewId, used: false });
      continue;
    }
    const id = exchangeOf(d);
    if (id === null) continue;
    const x = get(id, e);
    switch (e.type) {
      case 'model.request': {
        x.method = str(d.method) ?? '';
        x.path = str(d.path) ?? '';
        x.kind = kindOf(x.path);
        x.model = str(d.model) ?? x.model;
        const body = str(d.body) ?? '';
        const read = x.kind === 'messages' ? readRequest(body) : null;
        const since = read
          ? newSince(
              read.keys,
              earlier.slice(-COMPARED).map((r) => r.keys),
            )
          : null;
        const continues = since?.continues != null ? (earlier.slice(-COMPARED)[since.continues]?.exchange ?? null) : null;
        if (read) earlier.push({ exchange: id, keys: read.keys });
        x.request = {
          seq: e.seq,
          bytes: count(d.bytes),
          truncated: d.truncated === true,
          parsed: read?.parsed ?? false,
          messages: read?.messages.length ?? 0,
          earlier: since?.from ?? 0,
          turn: read ? read.messages.slice(since?.from ?? 0) : [],
          cut: read?.cut ?? false,
          continues,
          rewritten: since?.rewritten ?? false,
          raw: read?.parsed || body === '' || x.kind !== 'messages' ? null : clipRaw(body),
        };
        break;
      }
      case 'model.response': {
        const err = obj(d.error);
        const summarized = 'usage' in d || 'stopReason' in d;
        x.model = str(d.model) ?? x.model;
        x.response = {
          status: count(d.status),
          ms: num(d.ms),
          firstByteMs: num(d.firstByteMs),
          stopReason: str(d.stopReason),
          usage: usageOf(d.usage),
          text: str(d.text) ?? '',
          bytes: num(d.bytes),
          error: str(err.message) !== null || str(err.type) !== null ? { type: str(err.type) ?? 'error', message: str(err.message) ?? '' } : null,
          raw: summarized || typeof d.body !== 'string' || d.body === '' ? null : clipRaw(d.body),
        };
        for (const t of Array.isArray(d.toolUses) ? d.toolUses : []) {
          const u = obj(t);
          const toolId = str(u.id) ?? '';
          const known = toolId ? x.toolCalls.find((c) => c.id === toolId) : undefined;
          if (known) continue;
          x.toolCalls.push({ id: toolId, name: str(u.name) ?? '?', input: str(u.input) ?? '', guard: null });
        }
        break;
      }
      case 'model.tool_use': {
        const toolId = str(d.toolUseId) ?? '';
        const verdict = str(d.verdict) ?? 'allow';
        let reviewId = str(d.reviewId);
        if (!reviewId && verdict === 'review') {
          // the review this call was held for: the latest one requested before its decision was recorded
          let r: (typeof requested)[number] | undefined;
          for (const q of requested) if (!q.used && q.seq < e.seq) r = q;
          if (r) {
            r.used = true;
            reviewId = r.reviewId;
          }
        }
        const guard = {
          seq: e.seq,
          verdict,
          rule: str(d.rule),
          outcome: str(d.outcome),
          reason: str(d.reason) ?? str(d.abandoned),
          reviewId,
          review: reviewId ? (reviews.get(reviewId) ?? null) : null,
        };
        const input = typeof d.input === 'string' ? d.input : d.input === undefined ? '' : JSON.stringify(d.input);
        const known = toolId ? x.toolCalls.find((c) => c.id === toolId) : undefined;
        if (known) known.guard = guard;
        else x.toolCalls.push({ id: toolId, name: str(d.tool) ?? '?', input, guard });
        break;
      }
      case 'model.error':
        x.failure = { kind: 'error', message: str(d.message) ?? 'the exchange failed', ms: num(d.ms) };
        break;
      case 'model.abort':
        x.failure ??= { kind: 'abort', message: str(d.reason) ?? 'aborted', ms: null };
        break;
      default:
    }
  }
  return order;
}
