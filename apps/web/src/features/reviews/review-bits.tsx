'use client';

import { Badge } from '~/components/ui/badge';
import { cx } from '~/components/ui/cx';
import { ClockIcon } from '~/components/ui/icons';
import { useNow } from '~/components/ui/relative-time';

export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'revoked';

const STATUS: Record<ReviewStatus, { label: string; tone: 'amber' | 'green' | 'red' | 'neutral'; title: string }> = {
  pending: { label: 'Pending', tone: 'amber', title: 'Waiting for reviewers; the statement is held at the agent' },
  approved: { label: 'Approved', tone: 'green', title: 'Approved: the held statement may run once' },
  rejected: { label: 'Rejected', tone: 'red', title: 'Rejected by a reviewer; the statement did not run' },
  expired: { label: 'Expired', tone: 'neutral', title: 'Nobody decided in time; the statement did not run' },
  revoked: { label: 'Revoked', tone: 'red', title: 'Withdrawn by an admin' },
};

export function ReviewStatusBadge({ status, className }: { status: ReviewStatus; className?: string }) {
  const s = STATUS[status];
  return (
    <Badge tone={s.tone} title={s.title} className={className}>
      <span data-testid="review-status" data-status={status}>
        {s.label}
      </span>
    </Badge>
  );
}

/** "4m 05s", "1h 20m", "2d 3h": the largest two units. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Time left before a pending request expires, ticking every second; amber under 5 minutes, red under 1. */
export function Countdown({ until, className }: { until: Date; className?: string }) {
  const now = useNow(1_000);
  const left = until.getTime() - now.getTime();
  const tone = left <= 0 ? 'text-slate-400' : left < 60_000 ? 'text-red-600' : left < 5 * 60_000 ? 'text-amber-700' : 'text-slate-600';
  return (
    <span
      className={cx('inline-flex items-center gap-1 whitespace-nowrap tabular-nums', tone, className)}
      title={`Expires ${until.toLocaleString()}`}
      data-testid="review-countdown"
      suppressHydrationWarning
    >
      <ClockIcon width={12} height={12} className="shrink-0" />
      {left <= 0 ? 'expired' : `${formatDuration(left)} left`}
    </span>
  );
}

/** n of m approvals, as dots and numbers. */
export function ApprovalMeter({ approvals, min }: { approvals: number; min: number }) {
  return (
    <span
      className="inline-flex items-center gap-1.5 whitespace-nowrap"
      title={`${approvals} of ${min} approval${min === 1 ? '' : 's'} needed`}
      data-testid="review-approvals"
    >
      <span className="flex gap-0.5" aria-hidden>
        {Array.from({ length: Math.min(min, 5) }, (_, i) => (
          <span key={i} className={cx('h-1.5 w-3 rounded-full', i < approvals ? 'bg-emerald-500' : 'bg-slate-200')} />
        ))}
      </span>
      <span className="tabular-nums text-slate-600">
        {approvals}/{min}
      </span>
    </span>
  );
}

const MODES: Record<string, string> = { exec: 'hoop exec', connect: 'hoop connect', mcp: 'MCP tool' };

export function modeLabel(mode: string): string {
  return MODES[mode] ?? mode;
}

/** What a request asks for, in one line: the statement, or the access asked for. */
export function requestSummary(r: { kind: 'statement' | 'access'; statement: string | null; durationMinutes: number | null }): string {
  if (r.kind === 'access') return `access for ${r.durationMinutes ?? '?'} minutes`;
  return (r.statement ?? '').replace(/\s+/g, ' ').trim();
}

const VIA: Record<string, string> = { web: 'web', slack: 'Slack', cli: 'CLI' };
export const viaLabel = (via: string): string => VIA[via] ?? via;

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase();
}
