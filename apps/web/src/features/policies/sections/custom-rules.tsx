'use client';

import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { ListInput } from '~/components/ui/list-input';
import { INPUT, SECONDARY, SMALL_DANGER } from '~/features/integrations/form-bits';
import { ActionSelect, Checks, PField, Problem, Sub } from '../form-controls';
import { type Action, issueAt, issuesUnder, type Path } from '../policy-draft';
import { orBlank, orNone, type SectionProps } from './section-props';

interface RuleBase {
  id: string;
  action: Action;
  message?: string;
  hint?: string;
  match: Record<string, string[] | undefined>;
}

function RuleCard({
  rule,
  base,
  index,
  set,
  issues,
  remove,
  children,
}: {
  rule: RuleBase;
  base: Path;
  index: number;
  set: SectionProps['set'];
  issues: SectionProps['issues'];
  remove: () => void;
  children: ReactNode;
}) {
  const at = [...base, index];
  const p = (...k: Path) => issueAt(issues, [...at, ...k]);
  const n = index + 1;
  return (
    <div className="rounded-md border border-slate-200 bg-slate-50/50 p-3" data-testid="custom-rule" data-rule={rule.id}>
      <div className="grid gap-3 md:grid-cols-[minmax(0,14rem)_9rem_minmax(0,1fr)_auto] md:items-start">
        <PField label="Rule id" htmlFor={`${at.join('-')}-id`} problem={p('id')}>
          <input
            id={`${at.join('-')}-id`}
            value={rule.id}
            onChange={(e) => set([...at, 'id'], e.target.value)}
            placeholder="no-billing-writes"
            spellCheck={false}
            aria-invalid={Boolean(p('id'))}
            className={cx(INPUT, 'font-mono')}
          />
        </PField>
        <PField label="Action" htmlFor={`${at.join('-')}-action`} problem={p('action')}>
          <ActionSelect
            id={`${at.join('-')}-action`}
            label={`Rule ${n} action`}
            value={rule.action}
            onChange={(a) => set([...at, 'action'], a ?? 'deny')}
            className="h-9 w-full"
          />
        </PField>
        <PField label="Message" htmlFor={`${at.join('-')}-message`} problem={p('message')}>
          <input
            id={`${at.join('-')}-message`}
            value={rule.message ?? ''}
            onChange={(e) => set([...at, 'message'], orBlank(e.target.value))}
            placeholder="billing tables are written by the billing service only"
            className={INPUT}
          />
        </PField>
        <div className="pt-5">
          <button type="button" className={SMALL_DANGER} onClick={remove} aria-label={`Remove rule ${rule.id || n}`}>
            Remove
          </button>
        </div>
      </div>
      <div className="mt-3 grid gap-3 md:grid-cols-2">{children}</div>
      <div className="mt-3">
        <PField label="Hint (optional)" htmlFor={`${at.join('-')}-hint`} problem={p('hint')}>
          <input
            id={`${at.join('-')}-hint`}
            value={rule.hint ?? ''}
            onChange={(e) => set([...at, 'hint'], orBlank(e.target.value))}
            placeholder="what to do instead"
            className={INPUT}
          />
        </PField>
      </div>
      <Problem message={p('match')} />
    </div>
  );
}

