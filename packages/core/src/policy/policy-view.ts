import { z } from 'zod';
import { AppError } from '../errors';

export const PolicyIdInput = z.object({ id: z.uuid({ error: 'That is not a policy id.' }) });

/** One problem of a policy document, where it is: `review.minApprovals`, `guardrails.rules[0].id`. */
export const PolicyIssue = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  /** the path as people read it; `(policy)` for the document itself */
  at: z.string(),
  message: z.string(),
});
export type PolicyIssue = z.infer<typeof PolicyIssue>;

/** A policy document as stored (normalised: every default written out), for the form and the YAML view. */
export const PolicyDocument = z.record(z.string(), z.unknown());

/** `guardrails.rules[0].id` from `['guardrails', 'rules', 0, 'id']`. */
export function pathLabel(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(policy)';
}

/** zod's wording for the common cases, said for a person editing a policy; the schema's own messages are kept. */
function humanMessage(i: z.core.$ZodIssue): string {
  const n = (v: number | bigint) => Number(v).toLocaleString('en-US');
  if (i.code === 'too_small') {
    if (i.origin === 'string' && Number(i.minimum) === 1) return 'Required: it cannot be empty.';
    if (i.origin === 'number') return `Must be at least ${n(i.minimum)}${i.inclusive === false ? ' (exclusive)' : ''}.`;
    if (i.origin === 'array') return `Needs at least ${n(i.minimum)}.`;
  }
  if (i.code === 'too_big') {
    if (i.origin === 'number') return `Must be at most ${n(i.maximum)}.`;
    if (i.origin === 'string') return `At most ${n(i.maximum)} characters.`;
  }
  if (i.code === 'unrecognized_keys')
    return i.keys.length === 1
      ? `Unknown setting “${i.keys[0]}”: check the spelling, or remove it.`
      : `Unknown settings ${i.keys.map((k) => `“${k}”`).join(', ')}: check the spelling, or remove them.`;
  if (i.code === 'invalid_type' && i.expected === 'number') return 'Must be a number.';
  if (i.code === 'invalid_type' && i.expected === 'int') return 'Must be a whole number.';
  return i.message;
}

export function policyIssues(error: z.ZodError): PolicyIssue[] {
  return error.issues.map((i) => {
    const path = i.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    // an unknown key is reported on its parent: point at the key itself
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const at = keys.length === 1 ? [...path, keys[0]!] : path;
    return { path: at, at: pathLabel(at), message: humanMessage(i) };
  });
}

/** The problems in one sentence each, for an error message. */
export function issuesText(issues: PolicyIssue[]): string {
  return issues.map((i) => `${i.at}: ${i.message}`).join('; ');
}

export function policyNotFound(): AppError {
  return new AppError('not_found', 'This policy does not exist (any more). Go back to the list to see the current policies.');
}

export const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
