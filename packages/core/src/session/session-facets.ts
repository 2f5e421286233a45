import type { Db } from '@hoop/db';
import { z } from 'zod';
import { seesAllSessions, type SessionViewer, sessionScope } from './session-scope';

export const SessionFacets = z.object({
  /** the viewer sees everyone's sessions (admin, auditor), so filtering by user makes sense */
  seesAll: z.boolean(),
  connections: z.array(z.string()),
  users: z.array(z.object({ email: z.string(), name: z.string(), isService: z.boolean() })),
});
export type SessionFacets = z.infer<typeof SessionFacets>;

/** The connections and users that appear in the sessions this user may see: the choices of the list filters. */
export async function sessionFacets(db: Db, user: SessionViewer): Promise<SessionFacets> {
  const scope = sessionScope(user);
  const [connections, users] = await Promise.all([
    db.connection.findMany({ where: { orgId: user.orgId, sessions: { some: scope } }, select: { name: true }, orderBy: { name: 'asc' }, take: 500 }),
    db.user.findMany({
      where: { orgId: user.orgId, sessions: { some: scope } },
      select: { email: true, name: true, isService: true },
      orderBy: { email: 'asc' },
      take: 500,
    }),
  ]);
  return { seesAll: seesAllSessions(user), connections: connections.map((c) => c.name), users };
}
