import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError } from '../errors';
import { withClaudeStats } from './claude-stats';
import { MODEL_EVENTS } from './conversation';
import { readSessionEvents, Recording, type RawEvent, type ReviewRef, reviewIdsIn, TimelineEntry } from './session-events';
import { isUuid, seesAllSessions, type SessionViewer, sessionScope } from './session-scope';
import { clientFields, countsOf, kindOf, SessionListItem } from './session-view';

export const SessionIdInput = z.object({ id: z.string().trim().min(1).max(100) });

/** A session page shows at most this many events (a longer session is exported whole). */
export const MAX_EVENTS = 10_000;

export const SessionDetail = SessionListItem.extend({
  agent: z.string().nullable(),
  /** masked values by type (email, card, …) over the session */
  maskedByType: z.record(z.string(), z.number()),
  timeline: z.array(TimelineEntry),
  recording: Recording.nullable(),
  events: z.number().int(),
  /** more than MAX_EVENTS events: the page shows the first ones */
  truncated: z.boolean(),
  /** the viewer may verify this session's hashes (admin, auditor) */
  canVerify: z.boolean(),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

const notFound = (id: string) => new AppError('not_found', `Session ${id} does not exist or is not yours to see.`);

/** A session this user may see (else `not_found`, whether it does not exist or is someone else's). */
export async function findVisibleSession(db: Db, user: SessionViewer, id: string) {
  if (!isUuid(id)) throw notFound(id);
  const s = await db.session.findFirst({
    where: { ...sessionScope(user), id },
    include: {
      user: { select: { name: true, email: true, isService: true } },
      connection: { select: { name: true, type: true } },
      agent: { select: { name: true } },
    },
  });
  if (!s) throw notFound(id);
  return s;
}

/** One session with its timeline and terminal recording, for the session page (and its live view, polled). */
export async function getSessionDetail(db: Db, user: SessionViewer, id: string): Promise<SessionDetail> {
  const s = await findVisibleSession(db, user, id);
  // a conversation's exchanges are read a page at a time (get-conversation.ts): its timeline is the rest
  const rows = await db.auditEvent.findMany({
    where: { sessionId: s.id, ...(s.mode === 'claude' ? { type: { notIn: [...MODEL_EVENTS] } } : {}) },
    orderBy: { seq: 'asc' },
    take: MAX_EVENTS + 1,
    select: { seq: true, type: true, at: true, data: true },
  });
  const events: RawEvent[] = rows.slice(0, MAX_EVENTS);
  const reviews = await reviewsOf(db, s.orgId, events);
  const total = rows.length > MAX_EVENTS || s.mode === 'claude' ? s.eventCount : rows.length;
  const read = readSessionEvents(events, reviews);
  const [item] = await withClaudeStats(db, [{ id: s.id, mode: s.mode, ...countsOf(s) }]);
  const kind = kindOf(s.connection.type);
  // an http request is one statement when it ends; the one recorded when it was held is not another request
  if (kind === 'http' && rows.length <= MAX_EVENTS)
    item!.statements = events.filter((e) => e.type === 'statement' && (e.data as { held?: unknown })?.held !== true).length;
  return {
    id: s.id,
    user: s.user,
    connection: s.connection,
    kind,
    mode: s.mode,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    statements: item!.statements,
    blocked: item!.blocked,
    masked: item!.masked,
    reviews: item!.reviews,
    claude: item!.claude,
    ...clientFields(s.clientInfo),
    error: s.error,
    agent: s.agent?.name ?? null,
    maskedByType: read.masked,
    timeline: read.timeline,
    recording: read.recording,
    events: total,
    truncated: rows.length > MAX_EVENTS,
    canVerify: seesAllSessions(user),
  };
}

/** The reviews the events name, with who approved them and when (only reviews of the session's org). */
export async function reviewsOf(db: Db, orgId: string, events: RawEvent[]): Promise<Map<string, ReviewRef>> {
  const ids = reviewIdsIn(events).filter(isUuid);
  if (ids.length === 0) return new Map();
  const reviews = await db.review.findMany({
    where: { orgId, id: { in: ids } },
    include: { votes: { include: { user: { select: { id: true, name: true, email: true } } }, orderBy: { at: 'asc' } } },
  });
  const people = new Map<string, { name: string; email: string }>();
  for (const r of reviews) for (const v of r.votes) people.set(v.userId, { name: v.user.name, email: v.user.email });
  // an admin who revoked a request cast no vote
  const unnamed = [...new Set(reviews.map((r) => r.decidedById).filter((x): x is string => Boolean(x) && !people.has(x!)))];
  if (unnamed.length)
    for (const u of await db.user.findMany({ where: { id: { in: unnamed }, orgId }, select: { id: true, name: true, email: true } }))
      people.set(u.id, { name: u.name, email: u.email });
  return new Map(
    reviews.map((r): [string, ReviewRef] => [
      r.id,
      {
        id: r.id,
        status: r.status,
        approvals: r.votes.filter((v) => v.decision === 'approve').map((v) => ({ name: v.user.name, email: v.user.email, at: v.at, via: v.via })),
        decidedBy: r.decidedById ? (people.get(r.decidedById) ?? null) : null,
        decidedAt: r.decidedAt,
        note: r.decisionNote,
      },
    ]),
  );
}
