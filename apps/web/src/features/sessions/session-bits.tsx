'use client';

import type { ReactNode } from 'react';
import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { useNow } from '~/components/ui/relative-time';
import { formatDuration, modeLabel as reviewModeLabel } from '~/features/reviews/review-bits';

/** How a session was opened, in words (a conversation's mode says what it is). */
export const modeLabel = (mode: string): string => (mode === 'claude' ? 'Claude Code' : reviewModeLabel(mode));

const STATUS: Record<string, { label: string; tone: 'green' | 'neutral' | 'red'; title: string }> = {
  open: { label: 'Live', tone: 'green', title: 'The session is running: this page follows it' },
  closed: { label: 'Closed', tone: 'neutral', title: 'The session ended' },
  failed: { label: 'Failed', tone: 'red', title: 'The session could not be opened or ended with an error' },
};

export function SessionStatusBadge({ status, title, className }: { status: string; title?: string | null; className?: string }) {
  const s = STATUS[status] ?? { label: status, tone: 'neutral' as const, title: status };
  return (
    <Badge tone={s.tone} title={title ?? s.title} className={className}>
      {status === 'open' && (
        <span className="relative inline-flex h-1.5 w-1.5 rounded-full bg-emerald-500">
          <span className="absolute inset-0 animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:hidden" />
        </span>
      )}
      <span data-testid="session-status" data-status={status}>
        {s.label}
      </span>
    </Badge>
  );
}

/** A service account is an AI agent's identity, not a person: always say so beside the name. */
export function ServiceBadge() {
  return (
    <Badge tone="blue" title="A service account: an AI agent acting through hoop, not a person">
      <span data-testid="service-badge">AI agent</span>
    </Badge>
  );
}

const DECISION: Record<string, { label: string; tone: 'green' | 'red' | 'amber' | 'blue' | 'neutral'; title: string }> = {
  allow: { label: 'Allowed', tone: 'green', title: 'Allowed by policy and sent to the target' },
  deny: { label: 'Blocked', tone: 'red', title: 'Refused by a guardrail: it never reached the target' },
  review: { label: 'Held for review', tone: 'amber', title: 'Held by a guardrail until a reviewer decided' },
  approved: { label: 'Approved', tone: 'blue', title: 'Ran after a reviewer approved it' },
};

export function DecisionBadge({ decision }: { decision: string }) {
  const d = DECISION[decision] ?? { label: decision, tone: 'neutral' as const, title: decision };
  return (
    <Badge tone={d.tone} title={d.title}>
      <span data-testid="decision" data-decision={decision}>
        {d.label}
      </span>
    </Badge>
  );
}

/** `EMAIL ×3` chips, largest first. */
export function MaskedChips({ masked, className }: { masked: Record<string, number>; className?: string }) {
  const entries = Object.entries(masked).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return null;
  return (
    <span className={cx('inline-flex flex-wrap items-center gap-1', className)} data-testid="masked-counts">
      {entries.map(([type, n]) => (
        <span
          key={type}
          title={`${n} ${type.toLowerCase()} value${n === 1 ? '' : 's'} masked before leaving the agent`}
          className="inline-flex items-center gap-1 rounded bg-violet-50 px-1.5 py-px font-mono text-[11px] text-violet-800 ring-1 ring-inset ring-violet-200"
        >
          {type.toUpperCase()}
          <span className="tabular-nums text-violet-500">×{n}</span>
        </span>
      ))}
    </span>
  );
}

/** How long a session ran, ticking while it is open. */
export function SessionDuration({ startedAt, endedAt, status }: { startedAt: Date; endedAt: Date | null; status: string }) {
  const now = useNow(1_000);
  if (!endedAt && status !== 'open') return <span className="text-slate-400">—</span>;
  const end = endedAt ?? now;
  return (
    <span className="tabular-nums" suppressHydrationWarning>
      {formatDuration(end.getTime() - startedAt.getTime())}
    </span>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `+1.25 s` from the session start. */
export function offset(at: Date, start: Date): string {
  const s = Math.max(0, (at.getTime() - start.getTime()) / 1000);
  return s < 60 ? `+${s.toFixed(s < 10 ? 2 : 1)} s` : `+${formatDuration(s * 1000)}`;
}

const exact = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
const short = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
export const utc = (d: Date): string => `${exact.format(d)} UTC`;
export const utcShort = (d: Date): string => `${short.format(d)} UTC`;

export function Stat({
  label,
  value,
  tone = 'neutral',
  children,
}: {
  label: string;
  value: ReactNode;
  tone?: 'neutral' | 'red' | 'violet' | 'amber';
  children?: ReactNode;
}) {
  const color = { neutral: 'text-slate-900', red: 'text-red-700', violet: 'text-violet-800', amber: 'text-amber-800' }[tone];
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-[0_1px_0_rgba(15,23,42,0.03)]">
      <div className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">{label}</div>
      <div className={cx('mt-1 text-xl font-semibold tabular-nums', color)}>{value}</div>
      {children && <div className="mt-1">{children}</div>}
    </div>
  );
}
