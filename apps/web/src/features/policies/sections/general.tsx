'use client';

import { cx } from '~/components/ui/cx';
import { Switch } from '~/components/ui/switch';
import { INPUT } from '~/features/integrations/form-bits';
import { ListField, PField, Section } from '../form-controls';
import { issueAt, issuesUnder } from '../policy-draft';
import { orBlank, type SectionProps } from './section-props';

/** Name, what it is for, read-only, and the connections it attaches to by name or tag. */
export function GeneralSection({
  d,
  set,
  issues,
  connectionNames,
  tagNames,
  attached,
}: SectionProps & { connectionNames: string[]; tagNames: string[]; attached: string[] }) {
  const mine = [
    ...issuesUnder(issues, ['name']),
    ...issuesUnder(issues, ['description']),
    ...issuesUnder(issues, ['readOnly']),
    ...issuesUnder(issues, ['connections']),
    ...issues.filter(
      (i) => i.path.length === 0 || (i.path.length === 1 && !['guardrails', 'masking', 'access', 'review', 'limits', 'ssh'].includes(String(i.path[0]))),
    ),
  ];
  const unique = [...new Map(mine.map((i) => [`${i.at}:${i.message}`, i])).values()];
  return (
    <Section id="general" title="General" description="What the policy is called, what it is for, and which connections it governs." issues={unique}>
      <div className="grid gap-4 md:grid-cols-[minmax(0,18rem)_minmax(0,1fr)]">
        <PField label="Name" htmlFor="policy-name" problem={issueAt(issues, ['name'])} hint="Shown on connections and in reviews.">
          <input
            id="policy-name"
            value={d.name ?? ''}
            onChange={(e) => set(['name'], e.target.value)}
            placeholder="prod-databases"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(issueAt(issues, ['name']))}
            className={cx(INPUT, 'font-mono')}
          />
        </PField>
        <PField label="Description" htmlFor="policy-description" problem={issueAt(issues, ['description'])}>
          <input
            id="policy-description"
            value={d.description ?? ''}
            onChange={(e) => set(['description'], orBlank(e.target.value))}
            placeholder="Production: writes held for review, PII masked"
            className={INPUT}
          />
        </PField>
      </div>
      <div className="rounded-md border border-slate-200 px-3">
        <Switch
          label="Read-only"
          description="Only reads get through on every connection under this policy (the connection's own read-only flag works too)."
          checked={Boolean(d.readOnly)}
          onChange={(v) => set(['readOnly'], v)}
        />
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        <ListField
          label="Applies to connections named"
          add="Add a connection name"
          id="policy-conn-names"
          problem={issueAt(issues, ['connections', 'names'])}
          hint="Attached when you save. Enter or comma adds one."
          values={d.connections?.names ?? []}
          onChange={(v) => set(['connections', 'names'], v)}
          suggestions={connectionNames}
          placeholder="pg-prod"
          mono
        />
        <ListField
          label="…and connections tagged"
          add="Add a tag"
          id="policy-conn-tags"
          problem={issueAt(issues, ['connections', 'tags'])}
          hint="Every connection with one of these tags, now or when it is tagged and this policy is saved again."
          values={d.connections?.tags ?? []}
          onChange={(v) => set(['connections', 'tags'], v)}
          suggestions={tagNames}
          placeholder="prod"
          normalize={(t) => t.toLowerCase()}
        />
      </div>
      <p className="text-[12px] text-slate-500" data-testid="policy-attached">
        {attached.length > 0 ? (
          <>
            Attached now: <span className="font-medium text-slate-700">{attached.join(', ')}</span>.{' '}
          </>
        ) : (
          'Not attached to any connection yet. '
        )}
        Saving attaches the connections these names and tags match; to move a connection to another policy, edit the connection.
      </p>
    </Section>
  );
}
