import type { Policy } from '@hoop/pipeline/policy';
import type { inferOutput } from '@trpc/tanstack-react-query';
import type { useTRPC } from '~/trpc/react';

/** A policy as the editor holds it: the agents' document type, though a field being typed may hold a wrong value. */
export type Draft = Policy;
export type PolicyIssue = inferOutput<ReturnType<typeof useTRPC>['policy']['validate']>['issues'][number];
export type Catalog = inferOutput<ReturnType<typeof useTRPC>['policy']['catalog']>;
export type Path = (string | number)[];
export type Action = 'allow' | 'deny' | 'review';

/** A copy of `obj` with `value` at `path`; `undefined` removes the key (an optional setting back to its default). */
export function setIn<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path as [string | number, ...Path];
  const src = obj as unknown;
  const base: Record<string | number, unknown> | unknown[] = Array.isArray(src)
    ? [...src]
    : src && typeof src === 'object'
      ? { ...(src as Record<string, unknown>) }
      : typeof k === 'number'
        ? []
        : {};
  const next = setIn((base as Record<string | number, unknown>)[k], rest, value);
  if (next === undefined && !Array.isArray(base)) delete (base as Record<string | number, unknown>)[k];
  else (base as Record<string | number, unknown>)[k] = next;
  return base as T;
}

export const pathLabel = (path: Path): string => {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${p}`;
  return out || '(policy)';
};

/** The message for exactly this field, if any. */
export function issueAt(issues: PolicyIssue[], path: Path): string | undefined {
  const at = pathLabel(path);
  return issues.find((i) => i.at === at)?.message;
}

/** Every problem under a part of the document (a section, a rule). */
export function issuesUnder(issues: PolicyIssue[], path: Path): PolicyIssue[] {
  const at = pathLabel(path);
  return issues.filter((i) => i.at === at || i.at.startsWith(`${at}.`) || i.at.startsWith(`${at}[`));
}

/** A number field's value: a number when it reads as one, else the text (so the schema says what is wrong). */
export function numberOrText(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** The sections of the form, in order, for the jump links. */
export const SECTIONS = [
  { id: 'general', label: 'General', path: ['name'] as Path, also: [['description'], ['readOnly'], ['connections']] as Path[] },
  { id: 'guardrails', label: 'Guardrails', path: ['guardrails'] as Path, also: [] as Path[] },
  { id: 'masking', label: 'Masking', path: ['masking'] as Path, also: [] as Path[] },
  { id: 'access', label: 'Access', path: ['access'] as Path, also: [] as Path[] },
  { id: 'review', label: 'Review', path: ['review'] as Path, also: [] as Path[] },
  { id: 'limits', label: 'Limits', path: ['limits'] as Path, also: [] as Path[] },
  { id: 'ssh', label: 'SSH', path: ['ssh'] as Path, also: [] as Path[] },
  { id: 'claude', label: 'Claude Code', path: ['claude'] as Path, also: [] as Path[] },
  { id: 'http', label: 'HTTP', path: ['http'] as Path, also: [] as Path[] },
  { id: 'kubernetes', label: 'Kubernetes', path: ['kubernetes'] as Path, also: [] as Path[] },
];

/** Which form section a problem belongs to (problems outside any: general). */
export function sectionOf(issue: PolicyIssue): string {
  for (const s of SECTIONS) {
    for (const p of [s.path, ...s.also]) if (issuesUnder([issue], p).length > 0) return s.id;
  }
  return 'general';
}
