import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { notifyAgents } from '../notify-agents';
import type { AgentWithKey } from './agent-key';

export const CreateAgentInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, { error: 'Give the agent a name, such as eu-west-prod: where it runs, so people know which one it is.' })
    .max(63, { error: 'The name is at most 63 characters.' })
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'The name is lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit.' }),
});
export type CreateAgentInput = z.input<typeof CreateAgentInput>;

/** Registers an agent and returns its key, once: the agent dials the gateway with it, and only its hash is kept. */
export async function createAgent(db: Db, orgId: string, input: CreateAgentInput): Promise<AgentWithKey> {
  const q = parseInput(CreateAgentInput, input);
  if (await db.agent.findFirst({ where: { orgId, name: q.name }, select: { id: true } })) throw taken(q.name);
  const { generateSecret, hashSecret, secretPrefix } = await loadHoopDb();
  const key = generateSecret('hoop_agent');
  try {
    const row = await db.agent.create({
      data: { orgId, name: q.name, keyHash: hashSecret(key), keyPrefix: secretPrefix(key) },
      select: { id: true, name: true, keyPrefix: true },
    });
    await notifyAgents(db, orgId);
    return { ...row, key };
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw taken(q.name, err);
    throw err;
  }
}

function taken(name: string, cause?: unknown): AppError {
  return new AppError('conflict', `An agent named “${name}” already exists: choose another name, or replace that agent's key.`, { cause });
}
