'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { ErrorNote } from '~/components/ui/empty-state';
import { LockIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Table, TableSkeleton, Td } from '~/components/ui/table';
import { Panel, PRIMARY, SMALL, SMALL_DANGER } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { RoleBadge, ROLES, type RoleName, SELECT, ShownOnce } from './user-bits';
import { UserForm } from './user-form';

type User = inferOutput<ReturnType<typeof useTRPC>['user']['list']>['items'][number];

const COLUMNS = [
  { label: 'User' },
  { label: 'Own role' },
  { label: 'Effective role' },
  { label: 'Last sign-in' },
  { label: 'Tokens' },
  { label: '', className: 'w-px' },
];

/** Everyone in the org: people and service accounts, their roles (own and through groups), disabling. */
export function UsersPanel({ selfId }: { selfId: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.user.list.queryOptions({}));
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<{ email: string; password: string; reset: boolean } | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  return (
    <Panel
      title="Users"
      testId="users-panel"
      icon={<LockIcon width={18} height={18} />}
      description={
        'People sign in with a password or single sign-on; service accounts (AI agents, automation) use API tokens only. ' +
        "Changes count from the user's next request, in the browser and at the gateway."
      }
      actions={
        !adding && (
          <button
            type="button"
            className={PRIMARY}
            onClick={() => {
              setAdding(true);
              setShown(null);
            }}
          >
            Add user
          </button>
        )
      }
    >
      <div className="space-y-4">
        {shown && (
          <ShownOnce
            testId="user-password-once"
            title={`${shown.reset ? 'New password' : 'Password'} for ${shown.email}: copy it now, it is not shown again.`}
            detail="Hand it over in person or through a password manager. If it is lost, reset it again."
            secret={shown.password}
            onDone={() => setShown(null)}
          />
        )}
        {adding && (
          <UserForm
            onCancel={() => setAdding(false)}
            onCreated={(out) => {
              setAdding(false);
              setShown({ email: out.user.email, password: out.password, reset: false });
              refresh();
            }}
          />
        )}
        {q.isPending ? (
          <TableSkeleton rows={3} />
        ) : q.isError ? (
          <ErrorNote title="Could not load the users" message={q.error.message} />
        ) : (
          <Table columns={COLUMNS} label="Users">
            {q.data.items.map((u) => (
              <UserRow
                key={u.id}
                u={u}
                self={u.id === selfId}
                onPassword={(password) => setShown({ email: u.email, password, reset: true })}
                refresh={refresh}
              />
            ))}
          </Table>
        )}
      </div>
    </Panel>
  );
}

function UserRow({ u, self, onPassword, refresh }: { u: User; self: boolean; onPassword: (p: string) => void; refresh: () => void }) {
  const trpc = useTRPC();
  const setRole = useMutation(trpc.user.setRole.mutationOptions({ onSuccess: refresh }));
  const setDisabled = useMutation(trpc.user.setDisabled.mutationOptions({ onSuccess: refresh }));
  const reset = useMutation(
    trpc.user.resetPassword.mutationOptions({
      onSuccess: (out) => {
        onPassword(out.password);
        refresh();
      },
    }),
  );
  const busy = setRole.isPending || setDisabled.isPending || reset.isPending;
  const error = setRole.error ?? setDisabled.error ?? reset.error;
  const fromGroups = u.groups.filter((g) => g.role === u.effectiveRole && u.role !== u.effectiveRole);
  return (
    <tr data-testid="user-row" data-email={u.email} data-disabled={u.disabled} className={u.disabled ? 'bg-slate-50/80 text-slate-400' : undefined}>
      <Td className="max-w-[22rem]">
        <div className="flex flex-wrap items-center gap-1.5">
          <span className="font-medium text-slate-900">{u.name}</span>
          {self && <Badge>you</Badge>}
          {u.isService && (
            <Badge tone="blue" title="An identity for an AI agent or automation: API tokens only">
              service account
            </Badge>
          )}
          {u.sso && <Badge title="Has signed in with single sign-on">SSO</Badge>}
          {u.disabled && <Badge tone="red">disabled</Badge>}
        </div>
        <div className="truncate text-[12px] text-slate-500">{u.email}</div>
        {error && (
          <p className="mt-1 text-[12px] text-red-700" role="alert">
            {error.message}
          </p>
        )}
      </Td>
      <Td>
        <select
          aria-label={`Role of ${u.email}`}
          value={u.role}
          disabled={busy || self}
          title={self ? 'Another admin can change your role' : undefined}
          onChange={(e) => setRole.mutate({ id: u.id, role: e.target.value as RoleName })}
          className={SELECT}
        >
          {ROLES.filter((r) => !(u.isService && r.value === 'admin' && u.role !== 'admin')).map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </Td>
      <Td>
        <div className="flex flex-col items-start gap-1" data-testid="user-effective-role" data-role={u.effectiveRole}>
          <RoleBadge role={u.effectiveRole} title={`Roles held: ${u.roles.join(', ')}`} />
          {fromGroups.length > 0 && <span className="text-[11px] text-slate-500">through {fromGroups.map((g) => g.name).join(', ')}</span>}
          {u.groups.length > 0 && (
            <span className="text-[11px] text-slate-400" data-testid="user-groups">
              groups: {u.groups.map((g) => g.name).join(', ')}
            </span>
          )}
        </div>
      </Td>
      <Td className="whitespace-nowrap text-slate-500">
        {u.isService ? <span className="text-slate-400">tokens only</span> : <RelativeTime date={u.lastLoginAt} />}
      </Td>
      <Td className="whitespace-nowrap tabular-nums text-slate-500">
        {u.activeTokens} active
        {u.lastTokenUseAt && (
          <div className="text-[11px] text-slate-400">
            used <RelativeTime date={u.lastTokenUseAt} />
          </div>
        )}
      </Td>
      <Td className="text-right">
        {!self && (
          <span className="inline-flex items-center gap-1.5">
            {!u.isService && (
              <button type="button" disabled={busy} className={SMALL} onClick={() => reset.mutate({ id: u.id })}>
                Reset password
              </button>
            )}
            <button
              type="button"
              disabled={busy}
              className={u.disabled ? SMALL : SMALL_DANGER}
              onClick={() => setDisabled.mutate({ id: u.id, disabled: !u.disabled })}
              aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.email}`}
            >
              {u.disabled ? 'Enable' : 'Disable'}
            </button>
          </span>
        )}
      </Td>
    </tr>
  );
}
