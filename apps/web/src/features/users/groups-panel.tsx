'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ShieldIcon, XIcon } from '~/components/ui/icons';
import { TableSkeleton } from '~/components/ui/table';
import { Field, fieldError, INPUT, Panel, PRIMARY, SECONDARY, SMALL, SMALL_DANGER } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { RoleBadge, ROLES, type RoleName, SELECT } from './user-bits';

type Group = inferOutput<ReturnType<typeof useTRPC>['group']['list']>['items'][number];

/** Groups grant a role to their members and may map a value of the OIDC groups claim. */
export function GroupsPanel({ claim }: { claim: string | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.group.list.queryOptions({}));
  const [editing, setEditing] = useState<Group | 'new' | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.group.list.queryKey() });
    void qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  };
  return (
    <Panel
      title="Groups"
      testId="groups-panel"
      icon={<ShieldIcon width={18} height={18} />}
      description={
        <>
          A member holds the group&apos;s role as well as their own; the most privileged counts.{' '}
          {claim ? (
            <>
              With single sign-on, people whose <code className="font-mono text-[12px]">{claim}</code> claim holds a group&apos;s claim value become members
              when they sign in, and stop being members when it no longer does.
            </>
          ) : (
            <>Set HOOP_OIDC_ISSUER to sync members from your identity provider&apos;s groups claim.</>
          )}
        </>
      }
      actions={
        editing === null && (
          <button type="button" className={PRIMARY} onClick={() => setEditing('new')}>
            Add group
          </button>
        )
      }
    >
      <div className="space-y-4">
        {editing !== null && (
          <GroupForm
            group={editing === 'new' ? null : editing}
            onDone={() => {
              setEditing(null);
              refresh();
            }}
            onCancel={() => setEditing(null)}
          />
        )}
        {q.isPending ? (
          <TableSkeleton rows={2} />
        ) : q.isError ? (
          <ErrorNote title="Could not load the groups" message={q.error.message} />
        ) : q.data.items.length === 0 ? (
          editing === null && (
            <EmptyState icon={<ShieldIcon width={18} height={18} />} title="No groups yet">
              Add one to give a role to several people at once, such as db-reviewers with the reviewer role.
            </EmptyState>
          )
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
            {q.data.items.map((g) => (
              <GroupItem key={g.id} g={g} onEdit={() => setEditing(g)} refresh={refresh} />
            ))}
          </ul>
        )}
      </div>
    </Panel>
  );
}

function GroupItem({ g, onEdit, refresh }: { g: Group; onEdit: () => void; refresh: () => void }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.user.list.queryOptions({}));
  const add = useMutation(trpc.group.addMember.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.group.removeMember.mutationOptions({ onSuccess: refresh }));
  const del = useMutation(trpc.group.delete.mutationOptions({ onSuccess: refresh }));
  const [confirming, setConfirming] = useState(false);
  const busy = add.isPending || remove.isPending || del.isPending;
  const error = add.error ?? remove.error ?? del.error;
  const candidates = (users.data?.items ?? []).filter((u) => !u.isService && !g.members.some((m) => m.id === u.id));
  return (
    <li className="px-4 py-3" data-testid="group-row" data-name={g.name}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-900">{g.name}</span>
            <RoleBadge role={g.role} />
            {g.oidcClaim && (
              <Badge title="Members are synced from this value of the OIDC groups claim">
                claim: <span className="font-mono">{g.oidcClaim}</span>
              </Badge>
            )}
          </div>
          {g.description && <p className="mt-0.5 text-[12px] text-slate-500">{g.description}</p>}
        </div>
        {confirming ? (
          <span className="inline-flex items-center gap-1.5">
            <span className="text-[12px] text-red-800">Delete it? Its {g.members.length} members lose its role.</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => del.mutate({ id: g.id })}
              className="inline-flex h-7 items-center rounded-md bg-red-600 px-2.5 text-[12px] font-medium text-white hover:bg-red-700"
            >
              Delete
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)} className={SMALL}>
              Cancel
            </button>
          </span>
        ) : (
          <span className="inline-flex items-center gap-1.5">
            <button type="button" className={SMALL} onClick={onEdit}>
              Edit
            </button>
            <button type="button" className={SMALL_DANGER} onClick={() => setConfirming(true)} aria-label={`Delete ${g.name}`}>
              Delete
            </button>
          </span>
        )}
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5" data-testid="group-members">
        {g.members.length === 0 && <span className="text-[12px] text-slate-400">no members</span>}
        {g.members.map((m) => (
          <span
            key={m.id}
            data-testid="group-member"
            className="inline-flex items-center gap-1 rounded-full border border-slate-200 bg-white py-0.5 pl-2.5 pr-1 text-[12px] text-slate-700"
            title={m.email}
          >
            {m.name}
            {m.source === 'oidc' && (
              <span className="text-[10px] uppercase text-slate-400" title="Synced from the identity provider at sign-in">
                sso
              </span>
            )}
            <button
              type="button"
              disabled={busy}
              onClick={() => remove.mutate({ groupId: g.id, userId: m.id })}
              aria-label={`Remove ${m.email} from ${g.name}`}
              className="rounded-full p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
            >
              <XIcon width={11} height={11} />
            </button>
          </span>
        ))}
        {candidates.length > 0 && (
          <select
            aria-label={`Add a member to ${g.name}`}
            value=""
            disabled={busy}
            onChange={(e) => e.target.value && add.mutate({ groupId: g.id, userId: e.target.value })}
            className={SELECT}
          >
            <option value="">Add member…</option>
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        )}
      </div>
      {error && (
        <p className="mt-1 text-[12px] text-red-700" role="alert">
          {error.message}
        </p>
      )}
    </li>
  );
}

