import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { notifyAgents } from '../notify-agents';
import { ConnectionIdInput, connectionNotFound } from './connection-detail';

export const DeletedConnection = z.object({ id: z.string(), name: z.string() });
export type DeletedConnection = z.infer<typeof DeletedConnection>;

/**
 * Removes a connection that has never been used; its agent stops serving it at once. One with recorded sessions is
 * kept, because the audit trail refers to it: the admin is told to take it out of service instead.
 */
export async function deleteConnection(db: Db, orgId: string, input: z.input<typeof ConnectionIdInput>): Promise<DeletedConnection> {
  const q = parseInput(ConnectionIdInput, input);
  const row = await db.connection.findFirst({ where: { id: q.id, orgId }, select: { id: true, name: true, _count: { select: { sessions: true } } } });
  if (!row) throw connectionNotFound();
  const sessions = row._count.sessions;
  if (sessions > 0) {
    throw new AppError(
      'conflict',
      `“${row.name}” has ${sessions} recorded session${sessions === 1 ? '' : 's'}, which the audit trail keeps, so it cannot be deleted. ` +
        `To take it out of service, edit it and choose no agent: nobody can open a session then.`,
    );
  }
  try {
    // pending reviews of the connection go with it
    await db.connection.deleteMany({ where: { id: row.id, orgId } });
  } catch (err) {
    // a session opened meanwhile
    if ((err as { code?: string }).code === 'P2003')
      throw new AppError('conflict', `“${row.name}” was just used for a session, which the audit trail keeps, so it cannot be deleted.`, { cause: err });
    throw err;
  }
  await notifyAgents(db, orgId);
  return { id: row.id, name: row.name };
}
