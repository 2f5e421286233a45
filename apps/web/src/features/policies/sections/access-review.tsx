'use client';

import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { ListInput } from '~/components/ui/list-input';
import { Switch } from '~/components/ui/switch';
import { INPUT } from '~/features/integrations/form-bits';
import { Checks, NumberInput, PField, Section, Sub, ROLE_OPTIONS, type RoleName } from '../form-controls';
import { issueAt, issuesUnder, numberOrText } from '../policy-draft';
import type { SectionProps } from './section-props';

const MODES = [
  { mode: 'connect', label: 'Connect', hint: 'hoop connect: a local port for psql, DBeaver, ORMs, ssh' },
  { mode: 'exec', label: 'Exec', hint: 'hoop exec: one statement or command' },
  { mode: 'mcp', label: 'AI agents (MCP)', hint: 'hoop mcp and /mcp tools' },
  { mode: 'claude', label: 'Claude Code (model API)', hint: 'hoop claude: the model API through an anthropic connection' },
] as const;

/** Who may use the connections, per mode; a mode not limited is open to every member. */
export function AccessSection({ d, set, issues }: SectionProps) {
  const access = (d.access ?? {}) as Record<string, RoleName[] | undefined>;
  return (
    <Section
      id="access"
      title="Access"
      description="Which roles may use these connections, per way of using them. Admins are never locked out (they can change the policy anyway)."
      issues={issuesUnder(issues, ['access'])}
    >
      <div className="divide-y divide-slate-100 rounded-md border border-slate-200">
        {MODES.map(({ mode, label, hint }) => {
          const roles = access[mode];
          const limited = roles !== undefined;
          return (
            <div
              key={mode}
              className="grid gap-3 px-3 py-2.5 md:grid-cols-[12rem_minmax(0,1fr)] md:items-center"
              data-testid="access-mode"
              data-mode={mode}
              data-limited={limited}
            >
              <div>
                <div className="text-[13px] font-medium text-slate-800">{label}</div>
                <div className="text-[12px] text-slate-500">{hint}</div>
              </div>
              <div className="flex flex-wrap items-center gap-x-5 gap-y-2">
                <select
                  aria-label={`${label}: who`}
                  value={limited ? 'roles' : 'all'}
                  onChange={(e) => set(['access', mode], e.target.value === 'roles' ? ['admin'] : undefined)}
                  className={cx(CONTROL, 'block h-8 w-52 py-0')}
                >
                  <option value="all">Every member</option>
                  <option value="roles">Only these roles</option>
                </select>
                {limited && <Checks label={`${label} roles`} values={roles} options={ROLE_OPTIONS} onChange={(v) => set(['access', mode], v)} />}
                {limited && issueAt(issues, ['access', mode]) && <span className="text-[12px] text-red-700">{issueAt(issues, ['access', mode])}</span>}
              </div>
            </div>
          );
        })}
      </div>
    </Section>
  );
}

/** Who approves held statements and access requests, and how. */
export function ReviewSection({ d, set, issues }: SectionProps) {
  const r = d.review ?? {
    approvers: { roles: ['admin', 'reviewer'], users: [] },
    minApprovals: 1,
    allowSelfApproval: false,
    timeoutMinutes: 30,
    access: { required: false, defaultMinutes: 30, maxMinutes: 240 },
  };
  const p = (...k: (string | number)[]) => issueAt(issues, ['review', ...k]);
  return (
    <Section
      id="review"
      title="Review"
      description="What happens to a statement or command a rule holds for review: who may approve it, how many must, and for how long it waits."
      issues={issuesUnder(issues, ['review'])}
    >
      <div className="grid gap-4 md:grid-cols-2">
        <PField label="Approver roles" htmlFor="review-roles" problem={p('approvers', 'roles')}>
          <Checks
            label="Approver roles"
            values={(r.approvers?.roles ?? []) as RoleName[]}
            options={ROLE_OPTIONS}
            onChange={(v) => set(['review', 'approvers', 'roles'], v)}
          />
        </PField>
        <PField
          label="Approvers by e-mail"
          htmlFor="review-users"
          problem={p('approvers', 'users') ?? issuesUnder(issues, ['review', 'approvers', 'users'])[0]?.message}
          hint="People who may approve whatever their role."
        >
          <ListInput
            id="review-users"
            label="Add an approver e-mail"
            values={r.approvers?.users ?? []}
            onChange={(v) => set(['review', 'approvers', 'users'], v)}
            placeholder="rita@example.com"
          />
        </PField>
      </div>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <PField label="Approvals needed" htmlFor="review-min" problem={p('minApprovals')} hint="n of m; one rejection ends the request.">
          <NumberInput
            id="review-min"
            value={r.minApprovals}
            onChange={(t) => set(['review', 'minApprovals'], numberOrText(t))}
            invalid={Boolean(p('minApprovals'))}
          />
        </PField>
        <PField label="Waits for" htmlFor="review-timeout" problem={p('timeoutMinutes')} hint="Then the request expires.">
          <NumberInput
            id="review-timeout"
            value={r.timeoutMinutes}
            onChange={(t) => set(['review', 'timeoutMinutes'], numberOrText(t))}
            suffix="minutes"
            invalid={Boolean(p('timeoutMinutes'))}
          />
        </PField>
        <PField label="Slack channel" htmlFor="review-slack" problem={p('slackChannel')} hint="Else the org's default channel.">
          <input
            id="review-slack"
            value={r.slackChannel ?? ''}
            onChange={(e) => set(['review', 'slackChannel'], e.target.value.trim() ? e.target.value : undefined)}
            placeholder="#db-reviews"
            className={INPUT}
          />
        </PField>
      </div>
      <div className="rounded-md border border-slate-200 px-3">
        <Switch
          label="Requesters may approve their own requests"
          description="Off by default: someone else must look."
          checked={Boolean(r.allowSelfApproval)}
          onChange={(v) => set(['review', 'allowSelfApproval'], v)}
        />
      </div>
      <div className="space-y-3 rounded-md border border-slate-200 p-3">
        <Sub title="Time-boxed access">hoop connect asks for an approved grant first, for a limited time.</Sub>
        <Switch label="Require approval to connect" checked={Boolean(r.access?.required)} onChange={(v) => set(['review', 'access', 'required'], v)} />
        <div className="grid gap-4 sm:grid-cols-2">
          <PField label="Default length" htmlFor="review-access-default" problem={p('access', 'defaultMinutes') ?? p('access')}>
            <NumberInput
              id="review-access-default"
              value={r.access?.defaultMinutes}
              onChange={(t) => set(['review', 'access', 'defaultMinutes'], numberOrText(t))}
              suffix="minutes"
            />
          </PField>
          <PField label="Longest grant" htmlFor="review-access-max" problem={p('access', 'maxMinutes')}>
            <NumberInput
              id="review-access-max"
              value={r.access?.maxMinutes}
              onChange={(t) => set(['review', 'access', 'maxMinutes'], numberOrText(t))}
              suffix="minutes"
            />
          </PField>
        </div>
      </div>
    </Section>
  );
}
