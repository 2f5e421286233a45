import type { Db } from '@hoop/db';

/**
 * The requests of http sessions: each request is one `statement` event when it ends, besides the one recorded when it
 * was held for review (`held: true`), which is not another request — so the sessions rows' statement counters, made
 * for SQL (where a held statement is recorded again only when it runs), do not count them.
 */
export async function httpRequestCounts(db: Db, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const count = async (held: boolean) => {
    const rows = await db.auditEvent.groupBy({
      by: ['sessionId'],
      where: { sessionId: { in: ids }, type: 'statement', ...(held ? { data: { path: ['held'], equals: true } } : {}) },
      _count: { _all: true },
    });
    return new Map(rows.map((r) => [r.sessionId, r._count._all]));
  };
  const [all, held] = await Promise.all([count(false), count(true)]);
  return new Map(ids.map((id) => [id, (all.get(id) ?? 0) - (held.get(id) ?? 0)]));
}
