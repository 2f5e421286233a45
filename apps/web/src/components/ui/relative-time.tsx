'use client';

import { useEffect, useState } from 'react';

/** The current time, re-read every `intervalMs` (for clocks and countdowns). */
export function useNow(intervalMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function formatAgo(date: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

const absolute = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

/** "12s ago", kept current; the exact UTC time is in the tooltip. */
export function RelativeTime({ date, never = 'never' }: { date: Date | null; never?: string }) {
  const now = useNow(5_000);
  if (!date) return <span className="text-slate-400">{never}</span>;
  return (
    <time dateTime={date.toISOString()} title={`${absolute.format(date)} UTC`} suppressHydrationWarning className="tabular-nums">
      {formatAgo(date, now)}
    </time>
  );
}
