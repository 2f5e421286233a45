import { z } from 'zod';
import { HttpExchangeView, httpExchangeOf } from './http-exchange';

/**
 * Reads a session's audit events (as the agent wrote them: see apps/agent/src/postgres/relay.ts and ssh/server.ts)
 * into what the session page shows: a timeline of statements and commands with their decisions, review and file
 * events, and the terminal recording. Event data is JSON of no guaranteed shape: every field is read defensively.
 */

const Person = z.object({ name: z.string(), email: z.string() });

export const ReviewRef = z.object({
  id: z.string(),
  /** pending | approved | rejected | expired | revoked */
  status: z.string(),
  approvals: z.array(Person.extend({ at: z.date(), via: z.string() })),
  decidedBy: Person.nullable(),
  decidedAt: z.date().nullable(),
  note: z.string().nullable(),
});
export type ReviewRef = z.infer<typeof ReviewRef>;

const Base = { seq: z.number().int(), at: z.date() };

export const StatementPart = z.object({ text: z.string(), kind: z.string().nullable(), action: z.string().nullable(), ruleId: z.string().nullable() });

export const TimelineEntry = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('statement'),
    ...Base,
    /** sql: a statement of a database session; shell: a command line of a terminal or exec session; http: a request */
    lang: z.enum(['sql', 'shell', 'http']),
    text: z.string(),
    /** allow | deny | review | approved */
    decision: z.string(),
    ruleId: z.string().nullable(),
    reason: z.string().nullable(),
    /** null when the event does not say */
    executed: z.boolean().nullable(),
    /** recorded when it was held for review (the run after an approval is another entry) */
    held: z.boolean(),
    parts: z.array(StatementPart),
    tags: z.array(z.string()),
    rows: z.number().nullable(),
    bytes: z.number().nullable(),
    durationMs: z.number().nullable(),
    error: z.string().nullable(),
    masked: z.record(z.string(), z.number()),
    reviewId: z.string().nullable(),
    /** shell commands refused after a review: how the review ended */
    reviewStatus: z.string().nullable(),
    review: ReviewRef.nullable(),
    /** an http request: status, sizes, bodies */
    http: HttpExchangeView.nullable().optional(),
  }),
  z.object({
    kind: z.literal('review'),
    ...Base,
    phase: z.enum(['requested', 'decided']),
    reviewId: z.string().nullable(),
    status: z.string().nullable(),
    decidedBy: z.string().nullable(),
    message: z.string().nullable(),
    url: z.string().nullable(),
  }),
  z.object({ kind: z.literal('file'), ...Base, op: z.string(), path: z.string(), to: z.string().nullable() }),
  z.object({ kind: z.literal('exit'), ...Base, code: z.number().nullable(), signal: z.string().nullable() }),
  z.object({
    kind: z.literal('event'),
    ...Base,
    type: z.string(),
    summary: z.string(),
    tone: z.enum(['neutral', 'red', 'amber', 'green']),
  }),
]);
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export type StatementEntry = Extract<TimelineEntry, { kind: 'statement' }>;

export const Recording = z.object({
  cols: z.number().int(),
  rows: z.number().int(),
  term: z.string(),
  /** asciicast v2 frames: [seconds since the session started, "o" output | "r" resize ("COLSxROWS"), data] */
  frames: z.array(z.tuple([z.number(), z.enum(['o', 'r']), z.string()])),
  /** seconds from the start to the last frame */
  duration: z.number(),
});
export type Recording = z.infer<typeof Recording>;

export interface RawEvent {
  seq: number;
  type: string;
  at: Date;
  data: unknown;
}

type Data = Record<string, unknown>;
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** `{ email: 3, … }` with only positive counts. */
export function maskedCounts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(obj(v))) if (typeof n === 'number' && Number.isFinite(n) && n > 0) out[k] = n;
  return out;
}

function addCounts(into: Record<string, number>, add: Record<string, number>): void {
  for (const [k, n] of Object.entries(add)) into[k] = (into[k] ?? 0) + n;
}

/** Review ids the events mention, to look the reviews up. */
export function reviewIdsIn(events: RawEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    const id = str(obj(e.data).reviewId);
    if (id) ids.add(id);
  }
  return [...ids];
}

