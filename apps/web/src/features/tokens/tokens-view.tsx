'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { KeyIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Table, TableSkeleton, Td } from '~/components/ui/table';
import { PRIMARY, SMALL, SMALL_DANGER } from '~/features/integrations/form-bits';
import { ShownOnce } from '~/features/users/user-bits';
import { useTRPC } from '~/trpc/react';
import { TokenForm } from './token-form';

type Token = inferOutput<ReturnType<typeof useTRPC>['token']['list']>['items'][number];
type Owner = 'mine' | 'org';

const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

/** The signed-in user's API tokens (admins: the org's too), with create and revoke. */
export function TokensView({ isAdmin, gatewayUrl }: { isAdmin: boolean; gatewayUrl: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [owner, setOwner] = useState<Owner>('mine');
  const [inactive, setInactive] = useState(false);
  const input = { owner, includeInactive: inactive };
  const q = useQuery(trpc.token.list.queryOptions(input));
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const columns = [
    { label: 'Token' },
    ...(owner === 'org' ? [{ label: 'Owner' }] : []),
    { label: 'Scope' },
    { label: 'Created' },
    { label: 'Last used' },
    { label: 'Expires' },
    { label: '', className: 'w-px' },
  ];
  const tab = (o: Owner, label: string) => (
    <button
      type="button"
      aria-pressed={owner === o}
      onClick={() => setOwner(o)}
      className={
        owner === o
          ? 'h-8 rounded-md bg-slate-900 px-3 text-[13px] font-medium text-white'
          : 'h-8 rounded-md px-3 text-[13px] font-medium text-slate-600 hover:bg-slate-100'
      }
    >
      {label}
    </button>
  );
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-1">
          {tab('mine', 'My tokens')}
          {isAdmin && tab('org', 'Everyone’s')}
          <label className="ml-3 inline-flex items-center gap-1.5 text-[12px] text-slate-600">
            <input type="checkbox" checked={inactive} onChange={(e) => setInactive(e.target.checked)} className="h-3.5 w-3.5 accent-slate-900" />
            Show revoked and expired
          </label>
        </div>
        {!adding && (
          <button
            type="button"
            className={PRIMARY}
            onClick={() => {
              setAdding(true);
              setCreated(null);
            }}
          >
            Create token
          </button>
        )}
      </div>
      {created && (
        <ShownOnce
          testId="token-once"
          title="Copy your new token now: it is not shown again."
          detail={
            `Log the CLI in with it: hoop login --gateway ${gatewayUrl} --token <token>, or use it as HOOP_TOKEN or Authorization: ` +
            `Bearer for /mcp. Only its hash is stored; if it is lost, revoke it and create another.`
          }
          secret={created}
          onDone={() => setCreated(null)}
        />
      )}
      {adding && (
        <TokenForm
          onCancel={() => setAdding(false)}
          onCreated={(out) => {
            setAdding(false);
            setCreated(out.token);
            refresh();
          }}
        />
      )}
      {q.isPending ? (
        <TableSkeleton rows={3} />
      ) : q.isError ? (
        <ErrorNote title="Could not load the tokens" message={q.error.message} />
      ) : q.data.items.length === 0 ? (
        <EmptyState icon={<KeyIcon width={18} height={18} />} title="No active tokens">
          Create one here, or run <code className="font-mono">hoop login --gateway {gatewayUrl}</code> and approve it in the browser.
        </EmptyState>
      ) : (
        <Table columns={columns} label="API tokens">
          {q.data.items.map((t) => (
            <TokenRow key={t.id} t={t} showOwner={owner === 'org'} refresh={refresh} />
          ))}
        </Table>
      )}
    </div>
  );
}

function TokenRow({ t, showOwner, refresh }: { t: Token; showOwner: boolean; refresh: () => void }) {
  const trpc = useTRPC();
  const revoke = useMutation(trpc.token.revoke.mutationOptions({ onSuccess: refresh }));
  const [confirming, setConfirming] = useState(false);
  return (
    <tr data-testid="token-row" data-name={t.name} data-status={t.status}>
      <Td className="max-w-[24rem]">
        <div className="truncate font-medium text-slate-900" title={t.name}>
          {t.name}
        </div>
        <div className="font-mono text-[12px] text-slate-500" data-testid="token-prefix">
          {t.prefix}…
        </div>
        {revoke.error && (
          <p className="mt-1 text-[12px] text-red-700" role="alert">
            {revoke.error.message}
          </p>
        )}
      </Td>
      {showOwner && (
        <Td>
          <div className="text-slate-800">{t.owner.name}</div>
          <div className="text-[12px] text-slate-500">
            {t.owner.email}
            {t.owner.isService && (
              <Badge tone="blue" className="ml-1.5">
                service account
              </Badge>
            )}
          </div>
        </Td>
      )}
      <Td>{t.scope === 'full' ? <Badge>full</Badge> : <Badge tone="blue">read-only</Badge>}</Td>
      <Td className="whitespace-nowrap text-slate-500">
        <RelativeTime date={t.createdAt} />
      </Td>
      <Td className="whitespace-nowrap text-slate-500">
        <span data-testid="token-last-used">
          <RelativeTime date={t.lastUsedAt} />
        </span>
      </Td>
      <Td className="whitespace-nowrap">
        {t.status === 'revoked' ? (
          <Badge tone="red">revoked</Badge>
        ) : t.status === 'expired' ? (
          <Badge tone="amber">expired</Badge>
        ) : t.expiresAt ? (
          <span className="text-slate-600" title={t.expiresAt.toISOString()}>
            {day.format(t.expiresAt)}
          </span>
        ) : (
          <span className="text-slate-400">never</span>
        )}
      </Td>
      <Td className="text-right">
        {t.status === 'active' &&
          (confirming ? (
            <span className="inline-flex items-center gap-1.5">
              <span className="text-[12px] text-red-800">Revoke it?</span>
              <button
                type="button"
                disabled={revoke.isPending}
                onClick={() => revoke.mutate({ id: t.id })}
                className="inline-flex h-7 items-center rounded-md bg-red-600 px-2.5 text-[12px] font-medium text-white hover:bg-red-700"
              >
                Revoke
              </button>
              <button type="button" onClick={() => setConfirming(false)} className={SMALL}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" className={SMALL_DANGER} onClick={() => setConfirming(true)} aria-label={`Revoke ${t.name}`}>
              Revoke
            </button>
          ))}
      </Td>
    </tr>
  );
}
