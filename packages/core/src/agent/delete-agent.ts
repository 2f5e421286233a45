import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { notifyAgents } from '../notify-agents';
import { AgentIdInput, agentNotFound } from './agent-key';

export const DeletedAgent = z.object({ id: z.string(), name: z.string() });
export type DeletedAgent = z.infer<typeof DeletedAgent>;

const SHOWN = 3;

/**
 * Removes an agent and its key: the gateway refuses the key from now on, and the notification makes the gateway holding
 * its tunnel close it. An agent that still serves connections is
 * kept, so no connection is left without one by accident; recorded sessions keep their history.
 */
export async function deleteAgent(db: Db, orgId: string, input: z.input<typeof AgentIdInput>): Promise<DeletedAgent> {
  const q = parseInput(AgentIdInput, input);
  const row = await db.agent.findFirst({
    where: { id: q.id, orgId },
    select: {
      id: true,
      name: true,
      connections: { select: { name: true }, orderBy: { name: 'asc' }, take: SHOWN + 1 },
      _count: { select: { connections: true } },
    },
  });
  if (!row) throw agentNotFound();
  const n = row._count.connections;
  if (n > 0) {
    const names =
      row.connections
        .slice(0, SHOWN)
        .map((c) => c.name)
        .join(', ') + (n > SHOWN ? ` and ${n - SHOWN} more` : '');
    throw new AppError(
      'conflict',
      `“${row.name}” still serves ${n} connection${n === 1 ? '' : 's'} (${names}): ` +
        `assign ${n === 1 ? 'it' : 'them'} to another agent, or to none, before deleting it.`,
    );
  }
  // only while it serves none: a connection assigned meanwhile keeps it
  const { count } = await db.agent.deleteMany({ where: { id: row.id, orgId, connections: { none: {} } } });
  if (count === 0) throw new AppError('conflict', `“${row.name}” was just given a connection, so it was kept: reload the page and try again.`);
  await notifyAgents(db, orgId);
  return { id: row.id, name: row.name };
}
