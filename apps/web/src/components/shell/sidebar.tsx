'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { useTRPC } from '~/trpc/react';
import { cx } from '../ui/cx';
import { ChartIcon, DatabaseIcon, HoopMark, InboxIcon, PlugIcon, ServerIcon, ShieldIcon, TerminalIcon, UsersIcon, KeyIcon, PolicyIcon } from '../ui/icons';
import type { NavItem, NavSection } from './nav';
import { UserMenu, type ShellUser } from './user-menu';

const ICONS = {
  chart: ChartIcon,
  database: DatabaseIcon,
  server: ServerIcon,
  inbox: InboxIcon,
  plug: PlugIcon,
  terminal: TerminalIcon,
  shield: ShieldIcon,
  users: UsersIcon,
  key: KeyIcon,
  policy: PolicyIcon,
} as const;

/** Requests waiting for the signed-in user (amber), or else pending in the org (grey); nothing when none are. */
function ReviewsBadge() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.review.summary.queryOptions({}), refetchInterval: 5_000 });
  if (!q.data || q.data.pending === 0) return null;
  const mine = q.data.awaitingMe;
  const title = mine > 0 ? `${mine} waiting for your decision (${q.data.pending} pending in all)` : `${q.data.pending} pending, none waiting for you`;
  return (
    <span
      title={title}
      data-testid="reviews-badge"
      className={cx(
        'ml-auto min-w-5 rounded-full px-1.5 text-center text-[11px] font-semibold leading-5 tabular-nums',
        mine > 0 ? 'bg-amber-400 text-slate-950' : 'bg-white/10 text-slate-300',
      )}
    >
      {mine > 0 ? mine : q.data.pending}
    </span>
  );
}

const BADGES: Record<NonNullable<NavItem['badge']>, () => ReactNode> = { reviews: ReviewsBadge };

export function Sidebar({ sections, user }: { sections: NavSection[]; user: ShellUser }) {
  const path = usePathname();
  return (
    <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col bg-slate-950 text-slate-300">
      <div className="flex h-14 items-center gap-2.5 border-b border-white/5 px-4">
        <HoopMark className="text-emerald-400" />
        <div className="min-w-0 leading-tight">
          <div className="text-[15px] font-semibold tracking-tight text-white">hoop</div>
          <div className="truncate text-[11px] text-slate-500" title={user.orgName}>
            {user.orgName}
          </div>
        </div>
      </div>
      <nav className="flex-1 space-y-5 overflow-y-auto px-2.5 py-4" aria-label="Main">
        {sections.map((section) => (
          <div key={section.title}>
            <div className="px-2 pb-1.5 text-[10.5px] font-semibold uppercase tracking-[0.08em] text-slate-500">{section.title}</div>
            <ul className="space-y-0.5">
              {section.items.map((item) => {
                const active = path === item.href || path.startsWith(`${item.href}/`);
                const Icon = ICONS[item.icon];
                const Badge = item.badge ? BADGES[item.badge] : null;
                return (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      aria-current={active ? 'page' : undefined}
                      className={cx(
                        'flex items-center gap-2.5 rounded-md px-2 py-1.5 text-[13px]',
                        active ? 'bg-white/10 font-medium text-white' : 'text-slate-400 hover:bg-white/5 hover:text-slate-100',
                      )}
                    >
                      <Icon className={active ? 'text-emerald-400' : 'text-slate-500'} />
                      {item.label}
                      {Badge && <Badge />}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </nav>
      <UserMenu user={user} />
    </aside>
  );
}
