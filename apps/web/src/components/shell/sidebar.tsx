'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cx } from '../ui/cx';
import { DatabaseIcon, HoopMark, ServerIcon } from '../ui/icons';
import type { NavSection } from './nav';
import { UserMenu, type ShellUser } from './user-menu';

const ICONS = { database: DatabaseIcon, server: ServerIcon } as const;

export function Sidebar({ sections, user }: { sections: NavSection[]; user: ShellUser }) {
  const path = usePathname();
  return (
    <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col bg-slate-950 text-slate-300">
      <div className="flex h-14 items-center gap-2.5 border-b border-white/5 px-4">
        <HoopMark className="text-emerald-400" />
        <div className="min-w-0 leading-tight">
          <div className="text-[15px] font-semibold tracking-tight text-white">hoop</div>
          <div className="truncate text-[11px] text-slate-500" title={user.orgName}>{user.orgName}</div>
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