function GroupForm({ group, onDone, onCancel }: { group: Group | null; onDone: () => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState(group?.name ?? '');
  const [role, setRole] = useState<RoleName>(group?.role ?? 'developer');
  const [oidcClaim, setClaim] = useState(group?.oidcClaim ?? '');
  const [description, setDescription] = useState(group?.description ?? '');
  const create = useMutation(trpc.group.create.mutationOptions({ onSuccess: onDone }));
  const update = useMutation(trpc.group.update.mutationOptions({ onSuccess: onDone }));
  const m = group ? update : create;
  const err = (f: string) => fieldError(m.error, f);
  const fieldErrors = Object.values(m.error?.data?.fieldErrors ?? {}).some(Boolean);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const fields = { name, role, oidcClaim: oidcClaim.trim() || undefined, description: description.trim() || undefined };
    if (group) update.mutate({ id: group.id, ...fields });
    else create.mutate(fields);
  };
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={group ? `Edit ${group.name}` : 'New group'}
      data-testid="group-form"
      className="rounded-lg border border-slate-200 bg-slate-50/60 p-4"
    >
      <h3 className="text-[13px] font-semibold text-slate-900">{group ? `Edit ${group.name}` : 'New group'}</h3>
      <div className="mt-3 grid gap-4 md:grid-cols-3">
        <Field label="Name" htmlFor="group-name" error={err('name')}>
          <input
            id="group-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="db-reviewers"
            autoComplete="off"
            disabled={m.isPending}
            className={INPUT}
          />
        </Field>
        <Field label="Role it grants" htmlFor="group-role">
          <select id="group-role" value={role} onChange={(e) => setRole(e.target.value as RoleName)} disabled={m.isPending} className={`${INPUT} pr-7`}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="OIDC claim value (optional)"
          htmlFor="group-claim"
          hint="A value of the groups claim, as your identity provider sends it."
          error={err('oidcClaim')}
        >
          <input
            id="group-claim"
            value={oidcClaim}
            onChange={(e) => setClaim(e.target.value)}
            placeholder="hoop-reviewers"
            autoComplete="off"
            spellCheck={false}
            disabled={m.isPending}
            className={`${INPUT} font-mono`}
          />
        </Field>
      </div>
      <div className="mt-4">
        <Field label="Description (optional)" htmlFor="group-description" error={err('description')}>
          <input
            id="group-description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            autoComplete="off"
            disabled={m.isPending}
            className={INPUT}
          />
        </Field>
      </div>
      {m.error && !fieldErrors && (
        <div className="mt-4">
          <ErrorNote title="Group not saved" message={m.error.message} />
        </div>
      )}
      <div className="mt-4 flex items-center gap-2">
        <button type="submit" className={PRIMARY} disabled={m.isPending}>
          {m.isPending ? 'Saving…' : group ? 'Save group' : 'Add group'}
        </button>
        <button type="button" className={SECONDARY} disabled={m.isPending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