const parts = (v: unknown) =>
  (Array.isArray(v) ? v : []).map((p) => {
    const d = obj(p);
    return { text: str(d.text) ?? '', kind: str(d.kind), action: str(d.action), ruleId: str(d.ruleId) };
  });

/** One line about an event the timeline shows as it is (session lifecycle, refusals, errors). */
function summarize(type: string, d: Data): { summary: string; tone: 'neutral' | 'red' | 'amber' | 'green' } {
  switch (type) {
    case 'session.open': {
      const client = str(obj(d.client).client);
      return {
        summary:
          `Opened ${str(d.connection) ?? 'the connection'}${str(d.type) ? ` (${str(d.type)})` : ''}` +
          `${d.readOnly === true ? ', read-only' : ''}${client ? ` from ${client}` : ''}`,
        tone: 'neutral',
      };
    }
    case 'session.ready':
      return { summary: `Logged into ${str(d.database) ?? 'the database'}${str(d.targetHost) ? ` on ${str(d.targetHost)}` : ''}`, tone: 'neutral' };
    case 'session.close': {
      const n = num(d.statements) ?? num(d.commands);
      const what = d.commands !== undefined ? 'command' : 'statement';
      return { summary: `Closed: ${str(d.reason) ?? 'ended'}${n !== null ? ` · ${n} ${what}${n === 1 ? '' : 's'}` : ''}`, tone: 'neutral' };
    }
    case 'term.start':
      return { summary: `Terminal ${num(d.cols) ?? '?'}×${num(d.rows) ?? '?'} (${str(d.term) ?? 'unknown type'})`, tone: 'neutral' };
    case 'error':
      return { summary: `Error${str(d.stage) ? ` (${str(d.stage)})` : ''}: ${str(d.message) ?? 'no message'}`, tone: 'red' };
    case 'cancel':
      return { summary: d.found === false ? 'Cancel request for a query that was no longer running' : 'Running query cancelled by the client', tone: 'amber' };
    case 'forward.refused':
      return {
        summary: `Port forwarding refused (${str(d.kind) ?? 'forward'}${str(d.to) ? ` to ${str(d.to)}` : str(d.bind) ? ` on ${str(d.bind)}` : ''})`,
        tone: 'red',
      };
    case 'subsystem.refused':
      return { summary: `Subsystem ${str(d.name) ?? '?'} refused`, tone: 'red' };
    case 'sftp.start':
      return { summary: 'File transfer (SFTP) started', tone: 'neutral' };
    case 'mysql.login': {
      // the target's greeting (version, thread id) and what the client asked for (its user name, its database)
      const v = str(d.serverVersion);
      const server = v ? (/mariadb/i.test(v) ? `MariaDB ${v.replace(/-MariaDB.*$/i, '')}` : `MySQL ${v}`) : 'the server';
      const facts = [
        num(d.threadId) !== null ? `thread ${num(d.threadId)}` : null,
        str(d.database) ? `database ${str(d.database)}` : null,
        str(d.user) ? `client user ${str(d.user)}` : null,
      ].filter(Boolean);
      return { summary: `Logged into ${server}${facts.length ? ` · ${facts.join(' · ')}` : ''}`, tone: 'neutral' };
    }
    case 'mysql.local_infile': {
      if (d.refused === true) return { summary: `LOAD DATA LOCAL file ${str(d.file) ?? '?'} refused${str(d.reason) ? `: ${str(d.reason)}` : ''}`, tone: 'red' };
      const sha = str(d.sha256);
      return {
        summary: `LOAD DATA LOCAL sent ${str(d.file) ?? 'a file'} (${num(d.bytes) ?? '?'} bytes${sha ? `, sha256 ${sha.slice(0, 16)}…` : ''})`,
        tone: 'amber',
      };
    }
    case 'target.hostkey':
      return { summary: `Target host key ${str(d.fingerprint) ?? '?'}${d.pinned ? ' (pinned)' : ''}`, tone: 'neutral' };
    default:
      return { summary: JSON.stringify(d).slice(0, 300), tone: 'neutral' };
  }
}

const HIDDEN = new Set(['term.output', 'term.resize']);

export interface SessionEvents {
  timeline: TimelineEntry[];
  recording: Recording | null;
  /** masked values by type over the whole session */
  masked: Record<string, number>;
}

