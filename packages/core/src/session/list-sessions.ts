import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { PageInput, pageOf } from '../paging';
import { withClaudeStats } from './claude-stats';
import { httpRequestCounts } from './http-requests';
import { SESSION_FROM, SessionFilters, sessionWhere, type SqlWhere } from './session-filters';
import type { SessionViewer } from './session-scope';
import { clientFields, countsOf, kindOf, SessionListItem } from './session-view';

export const ListSessionsInput = PageInput.extend(SessionFilters.shape);
export type ListSessionsInput = z.input<typeof ListSessionsInput>;

/** Counting stops here: past it the page says "10,000+" instead of scanning the whole trail for an exact number. */
export const COUNT_CAP = 10_000;

export const SessionListPage = pageOf(SessionListItem).extend({
  /** more sessions match than `total` says (the count stopped at COUNT_CAP) */
  totalIsLowerBound: z.boolean(),
});
export type SessionListPage = z.infer<typeof SessionListPage>;

/** The org's sessions this user may see, newest first, a page at a time. */
export async function listSessions(db: Db, user: SessionViewer, input: ListSessionsInput = {}): Promise<SessionListPage> {
  const q = parseInput(ListSessionsInput, input);
  const where = sessionWhere(user, q);
  const [ids, total] = await Promise.all([sessionIdsPage(db, where, q.pageSize, (q.page - 1) * q.pageSize), countSessions(db, where)]);
  return { items: await sessionItems(db, ids), total: Math.min(total, COUNT_CAP), totalIsLowerBound: total > COUNT_CAP, page: q.page, pageSize: q.pageSize };
}

export async function sessionIdsPage(db: Db, where: SqlWhere, limit: number, offset: number): Promise<string[]> {
  const n = where.params.length;
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT s.id::text AS id FROM ${SESSION_FROM}\nWHERE ${where.sql}\nORDER BY s.started_at DESC, s.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
    ...where.params,
    limit,
    offset,
  );
  return rows.map((r) => r.id);
}

async function countSessions(db: Db, where: SqlWhere): Promise<number> {
  const n = where.params.length;
  const rows = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${SESSION_FROM} WHERE ${where.sql} LIMIT $${n + 1}) matching`,
    ...where.params,
    COUNT_CAP + 1,
  );
  return rows[0]?.n ?? 0;
}

/** The list rows of these sessions, in the order given; the counts come from the sessions rows' counters. */
export async function sessionItems(db: Db, ids: string[]): Promise<SessionListItem[]> {
  if (ids.length === 0) return [];
  const rows = await db.session.findMany({
    where: { id: { in: ids } },
    include: { user: { select: { name: true, email: true, isService: true } }, connection: { select: { name: true, type: true } } },
  });
  const byId = new Map(rows.map((s) => [s.id, s]));
  const items = ids.flatMap((id) => {
    const s = byId.get(id);
    if (!s) return [];
    return [
      {
        id: s.id,
        user: s.user,
        connection: s.connection,
        kind: kindOf(s.connection.type),
        mode: s.mode,
        status: s.status,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        ...countsOf(s),
        ...clientFields(s.clientInfo),
        error: s.error,
      },
    ];
  });
  // an http request held for review is recorded twice, and counted once
  const requests = await httpRequestCounts(
    db,
    items.filter((s) => s.kind === 'http').map((s) => s.id),
  );
  for (const s of items) if (s.kind === 'http') s.statements = requests.get(s.id) ?? s.statements;
  return withClaudeStats(db, items);
}
