import type { Catalog, Draft, Path, PolicyIssue } from '../policy-draft';

export interface SectionProps {
  d: Draft;
  set: (path: Path, value: unknown) => void;
  issues: PolicyIssue[];
  catalog: Catalog;
}

/** A list kept out of the document when empty (optional lists of the schema). */
export const orNone = (values: string[]): string[] | undefined => (values.length > 0 ? values : undefined);
/** Text kept out of the document when blank (optional text of the schema). */
export const orBlank = (text: string): string | undefined => (text.trim() ? text : undefined);
export type { Path };