/**
 * The timeline and recording of a session. A held statement gets the id of the review requested right after it;
 * every entry that names a review gets the review itself (who approved, when) from `reviews`.
 */
export function readSessionEvents(events: RawEvent[], reviews: Map<string, ReviewRef> = new Map()): SessionEvents {
  const timeline: TimelineEntry[] = [];
  const frames: Recording['frames'] = [];
  let start: Data | null = null;
  const closing: Record<string, number> = {};
  let closed = false;
  const fromStatements: Record<string, number> = {};
  let waitingForReview: StatementEntry | null = null;
  let lastRequested: string | null = null;

  for (const e of events) {
    const d = obj(e.data);
    const base = { seq: e.seq, at: e.at };
    if (e.type === 'term.output' || e.type === 'term.resize') {
      const t = num(d.t);
      if (t === null) continue;
      if (e.type === 'term.output' && typeof d.d === 'string') frames.push([t, 'o', d.d]);
      else if (e.type === 'term.resize' && num(d.cols) && num(d.rows)) frames.push([t, 'r', `${num(d.cols)}x${num(d.rows)}`]);
      continue;
    }
    if (e.type === 'term.start') start = d;
    if (e.type === 'statement' || e.type === 'command') {
      const http = e.type === 'statement' ? httpExchangeOf(d) : null;
      const lang = http ? 'http' : e.type === 'statement' ? 'sql' : 'shell';
      const decision = str(d.decision) ?? 'allow';
      const masked = maskedCounts(d.masked);
      addCounts(fromStatements, masked);
      let reviewId = str(d.reviewId);
      if (!reviewId && lang === 'shell' && decision === 'review') reviewId = lastRequested;
      const entry: StatementEntry = {
        kind: 'statement',
        ...base,
        lang,
        text: str(d.sql) ?? str(d.command) ?? '',
        decision,
        ruleId: str(d.ruleId),
        reason: str(d.reason),
        executed: bool(d.executed),
        held: d.held === true,
        parts: parts(d.statements),
        tags: strings(d.tags),
        rows: num(d.rows),
        bytes: num(d.bytes),
        durationMs: num(d.durationMs),
        error: str(d.error),
        masked,
        reviewId,
        reviewStatus: str(d.reviewStatus),
        review: reviewId ? (reviews.get(reviewId) ?? null) : null,
        ...(http ? { http } : {}),
      };
      timeline.push(entry);
      if (entry.held) waitingForReview = entry;
      continue;
    }
    if (e.type === 'review.requested' || e.type === 'review.decided') {
      const reviewId = str(d.reviewId);
      if (e.type === 'review.requested') {
        lastRequested = reviewId;
        if (waitingForReview && !waitingForReview.reviewId && reviewId) {
          waitingForReview.reviewId = reviewId;
          waitingForReview.review = reviews.get(reviewId) ?? null;
        }
        waitingForReview = null;
      }
      timeline.push({
        kind: 'review',
        ...base,
        phase: e.type === 'review.requested' ? 'requested' : 'decided',
        reviewId,
        status: str(d.status) ?? (e.type === 'review.requested' ? 'pending' : null),
        decidedBy: str(d.decidedBy),
        message: str(d.message),
        url: str(d.url),
      });
      continue;
    }
    if (e.type === 'file') {
      timeline.push({ kind: 'file', ...base, op: str(d.op) ?? 'file', path: str(d.path) ?? '', to: str(d.to) });
      continue;
    }
    if (e.type === 'exit') {
      timeline.push({ kind: 'exit', ...base, code: num(d.code), signal: str(d.signal) });
      continue;
    }
    if (e.type === 'session.close' && d.masked !== undefined) {
      closed = true;
      addCounts(closing, maskedCounts(d.masked));
    }
    if (!HIDDEN.has(e.type)) timeline.push({ kind: 'event', ...base, type: e.type, ...summarize(e.type, d) });
  }

  frames.sort((a, b) => a[0] - b[0]);
  const recording: Recording | null =
    start || frames.length > 0
      ? { cols: num(start?.cols) ?? 80, rows: num(start?.rows) ?? 24, term: str(start?.term) ?? 'xterm-256color', frames, duration: frames.at(-1)?.[0] ?? 0 }
      : null;
  return { timeline, recording, masked: closed ? closing : fromStatements };
}
