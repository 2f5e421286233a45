import { z } from 'zod';
import { parseInput } from '../errors';
import { loadPipeline } from '../pipeline';
import { PolicyDocument, PolicyIssue, policyIssues } from './policy-view';

export const PolicyDocumentInput = z.object({ document: z.unknown() });

export const PolicyValidation = z.object({
  ok: z.boolean(),
  issues: z.array(PolicyIssue),
  /** with every default written out, when it is valid */
  document: PolicyDocument.nullable(),
});
export type PolicyValidation = z.infer<typeof PolicyValidation>;

/** Checks a policy document with the schema the gateway and the agents use, every problem with its path. */
export async function validatePolicy(input: z.input<typeof PolicyDocumentInput>): Promise<PolicyValidation> {
  const q = parseInput(PolicyDocumentInput, input);
  const { Policy } = await loadPipeline();
  const r = Policy.safeParse(q.document ?? null);
  return r.success ? { ok: true, issues: [], document: r.data } : { ok: false, issues: policyIssues(r.error), document: null };
}
