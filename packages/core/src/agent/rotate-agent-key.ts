import type { Db } from '@hoop/db';
import type { z } from 'zod';
import { parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { notifyAgents } from '../notify-agents';
import { AgentIdInput, agentNotFound, type AgentWithKey } from './agent-key';

/**
 * Gives an agent a new key and forgets the old one: from now on the gateway refuses the old key, and the notification
 * makes every gateway close the tunnel of an agent connected with it (its sessions end). The new key is returned
 * once; the agent must be restarted with it.
 */
export async function rotateAgentKey(db: Db, orgId: string, input: z.input<typeof AgentIdInput>): Promise<AgentWithKey> {
  const q = parseInput(AgentIdInput, input);
  const { generateSecret, hashSecret, secretPrefix } = await loadHoopDb();
  const key = generateSecret('hoop_agent');
  const { count } = await db.agent.updateMany({ where: { id: q.id, orgId }, data: { keyHash: hashSecret(key), keyPrefix: secretPrefix(key) } });
  if (count === 0) throw agentNotFound();
  const row = await db.agent.findFirstOrThrow({ where: { id: q.id, orgId }, select: { id: true, name: true, keyPrefix: true } });
  await notifyAgents(db, orgId);
  return { ...row, key };
}
