'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { ErrorNote } from '~/components/ui/empty-state';
import { Field, fieldError, INPUT, PRIMARY, SECONDARY } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';

export type CreatedToken = inferOutput<ReturnType<typeof useTRPC>['token']['create']>;

const LIFETIMES = [7, 30, 90, 365] as const;

/** Name, lifetime and scope of a new token of the signed-in user; the token comes back once. */
export function TokenForm({ onCreated, onCancel }: { onCreated: (out: CreatedToken) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number>(30);
  const [scope, setScope] = useState<'full' | 'read'>('full');
  const create = useMutation(trpc.token.create.mutationOptions({ onSuccess: onCreated }));
  const err = (f: string) => fieldError(create.error, f);
  const fieldErrors = Object.values(create.error?.data?.fieldErrors ?? {}).some(Boolean);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, expiresInDays: days, scope });
  };
  return (
    <form onSubmit={submit} noValidate aria-label="New token" data-testid="token-form" className="rounded-lg border border-slate-200 bg-slate-50/60 p-4">
      <h3 className="text-[13px] font-semibold text-slate-900">New API token</h3>
      <div className="mt-3 grid gap-4 md:grid-cols-3">
        <Field label="Name" htmlFor="token-name" hint="Where it is used, so you can tell your tokens apart." error={err('name')}>
          <input
            id="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="laptop"
            autoComplete="off"
            aria-invalid={Boolean(err('name'))}
            disabled={create.isPending}
            className={INPUT}
          />
        </Field>
        <Field label="Expires after" htmlFor="token-days" error={err('expiresInDays')}>
          <select id="token-days" value={days} onChange={(e) => setDays(Number(e.target.value))} disabled={create.isPending} className={`${INPUT} pr-7`}>
            {LIFETIMES.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Scope"
          htmlFor="token-scope"
          hint={scope === 'full' ? 'Everything your roles allow: sessions, exec, MCP, changes.' : 'Lists and reads only: no sessions, no MCP, no changes.'}
        >
          <select
            id="token-scope"
            value={scope}
            onChange={(e) => setScope(e.target.value as 'full' | 'read')}
            disabled={create.isPending}
            className={`${INPUT} pr-7`}
          >
            <option value="full">Full</option>
            <option value="read">Read-only</option>
          </select>
        </Field>
      </div>
      {create.error && !fieldErrors && (
        <div className="mt-4">
          <ErrorNote title="Token not created" message={create.error.message} />
        </div>
      )}
      <div className="mt-4 flex items-center gap-2">
        <button type="submit" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
        <button type="button" className={SECONDARY} disabled={create.isPending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
