'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { ErrorNote } from '~/components/ui/empty-state';
import { Field, fieldError, INPUT, PRIMARY, SECONDARY } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { ROLES, type RoleName } from './user-bits';

export type CreatedUser = inferOutput<ReturnType<typeof useTRPC>['user']['create']>;

/** E-mail, name and role of a new local account; the server generates its password and returns it once. */
export function UserForm({ onCreated, onCancel }: { onCreated: (out: CreatedUser) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<RoleName>('developer');
  const create = useMutation(trpc.user.create.mutationOptions({ onSuccess: onCreated }));
  const err = (f: string) => fieldError(create.error, f);
  const fieldErrors = Object.values(create.error?.data?.fieldErrors ?? {}).some(Boolean);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ email, name, role });
  };
  return (
    <form onSubmit={submit} noValidate aria-label="New user" data-testid="user-form" className="rounded-lg border border-slate-200 bg-slate-50/60 p-4">
      <h3 className="text-[13px] font-semibold text-slate-900">New user</h3>
      <p className="mt-0.5 text-[12px] text-slate-500">
        A local account with a generated password, shown once for you to hand over. People who use single sign-on need no account here: they get one when they
        first sign in.
      </p>
      <div className="mt-3 grid gap-4 md:grid-cols-3">
        <Field label="E-mail" htmlFor="user-email" error={err('email')}>
          <input
            id="user-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="rita@example.com"
            autoComplete="off"
            aria-invalid={Boolean(err('email'))}
            disabled={create.isPending}
            className={INPUT}
          />
        </Field>
        <Field label="Name" htmlFor="user-name" error={err('name')}>
          <input
            id="user-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Rita Reviewer"
            autoComplete="off"
            aria-invalid={Boolean(err('name'))}
            disabled={create.isPending}
            className={INPUT}
          />
        </Field>
        <Field label="Role" htmlFor="user-role" hint={ROLES.find((r) => r.value === role)?.hint}>
          <select id="user-role" value={role} onChange={(e) => setRole(e.target.value as RoleName)} disabled={create.isPending} className={`${INPUT} pr-7`}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {create.error && !fieldErrors && (
        <div className="mt-4">
          <ErrorNote title="User not added" message={create.error.message} />
        </div>
      )}
      <div className="mt-4 flex items-center gap-2">
        <button type="submit" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add user'}
        </button>
        <button type="button" className={SECONDARY} disabled={create.isPending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
