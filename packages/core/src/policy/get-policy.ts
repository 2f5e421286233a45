import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { loadPipeline } from '../pipeline';
import { asRecord, PolicyDocument, PolicyIdInput, PolicyIssue, policyIssues, policyNotFound } from './policy-view';

export const PolicyDetail = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** the document with every default written out when it is valid; as stored when it is not */
  document: PolicyDocument,
  valid: z.boolean(),
  issues: z.array(PolicyIssue),
  /** the connections it is attached to */
  connections: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), tags: z.array(z.string()), readOnly: z.boolean() })),
});
export type PolicyDetail = z.infer<typeof PolicyDetail>;

/** One policy for its page; every member may read it (it decides what they may do). */
export async function getPolicy(db: Db, orgId: string, input: z.input<typeof PolicyIdInput>): Promise<PolicyDetail> {
  const q = parseInput(PolicyIdInput, input);
  const p = await db.policy.findFirst({
    where: { id: q.id, orgId },
    include: { connections: { select: { id: true, name: true, type: true, tags: true, readOnly: true }, orderBy: { name: 'asc' } } },
  });
  if (!p) throw policyNotFound();
  const { Policy } = await loadPipeline();
  const r = Policy.safeParse(p.document);
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    document: r.success ? { ...r.data, version: p.version } : asRecord(p.document),
    valid: r.success,
    issues: r.success ? [] : policyIssues(r.error),
    connections: p.connections,
  };
}
