'use client';

import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { ListInput } from '~/components/ui/list-input';
import { INPUT, SECONDARY, SMALL_DANGER } from '~/features/integrations/form-bits';
import { ActionSelect, Checks, PField, Problem, Sub } from '../form-controls';
import { type Action, issueAt, issuesUnder, type Path } from '../policy-draft';
import { orBlank, orNone, type SectionProps } from './section-props';

export interface RuleBase {
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
  withHint = true,
}: {
  rule: RuleBase;
  base: Path;
  index: number;
  set: SectionProps['set'];
  issues: SectionProps['issues'];
  remove: () => void;
  children: ReactNode;
  /** the rule kind has a hint field */
  withHint?: boolean;
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
      {withHint && (
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
      )}
      <Problem message={p('match')} />
    </div>
  );
}

/** A match field that takes a list of words or globs. */
export interface MatchList {
  field: string;
  label: string;
  hint: string;
  /** what its add button adds: "a table" */
  adds: string;
  placeholder: string;
  normalize?: (v: string) => string;
}

const SQL_LISTS: MatchList[] = [
  {
    field: 'commands',
    label: 'Commands',
    hint: 'As classified: SELECT, DELETE, DROP TABLE, ALTER TABLE…',
    adds: 'a command',
    placeholder: 'ALTER TABLE',
    normalize: (c) => c.toUpperCase(),
  },
  { field: 'tables', label: 'Tables', hint: 'Names or globs, optionally schema-qualified: billing.*, audit_*', adds: 'a table', placeholder: 'billing.*' },
  { field: 'functions', label: 'Functions', hint: 'Called anywhere in the statement.', adds: 'a function', placeholder: 'pg_sleep' },
];

const SHELL_LISTS: MatchList[] = [
  { field: 'commands', label: 'Programs', hint: 'kubectl, aws, mkfs.*', adds: 'a program', placeholder: 'kubectl' },
  { field: 'args', label: 'Arguments', hint: 'Globs; one argument must match one: delete, s3://prod-*', adds: 'an argument', placeholder: 'delete' },
];

/**
 * A list of the policy's own rules: a heading with its add button, then a card a rule with its match fields (`first`,
 * then a list input for each of `lists`). Rule n is called `${ruleWord} n` in the inputs' names.
 */
export function RuleList({
  title,
  intro,
  addLabel,
  empty,
  ruleWord,
  base,
  rules,
  lists,
  first,
  last,
  footer,
  withHint,
  newRule = { id: '', action: 'deny', match: {} },
  set,
  issues,
}: {
  title: string;
  intro: ReactNode;
  addLabel: string;
  empty: string;
  ruleWord: string;
  base: Path;
  rules: RuleBase[];
  lists: MatchList[];
  first?: (at: Path, m: RuleBase['match'], n: number) => ReactNode;
  /** after the lists: match fields of another shape */
  last?: (at: Path, n: number) => ReactNode;
  footer?: ReactNode;
  withHint?: boolean;
  /** what the add button adds */
  newRule?: RuleBase;
  set: SectionProps['set'];
  issues: SectionProps['issues'];
}) {
  return (
    <div className="space-y-2.5">
      <Sub
        title={title}
        aside={
          <button type="button" className={SECONDARY} onClick={() => set(base, [...rules, newRule])}>
            {addLabel}
          </button>
        }
      >
        {intro}
      </Sub>
      {rules.length === 0 && <p className="text-[12.5px] text-slate-400">{empty}</p>}
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
            withHint={withHint}
            remove={() =>
              set(
                base,
                rules.filter((_, j) => j !== i),
              )
            }
          >
            {first?.(at, m, i + 1)}
            {lists.map((l) => (
              <PField
                key={l.field}
                label={l.label}
                htmlFor={`${at.join('-')}-${l.field}`}
                problem={issueAt(issues, [...at, l.field]) ?? issuesUnder(issues, [...at, l.field])[0]?.message}
                hint={l.hint}
              >
                <ListInput
                  id={`${at.join('-')}-${l.field}`}
                  label={`${ruleWord} ${i + 1}: add ${l.adds}`}
                  values={m[l.field] ?? []}
                  onChange={(v) => set([...at, l.field], orNone(v))}
                  normalize={l.normalize}
                  placeholder={l.placeholder}
                  mono
                />
              </PField>
            ))}
            {last?.(at, i + 1)}
          </RuleCard>
        );
      })}
      {footer}
    </div>
  );
}

/** The policy's own SQL rules: checked in order before the built-ins; the first that matches decides. */
export function CustomSqlRules({ d, set, issues, catalog }: SectionProps) {
  const base: Path = ['guardrails', 'rules'];
  const rules = (d.guardrails?.rules ?? []) as unknown as RuleBase[];
  const kinds = catalog.statementKinds.map((k) => ({ value: k, label: k }));
  const under = issuesUnder(issues, base);
  return (
    <RuleList
      title="Custom SQL rules"
      intro="Checked in order before the built-ins; the first that matches a statement decides for it. Match on kind, command, table (globs) or function."
      addLabel="Add SQL rule"
      empty="No custom SQL rules."
      ruleWord="Rule"
      base={base}
      rules={rules}
      lists={SQL_LISTS}
      first={(at, m, n) => (
        <PField label="Statement kinds" htmlFor={`${at.join('-')}-kinds`} problem={issueAt(issues, [...at, 'kinds'])} className="md:col-span-2">
          <Checks label={`Rule ${n} kinds`} values={m.kinds ?? []} options={kinds} onChange={(v) => set([...at, 'kinds'], orNone(v))} />
        </PField>
      )}
      footer={under.length > 0 && rules.length === 0 && <Problem message={under[0]?.message} />}
      set={set}
      issues={issues}
    />
  );
}

/** The policy's own shell rules, checked before the built-in shell rules. */
export function CustomShellRules({ d, set, issues }: SectionProps) {
  const base: Path = ['guardrails', 'shell', 'rules'];
  const rules = (d.guardrails?.shell?.rules ?? []) as unknown as RuleBase[];
  return (
    <RuleList
      title="Custom shell rules"
      intro="Checked in order before the built-in shell rules. Match on the program (globs, without its folder) and on arguments."
      addLabel="Add shell rule"
      empty="No custom shell rules."
      ruleWord="Shell rule"
      base={base}
      rules={rules}
      lists={SHELL_LISTS}
      set={set}
      issues={issues}
    />
  );
}
