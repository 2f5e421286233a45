import type { Db, Prisma } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadPipeline } from '../pipeline';
import { notifyAgents } from '../notify-agents';
import { getPolicy, PolicyDetail } from './get-policy';
import { issuesText, policyIssues, policyNotFound } from './policy-view';

export const SavePolicyInput = z.object({
  /** the policy to change; left out, a new one is created */
  id: z.uuid({ error: 'That is not a policy id.' }).optional(),
  document: z.unknown(),
  /** the version the editor started from: saving over someone else's newer change is refused */
  expectedVersion: z.number().int().positive().optional(),
});
export type SavePolicyInput = z.input<typeof SavePolicyInput>;

export const SavedPolicy = z.object({
  policy: PolicyDetail,
  created: z.boolean(),
  /** connections its `connections` section (names and tags) matched, now attached to it */
  attached: z.array(z.string()),
});
export type SavedPolicy = z.infer<typeof SavedPolicy>;

/**
 * Creates or changes a policy from its document, as `hoop policy apply` does: validated with the agents' schema, stored
 * with every default written out under the next version, attached to the connections it names (by name or tag), and
 * pushed to the agents at once. A change made by someone else since the editor opened is not overwritten.
 */
export async function savePolicy(db: Db, orgId: string, input: SavePolicyInput): Promise<SavedPolicy> {
  const q = parseInput(SavePolicyInput, input);
  const { Policy } = await loadPipeline();
  const r = Policy.safeParse(q.document ?? null);
  if (!r.success) throw new AppError('invalid', `The policy is not valid. ${issuesText(policyIssues(r.error))}.`, { cause: r.error.issues });
  const policy = r.data;

  const existing = q.id ? await db.policy.findFirst({ where: { id: q.id, orgId }, select: { id: true, name: true, version: true } }) : null;
  if (q.id && !existing) throw policyNotFound();
  if (existing && q.expectedVersion !== undefined && existing.version !== q.expectedVersion) throw changedMeanwhile(existing.name, existing.version);
  const clash = await db.policy.findFirst({ where: { orgId, name: policy.name, ...(existing ? { id: { not: existing.id } } : {}) }, select: { id: true } });
  if (clash) throw taken(policy.name, Boolean(existing));

  const version = (existing?.version ?? 0) + 1;
  const document = { ...policy, version } as unknown as Prisma.InputJsonValue;
  let id: string;
  try {
    if (existing) {
      // the version it had when read: two saves at once cannot both win
      const { count } = await db.policy.updateMany({
        where: { id: existing.id, orgId, version: existing.version },
        data: { name: policy.name, document, version },
      });
      if (count === 0) throw changedMeanwhile(existing.name, null);
      id = existing.id;
    } else {
      id = (await db.policy.create({ data: { orgId, name: policy.name, document, version }, select: { id: true } })).id;
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw taken(policy.name, Boolean(existing), err);
    throw err;
  }

  const { names, tags } = policy.connections;
  let attached: string[] = [];
  if (names.length > 0 || tags.length > 0) {
    const targets = await db.connection.findMany({
      where: { orgId, OR: [{ name: { in: names } }, { tags: { hasSome: tags } }] },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
    await db.connection.updateMany({ where: { orgId, id: { in: targets.map((t) => t.id) } }, data: { policyId: id } });
    attached = targets.map((t) => t.name);
  }
  await notifyAgents(db, orgId);
  return { policy: await getPolicy(db, orgId, { id }), created: !existing, attached };
}

function changedMeanwhile(name: string, version: number | null): AppError {
  return new AppError(
    'conflict',
    `“${name}” was changed by someone else${version ? ` (it is now version ${version})` : ''} since you opened it. ` +
      `Reload to see their change, then make yours again.`,
  );
}

function taken(name: string, renaming: boolean, cause?: unknown): AppError {
  return new AppError(
    'conflict',
    `A policy named “${name}” already exists: ${renaming ? 'choose another name' : 'open it to change it, or choose another name'}.`,
    { cause },
  );
}
