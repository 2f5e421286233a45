import type { Db, Prisma } from '@hoop/db';
import { claudeStats } from './claude-stats';
import { findVisibleSession } from './get-session';
import { httpRequestCounts } from './http-requests';
import { type SessionViewer, sessionScope } from './session-scope';
import { HTTP_TYPES } from './session-view';

export interface SessionSummaryFilters {
  connection?: string | null;
  user?: string | null;
  status?: string | null;
  limit?: number;
}

/** The sessions `hoop sessions` lists: those the viewer may see (session-scope.ts), newest first. */
export async function sessionSummaries(db: Db, user: SessionViewer, f: SessionSummaryFilters = {}) {
  const where: Prisma.SessionWhereInput = { ...sessionScope(user) };
  if (f.connection) where.connection = { name: f.connection };
  if (f.user) where.user = { email: f.user };
  if (f.status) where.status = f.status;
  const rows = await db.session.findMany({
    where,
    orderBy: { startedAt: 'desc' },
    take: Math.min(500, Math.max(1, f.limit || 50)),
    include: { user: { select: { email: true, isService: true } }, connection: { select: { name: true, type: true } } },
  });
  const requests = await httpRequestCounts(
    db,
    rows.filter((s) => HTTP_TYPES.has(s.connection.type)).map((s) => s.id),
  );
  const claude = await claudeStats(
    db,
    rows.filter((s) => s.mode === 'claude').map((s) => s.id),
  );
  return {
    sessions: rows.map((s) => ({
      id: s.id,
      user: s.user.email,
      serviceAccount: s.user.isService,
      connection: s.connection.name,
      mode: s.mode,
      status: s.status,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      events: s.eventCount,
      error: s.error,
      /** a Claude Code conversation's models, tokens and tool calls */
      claude: claude.get(s.id) ?? null,
      /** an http or kubernetes session's requests, of which refused and held for review */
      http: HTTP_TYPES.has(s.connection.type) ? { requests: requests.get(s.id) ?? 0, blocked: s.blockedCount, reviewed: s.reviewCount } : null,
    })),
  };
}

/** A session shown with its events (`hoop sessions get`): the first 10,000 (a longer one is exported whole). */
export async function sessionWithEvents(db: Db, user: SessionViewer, id: string) {
  const s = await findVisibleSession(db, user, id);
  const events = await db.auditEvent.findMany({
    where: { sessionId: s.id },
    orderBy: { seq: 'asc' },
    take: 10_000,
    select: { seq: true, type: true, at: true, data: true },
  });
  return {
    session: {
      id: s.id,
      user: s.user.email,
      serviceAccount: s.user.isService,
      reason: (s.clientInfo as { reason?: string }).reason ?? null,
      connection: s.connection.name,
      mode: s.mode,
      status: s.status,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      error: s.error,
    },
    events,
  };
}