/** The policy's own SQL rules: checked in order before the built-ins; the first that matches decides. */
export function CustomSqlRules({ d, set, issues, catalog }: SectionProps) {
  const base: Path = ['guardrails', 'rules'];
  const rules = (d.guardrails?.rules ?? []) as unknown as RuleBase[];
  const kinds = catalog.statementKinds.map((k) => ({ value: k, label: k }));
  return (
    <div className="space-y-2.5">
      <Sub
        title="Custom SQL rules"
        aside={
          <button type="button" className={SECONDARY} onClick={() => set(base, [...rules, { id: '', action: 'deny', match: {} }])}>
            Add SQL rule
          </button>
        }
      >
        Checked in order before the built-ins; the first that matches a statement decides for it. Match on kind, command, table (globs) or function.
      </Sub>
      {rules.length === 0 && <p className="text-[12.5px] text-slate-400">No custom SQL rules.</p>}
      {rules.map((r, i) => {
        const at = [...base, i, 'match'];
        const m = r.match ?? {};
        return (
          <RuleCard
            key={i}
            rule={r}
            base={base}
            index={i}
            set={set}
            issues={issues}
            remove={() =>
              set(
                base,
                rules.filter((_, j) => j !== i),
              )
            }
          >
            <PField label="Statement kinds" htmlFor={`${at.join('-')}-kinds`} problem={issueAt(issues, [...at, 'kinds'])} className="md:col-span-2">
              <Checks label={`Rule ${i + 1} kinds`} values={m.kinds ?? []} options={kinds} onChange={(v) => set([...at, 'kinds'], orNone(v))} />
            </PField>
            <PField
              label="Commands"
              htmlFor={`${at.join('-')}-commands`}
              problem={issueAt(issues, [...at, 'commands'])}
              hint="As classified: SELECT, DELETE, DROP TABLE, ALTER TABLE…"
            >
              <ListInput
                id={`${at.join('-')}-commands`}
                label={`Rule ${i + 1}: add a command`}
                values={m.commands ?? []}
                onChange={(v) => set([...at, 'commands'], orNone(v))}
                normalize={(c) => c.toUpperCase()}
                placeholder="ALTER TABLE"
                mono
              />
            </PField>
            <PField
              label="Tables"
              htmlFor={`${at.join('-')}-tables`}
              problem={issueAt(issues, [...at, 'tables'])}
              hint="Names or globs, optionally schema-qualified: billing.*, audit_*"
            >
              <ListInput
                id={`${at.join('-')}-tables`}
                label={`Rule ${i + 1}: add a table`}
                values={m.tables ?? []}
                onChange={(v) => set([...at, 'tables'], orNone(v))}
                placeholder="billing.*"
                mono
              />
            </PField>
            <PField
              label="Functions"
              htmlFor={`${at.join('-')}-functions`}
              problem={issueAt(issues, [...at, 'functions'])}
              hint="Called anywhere in the statement."
            >
              <ListInput
                id={`${at.join('-')}-functions`}
                label={`Rule ${i + 1}: add a function`}
                values={m.functions ?? []}
                onChange={(v) => set([...at, 'functions'], orNone(v))}
                placeholder="pg_sleep"
                mono
              />
            </PField>
          </RuleCard>
        );
      })}
      {issuesUnder(issues, base).length > 0 && rules.length === 0 && <Problem message={issuesUnder(issues, base)[0]?.message} />}
    </div>
  );
}

/** The policy's own shell rules, checked before the built-in shell rules. */
export function CustomShellRules({ d, set, issues }: SectionProps) {
  const base: Path = ['guardrails', 'shell', 'rules'];
  const rules = (d.guardrails?.shell?.rules ?? []) as unknown as RuleBase[];
  return (
    <div className="space-y-2.5">
      <Sub
        title="Custom shell rules"
        aside={
          <button type="button" className={SECONDARY} onClick={() => set(base, [...rules, { id: '', action: 'deny', match: {} }])}>
            Add shell rule
          </button>
        }
      >
        Checked in order before the built-in shell rules. Match on the program (globs, without its folder) and on arguments.
      </Sub>
      {rules.length === 0 && <p className="text-[12.5px] text-slate-400">No custom shell rules.</p>}
      {rules.map((r, i) => {
        const at = [...base, i, 'match'];
        const m = r.match ?? {};
        return (
          <RuleCard
            key={i}
            rule={r}
            base={base}
            index={i}
            set={set}
            issues={issues}
            remove={() =>
              set(
                base,
                rules.filter((_, j) => j !== i),
              )
            }
          >
            <PField label="Programs" htmlFor={`${at.join('-')}-commands`} problem={issueAt(issues, [...at, 'commands'])} hint="kubectl, aws, mkfs.*">
              <ListInput
                id={`${at.join('-')}-commands`}
                label={`Shell rule ${i + 1}: add a program`}
                values={m.commands ?? []}
                onChange={(v) => set([...at, 'commands'], orNone(v))}
                placeholder="kubectl"
                mono
              />
            </PField>
            <PField
              label="Arguments"
              htmlFor={`${at.join('-')}-args`}
              problem={issueAt(issues, [...at, 'args'])}
              hint="Globs; one argument must match one: delete, s3://prod-*"
            >
              <ListInput
                id={`${at.join('-')}-args`}
                label={`Shell rule ${i + 1}: add an argument`}
                values={m.args ?? []}
                onChange={(v) => set([...at, 'args'], orNone(v))}
                placeholder="delete"
                mono
              />
            </PField>
          </RuleCard>
        );
      })}
    </div>
  );
}
