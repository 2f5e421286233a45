'use client';

import { Switch } from '~/components/ui/switch';
import { NumberInput, PField, Section } from '../form-controls';
import { issueAt, issuesUnder, numberOrText } from '../policy-draft';
import type { SectionProps } from './section-props';

const LIMITS = [
  { key: 'maxRows', label: 'Rows per tool call', suffix: 'rows', hint: 'A call’s own limit can only lower it.' },
  { key: 'maxBytes', label: 'Row data per tool call', suffix: 'bytes', hint: 'At least 1024.' },
  { key: 'statementTimeoutMs', label: 'Statement timeout', suffix: 'ms', hint: 'Postgres statement_timeout for agent sessions.' },
  { key: 'callsPerMinute', label: 'Calls per minute', suffix: 'per user', hint: 'Tool calls that open a session.' },
] as const;

/** What an AI agent gets per MCP tool call and minute. */
export function LimitsSection({ d, set, issues }: SectionProps) {
  const l = (d.limits ?? {}) as Record<string, unknown>;
  return (
    <Section
      id="limits"
      title="Limits for AI agents"
      description="Bounds on what sessions opened through MCP return and how often they are opened."
      issues={issuesUnder(issues, ['limits'])}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {LIMITS.map((x) => (
          <PField key={x.key} label={x.label} htmlFor={`limit-${x.key}`} problem={issueAt(issues, ['limits', x.key])} hint={x.hint}>
            <NumberInput
              id={`limit-${x.key}`}
              value={l[x.key]}
              onChange={(t) => set(['limits', x.key], numberOrText(t))}
              suffix={x.suffix}
              invalid={Boolean(issueAt(issues, ['limits', x.key]))}
            />
          </PField>
        ))}
      </div>
    </Section>
  );
}

export function SshSection({ d, set, issues }: SectionProps) {
  return (
    <Section id="ssh" title="SSH" description="For ssh connections." issues={issuesUnder(issues, ['ssh'])}>
      <div className="rounded-md border border-slate-200 px-3">
        <Switch
          label="Allow port forwarding"
          description="Let clients open tunnels through the target (ssh -L, ssh -W); each one is recorded. Off: refused."
          checked={Boolean(d.ssh?.portForwarding)}
          onChange={(v) => set(['ssh', 'portForwarding'], v)}
        />
      </div>
    </Section>
  );
}
