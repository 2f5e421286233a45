'use client';

import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { SignOutIcon } from '../ui/icons';

export interface ShellUser {
  name: string;
  email: string;
  role: string;
  orgName: string;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '')).toUpperCase();
}

export function UserMenu({ user }: { user: ShellUser }) {
  const [leaving, setLeaving] = useState(false);
  return (
    <div className="flex items-center gap-2.5 border-t border-white/5 px-3 py-3">
      <div className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-slate-800 text-[11px] font-semibold text-slate-200" aria-hidden>
        {initials(user.name)}
      </div>
      <div className="min-w-0 flex-1 leading-tight">
        <div className="truncate text-[13px] font-medium text-slate-100" title={user.email} data-testid="current-user">
          {user.name}
        </div>
        <div className="truncate text-[11px] capitalize text-slate-500">{user.role}</div>
      </div>
      <button
        type="button"
        title="Sign out"
        aria-label="Sign out"
        disabled={leaving}
        onClick={() => {
          setLeaving(true);
          // navigate ourselves: the server's idea of its own URL may differ from the one in the address bar
          void signOut({ redirect: false }).then(() => window.location.assign('/login'));
        }}
        className="inline-flex h-7 w-7 items-center justify-center rounded-md text-slate-500 hover:bg-white/5 hover:text-slate-200 disabled:opacity-50"
      >
        <SignOutIcon />
      </button>
    </div>
  );
}
