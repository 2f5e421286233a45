import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../../errors';
import { PageInput, pageOf } from '../paging';
import { SESSION_FROM, SessionFilters, sessionWhere, type SqlWhere } from './session-filters';
import type { SessionViewer } from './session-scope';
import { clientFields, kindOf, NO_COUNTS, type SessionCounts, SessionListItem } from './session-view';

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

/** The list rows of these sessions, in the order given. */
export async function sessionItems(db: Db, ids: string[]): Promise<SessionListItem[]> {
  if (ids.length === 0) return [];
  const [rows, counts] = await Promise.all([
    db.session.findMany({
      where: { id: { in: ids } },
      include: { user: { select: { name: true, email: true, isService: true } }, connection: { select: { name: true, type: true } } },
    }),
    sessionCounts(db, ids),
  ]);
  const byId = new Map(rows.map((s) => [s.id, s]));
  return ids.flatMap((id) => {
    const s = byId.get(id);
    if (!s) return [];
    return [{
      id: s.id,
      user: s.user,
      connection: s.connection,
      kind: kindOf(s.connection.type),
      mode: s.mode,
      status: s.status,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      ...(counts.get(id) ?? NO_COUNTS),
      ...clientFields(s.clientInfo),
      error: s.error,
    }];
  });
}

interface CountRow { id: string; commands: number; settled: number; held: number; approved: number; blocked: number; reviews: number; masked_statements: number; masked_close: number | null }

/**
 * Statements, refusals, masked values and reviews of each session, from its events. A statement held for review is
 * recorded twice when approved (held, then run): it counts once. Masked values come from the session's closing totals
 * when it has closed, else from its statements so far.
 */
export async function sessionCounts(db: Db, ids: string[]): Promise<Map<string, SessionCounts>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<CountRow[]>(
    `SELECT e.session_id::text AS id,
       count(*) FILTER (WHERE e.type = 'command')::int AS commands,
       count(*) FILTER (WHERE e.type = 'statement' AND coalesce(e.data->>'decision', '') <> 'review')::int AS settled,
       count(*) FILTER (WHERE e.type = 'statement' AND e.data->>'decision' = 'review')::int AS held,
       count(*) FILTER (WHERE e.type = 'statement' AND e.data->>'decision' = 'approved')::int AS approved,
       count(*) FILTER (WHERE e.type IN ('statement', 'command') AND e.data->>'decision' = 'deny')::int AS blocked,
       count(*) FILTER (WHERE e.type = 'review.requested')::int AS reviews,
       coalesce(sum(m.n) FILTER (WHERE e.type = 'statement'), 0)::int AS masked_statements,
       (sum(m.n) FILTER (WHERE e.type = 'session.close'))::int AS masked_close
     FROM audit_events e
     LEFT JOIN LATERAL (
       SELECT sum((x.value)::numeric) AS n
       FROM jsonb_each(CASE WHEN jsonb_typeof(e.data->'masked') = 'object' THEN e.data->'masked' ELSE '{}'::jsonb END) x
       WHERE jsonb_typeof(x.value) = 'number'
     ) m ON true
     WHERE e.session_id = ANY($1::uuid[]) AND e.type IN ('statement', 'command', 'review.requested', 'session.close')
     GROUP BY e.session_id`,
    ids,
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        statements: r.commands + r.settled + Math.max(0, r.held - r.approved),
        blocked: r.blocked,
        masked: r.masked_close ?? r.masked_statements,
        reviews: r.reviews,
      },
    ]),
  );
}
