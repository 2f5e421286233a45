import type { ReactNode } from 'react';
import { cx } from './cx';

type Tone = 'neutral' | 'green' | 'amber' | 'red' | 'blue';

const TONE: Record<Tone, string> = {
  neutral: 'bg-slate-100 text-slate-600 ring-slate-200',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-200',
  amber: 'bg-amber-50 text-amber-800 ring-amber-200',
  red: 'bg-red-50 text-red-700 ring-red-200',
  blue: 'bg-sky-50 text-sky-700 ring-sky-200',
};

export function Badge({ tone = 'neutral', children, title, className }: { tone?: Tone; children: ReactNode; title?: string; className?: string }) {
  return (
    <span
      title={title}
      className={cx('inline-flex items-center gap-1 rounded px-1.5 py-px text-[11px] font-medium ring-1 ring-inset whitespace-nowrap', TONE[tone], className)}
    >
      {children}
    </span>
  );
}

export type AgentState = 'online' | 'offline' | 'never-connected';

const STATE: Record<AgentState, { label: string; dot: string; tone: string; title: string }> = {
  online: { label: 'Online', dot: 'bg-emerald-500', tone: 'text-emerald-700', title: 'Heartbeat received in the last 15 seconds' },
  offline: { label: 'Offline', dot: 'bg-slate-400', tone: 'text-slate-500', title: 'No heartbeat in the last 15 seconds' },
  'never-connected': { label: 'Never connected', dot: 'bg-amber-400', tone: 'text-amber-700', title: 'This agent has not connected to the gateway yet' },
};

/** Online state of an agent: a dot and a word, never colour alone. */
export function StatusBadge({ status }: { status: AgentState }) {
  const s = STATE[status];
  return (
    <span data-status={status} title={s.title} className={cx('inline-flex items-center gap-1.5 text-xs font-medium whitespace-nowrap', s.tone)}>
      <span className={cx('relative inline-flex h-2 w-2 rounded-full', s.dot)}>
        {status === 'online' && <span className="absolute inset-0 animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:hidden" />}
      </span>
      {s.label}
    </span>
  );
}
