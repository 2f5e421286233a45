import type { Role } from '@hoop/core/auth/roles';

export interface NavItem {
  href: string;
  label: string;
  icon: 'chart' | 'database' | 'server' | 'inbox' | 'plug' | 'terminal' | 'shield' | 'users' | 'key' | 'policy';
  roles: Role[] | 'all';
  /** a live count shown beside the label */
  badge?: 'reviews';
}
export interface NavSection {
  title: string;
  items: NavItem[];
}

/** The sidebar, by section; each item says which roles see it (the API checks again on every call). */
export const NAV: NavSection[] = [
  { title: 'Overview', items: [{ href: '/dashboard', label: 'Dashboard', icon: 'chart', roles: 'all' }] },
  {
    title: 'Access',
    items: [
      { href: '/connections', label: 'Connections', icon: 'database', roles: 'all' },
      { href: '/policies', label: 'Policies', icon: 'policy', roles: 'all' },
      { href: '/reviews', label: 'Reviews', icon: 'inbox', roles: 'all', badge: 'reviews' },
    ],
  },
  {
    title: 'Activity',
    items: [
      { href: '/sessions', label: 'Sessions', icon: 'terminal', roles: 'all' },
      { href: '/audit', label: 'Audit', icon: 'shield', roles: ['admin', 'auditor'] },
    ],
  },
  { title: 'Infrastructure', items: [{ href: '/agents', label: 'Agents', icon: 'server', roles: ['admin', 'auditor'] }] },
  {
    title: 'Settings',
    items: [
      { href: '/users', label: 'Users & groups', icon: 'users', roles: ['admin'] },
      { href: '/tokens', label: 'API tokens', icon: 'key', roles: 'all' },
      { href: '/integrations', label: 'Integrations', icon: 'plug', roles: ['admin'] },
    ],
  },
];

export function navFor(role: Role): NavSection[] {
  return NAV.map((s) => ({ ...s, items: s.items.filter((i) => i.roles === 'all' || i.roles.includes(role)) })).filter((s) => s.items.length > 0);
}
