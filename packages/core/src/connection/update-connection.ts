import type { Db } from '@hoop/db';
import type { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { notifyAgents } from '../notify-agents';
import { type ConnectionDetail, ConnectionIdInput, connectionNotFound, getConnection } from './connection-detail';
import { ConnectionInput } from './connection-input';
import { checkReferences, configToStore, isUniqueViolation, nameTaken, secretToStore } from './connection-write';

export const UpdateConnectionInput = ConnectionIdInput.and(ConnectionInput);
export type UpdateConnectionInput = z.input<typeof UpdateConnectionInput>;

/**
 * Changes a connection's settings. The type stays what it was; a stored secret left blank is kept. Agents get the
 * change at once (the one that stops serving it, and the one that starts), and open sessions keep their target login.
 */
export async function updateConnection(db: Db, orgId: string, input: UpdateConnectionInput, encryptionKey: string | null): Promise<ConnectionDetail> {
  const q = parseInput(UpdateConnectionInput, input);
  const existing = await db.connection.findFirst({
    where: { id: q.id, orgId },
    select: { id: true, name: true, type: true, config: true, secretRef: true, secretEncrypted: true },
  });
  if (!existing) throw connectionNotFound();
  if (existing.type !== q.type) {
    throw new AppError('invalid', `“${existing.name}” is a ${existing.type} connection and stays one: to reach a ${q.type} target, add a new connection.`);
  }
  await checkReferences(db, orgId, q);
  if (q.name !== existing.name && (await db.connection.findFirst({ where: { orgId, name: q.name }, select: { id: true } }))) throw nameTaken(q.name);
  const secret = await secretToStore(q.secret, existing, encryptionKey);
  const config = configToStore(q.type, q.config, existing.config);
  try {
    await db.connection.updateMany({
      where: { id: existing.id, orgId },
      data: { name: q.name, config, tags: q.tags, readOnly: q.readOnly, agentId: q.agentId, policyId: q.policyId, ...secret },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(q.name, err);
    throw err;
  }
  await notifyAgents(db, orgId);
  return getConnection(db, orgId, { id: existing.id }, encryptionKey);
}
