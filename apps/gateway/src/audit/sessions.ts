import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import type { AuditEventBody } from '@hoop/protocol';
import type { SessionRecord } from './ingest';

/** AuditIngest's look-up: the agent on the session's row, or the org of the retention purge that removed it. */
export function sessionRecords(db: Db): (sessionId: string) => Promise<SessionRecord> {
  return async (sessionId) => {
    const s = await db.session.findUnique({ where: { id: sessionId }, select: { agentId: true } });
    if (s) return { kind: 'session', agentId: s.agentId };
    const purged = await db.auditPurgedSession.findUnique({ where: { sessionId }, select: { orgId: true } });
    return purged ? { kind: 'purged', orgId: purged.orgId } : { kind: 'none' };
  };
}

/** The agent's word on how a session ended (a stored `session.close`) also closes sessions a restarted gateway no longer relays. */
export function closeEndedSession(db: Db, log: Logger, sessionId: string, event: AuditEventBody): void {
  if (event.type !== 'session.close') return;
  db.session
    .updateMany({ where: { id: sessionId, status: 'open' }, data: { status: 'closed', endedAt: new Date(event.at) } })
    .catch((e: Error) => log.warn('could not close session row', { error: e.message }));
}
