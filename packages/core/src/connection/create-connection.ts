import type { Db } from '@hoop/db';
import { parseInput } from '../errors';
import { notifyAgents } from '../notify-agents';
import { type ConnectionDetail, getConnection } from './connection-detail';
import { ConnectionInput } from './connection-input';
import { checkReferences, configToStore, isUniqueViolation, nameTaken, secretToStore } from './connection-write';

/** Adds a connection; the agent assigned to it gets it (and its sealed secret) at once. */
export async function createConnection(db: Db, orgId: string, input: ConnectionInput, encryptionKey: string | null): Promise<ConnectionDetail> {
  const q = parseInput(ConnectionInput, input);
  await checkReferences(db, orgId, q);
  if (await db.connection.findFirst({ where: { orgId, name: q.name }, select: { id: true } })) throw nameTaken(q.name);
  const secret = await secretToStore(q.secret, null, encryptionKey);
  let id: string;
  try {
    const row = await db.connection.create({
      data: {
        orgId,
        name: q.name,
        type: q.type,
        config: configToStore(q.type, q.config, null),
        tags: q.tags,
        readOnly: q.readOnly,
        agentId: q.agentId,
        policyId: q.policyId,
        ...secret,
      },
      select: { id: true },
    });
    id = row.id;
  } catch (err) {
    // two admins adding the same name at once
    if (isUniqueViolation(err)) throw nameTaken(q.name, err);
    throw err;
  }
  await notifyAgents(db, orgId);
  return getConnection(db, orgId, { id }, encryptionKey);
}
