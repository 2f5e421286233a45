'use client';

import type { ComponentProps, ReactNode } from 'react';
import { Badge } from '~/components/ui/badge';
import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { ListInput } from '~/components/ui/list-input';
import type { Action, PolicyIssue } from './policy-draft';

/** Controls of the policy form. */

export const ACTIONS: Action[] = ['deny', 'review', 'allow'];
const ACTION_TONE = { deny: 'red', review: 'amber', allow: 'green' } as const;

export function ActionBadge({ action, title }: { action: Action; title?: string }) {
  return (
    <Badge tone={ACTION_TONE[action]} title={title}>
      {action}
    </Badge>
  );
}

/** A titled part of the form with an anchor for the jump links, and how many problems it has. */
export function Section({
  id,
  title,
  description,
  issues,
  children,
}: {
  id: string;
  title: string;
  description: ReactNode;
  issues: PolicyIssue[];
  children: ReactNode;
}) {
  return (
    <section
      id={id}
      aria-label={title}
      data-testid={`policy-section-${id}`}
      className="scroll-mt-16 rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]"
    >
      <header className="flex items-start justify-between gap-4 border-b border-slate-100 px-5 py-3.5">
        <div>
          <h2 className="text-[14px] font-semibold text-slate-900">{title}</h2>
          <p className="mt-0.5 max-w-2xl text-[12.5px] text-slate-500">{description}</p>
        </div>
        {issues.length > 0 && (
          <Badge tone="red">
            {issues.length} problem{issues.length === 1 ? '' : 's'}
          </Badge>
        )}
      </header>
      <div className="space-y-5 px-5 py-4">{children}</div>
    </section>
  );
}

/** A sub-heading inside a section. */
export function Sub({ title, children, aside }: { title: string; children?: ReactNode; aside?: ReactNode }) {
  return (
    <div className="flex items-end justify-between gap-3">
      <div>
        <h3 className="text-[12px] font-semibold uppercase tracking-wider text-slate-500">{title}</h3>
        {children && <p className="mt-0.5 text-[12px] text-slate-500">{children}</p>}
      </div>
      {aside}
    </div>
  );
}

export function Problem({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="mt-1 text-[12px] text-red-700" role="alert">
      {message}
    </p>
  );
}

/** A labelled field that shows its problem (from the schema) under it. */
export function PField({
  label,
  htmlFor,
  hint,
  problem,
  children,
  className,
}: {
  label: string;
  htmlFor: string;
  hint?: ReactNode;
  problem?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={className}>
      <label htmlFor={htmlFor} className="text-[12px] font-medium text-slate-700">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {problem ? <Problem message={problem} /> : hint && <p className="mt-1 text-[12px] text-slate-500">{hint}</p>}
    </div>
  );
}

/** A labelled list of values (names, globs, e-mails): `label` names the field, `add` the text field that adds one. */
export function ListField({
  label,
  add,
  hint,
  problem,
  ...list
}: { label: string; add: string; hint?: ReactNode; problem?: string } & Omit<ComponentProps<typeof ListInput>, 'label'>) {
  return (
    <PField label={label} htmlFor={list.id} problem={problem} hint={hint}>
      <ListInput label={add} {...list} />
    </PField>
  );
}

/** A number that may hold what is being typed (the schema reports a wrong one). */
export function NumberInput({
  id,
  value,
  onChange,
  invalid,
  suffix,
  className,
}: {
  id: string;
  value: unknown;
  onChange: (text: string) => void;
  invalid?: boolean;
  suffix?: string;
  className?: string;
}) {
  return (
    <div className={cx('flex items-center gap-2', className)}>
      <input
        id={id}
        inputMode="numeric"
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
        className={cx(CONTROL, 'block h-9 w-32 font-mono tabular-nums')}
      />
      {suffix && <span className="text-[12px] text-slate-500">{suffix}</span>}
    </div>
  );
}

/** deny / review / allow, or the rule's default when `defaultAction` is given. */
export function ActionSelect({
  id,
  value,
  onChange,
  defaultAction,
  label,
  className,
}: {
  id?: string;
  value: Action | undefined;
  onChange: (a: Action | undefined) => void;
  defaultAction?: Action;
  label: string;
  className?: string;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value ?? ''}
      onChange={(e) => onChange((e.target.value || undefined) as Action | undefined)}
      className={cx(
        CONTROL,
        'block h-8 w-40 py-0 pl-2',
        defaultAction && (value ? 'border-slate-500 font-medium text-slate-900' : 'text-slate-500'),
        className,
      )}
    >
      {defaultAction && <option value="">{defaultAction} (default)</option>}
      {ACTIONS.filter((a) => !defaultAction || a !== defaultAction).map((a) => (
        <option key={a} value={a}>
          {a}
        </option>
      ))}
    </select>
  );
}

/** Checkboxes for a few values (roles, statement kinds). */
export function Checks<V extends string>({
  values,
  options,
  onChange,
  label,
}: {
  values: readonly V[];
  options: readonly { value: V; label: string }[];
  onChange: (v: V[]) => void;
  label: string;
}) {
  return (
    <div role="group" aria-label={label} className="flex flex-wrap gap-x-4 gap-y-1.5">
      {options.map((o) => (
        <label key={o.value} className="inline-flex items-center gap-1.5 text-[13px] text-slate-700">
          <input
            type="checkbox"
            checked={values.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...values, o.value] : values.filter((v) => v !== o.value))}
            className="h-4 w-4 rounded border-slate-300 accent-slate-900"
          />
          {o.label}
        </label>
      ))}
    </div>
  );
}

export const ROLE_OPTIONS = [
  { value: 'admin', label: 'Admin' },
  { value: 'reviewer', label: 'Reviewer' },
  { value: 'auditor', label: 'Auditor' },
  { value: 'developer', label: 'Developer' },
] as const;
export type RoleName = (typeof ROLE_OPTIONS)[number]['value'];
