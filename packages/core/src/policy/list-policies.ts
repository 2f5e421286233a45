import type { Db } from '@hoop/db';
import { z } from 'zod';
import { loadPipeline } from '../pipeline';

/** What the list shows of a policy: enough to tell them apart and to see where each applies. */
export const PolicyListItem = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int(),
  updatedAt: z.date(),
  /** false when the stored document does not validate: the gateway then refuses everyone but admins */
  valid: z.boolean(),
  readOnly: z.boolean(),
  maskingEnabled: z.boolean(),
  /** built-in guardrails (SQL and shell) switched off or given another action */
  builtinsChanged: z.number().int(),
  customRules: z.number().int(),
  reviewAccess: z.boolean(),
  connections: z.array(z.string()),
});
export type PolicyListItem = z.infer<typeof PolicyListItem>;
export const PolicyList = z.object({ items: z.array(PolicyListItem) });
export type PolicyList = z.infer<typeof PolicyList>;

/** The org's policies by name (an org has a handful), each with the connections it is attached to. */
export async function listPolicies(db: Db, orgId: string): Promise<PolicyList> {
  const rows = await db.policy.findMany({
    where: { orgId },
    orderBy: { name: 'asc' },
    take: 500,
    include: { connections: { select: { name: true }, orderBy: { name: 'asc' } } },
  });
  const { Policy } = await loadPipeline();
  return {
    items: rows.map((p) => {
      const r = Policy.safeParse(p.document);
      const d = r.success ? r.data : null;
      return {
        id: p.id,
        name: p.name,
        description: d?.description ?? null,
        version: p.version,
        updatedAt: p.updatedAt,
        valid: r.success,
        readOnly: d?.readOnly ?? false,
        maskingEnabled: d?.masking.enabled ?? true,
        builtinsChanged: d ? Object.keys(d.guardrails.builtins).length + Object.keys(d.guardrails.shell.builtins).length : 0,
        customRules: d ? d.guardrails.rules.length + d.guardrails.shell.rules.length : 0,
        reviewAccess: d?.review.access.required ?? false,
        connections: p.connections.map((c) => c.name),
      };
    }),
  };
}
