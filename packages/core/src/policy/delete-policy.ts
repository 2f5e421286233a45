import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { notifyAgents } from '../notify-agents';
import { PolicyIdInput, policyNotFound } from './policy-view';

export const DeletedPolicy = z.object({
  id: z.string(),
  name: z.string(),
  /** connections it was attached to: they run under the built-in defaults now */
  detached: z.array(z.string()),
});
export type DeletedPolicy = z.infer<typeof DeletedPolicy>;

/** Removes a policy; its connections fall back to the built-in defaults (every guardrail on, masking on) at once. */
export async function deletePolicy(db: Db, orgId: string, input: z.input<typeof PolicyIdInput>): Promise<DeletedPolicy> {
  const q = parseInput(PolicyIdInput, input);
  const row = await db.policy.findFirst({
    where: { id: q.id, orgId },
    select: { id: true, name: true, connections: { select: { name: true }, orderBy: { name: 'asc' } } },
  });
  if (!row) throw policyNotFound();
  await db.policy.deleteMany({ where: { id: row.id, orgId } });
  await notifyAgents(db, orgId);
  return { id: row.id, name: row.name, detached: row.connections.map((c) => c.name) };
}
