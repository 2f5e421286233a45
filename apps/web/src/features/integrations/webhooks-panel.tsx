'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { SendIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Table, TableSkeleton, Td } from '~/components/ui/table';
import { useTRPC } from '~/trpc/react';
import { KeyNote, Panel, PRIMARY, SMALL, SMALL_DANGER } from './form-bits';
import { eventLabel, LastDelivery, SecretOnce, SigningHelp } from './webhook-bits';
import { type CreatedWebhook, WebhookForm } from './webhook-form';

type Webhook = inferOutput<ReturnType<typeof useTRPC>['integration']['listWebhooks']>['items'][number];

const COLUMNS = [
  { label: 'Webhook' },
  { label: 'Events' },
  { label: 'Status' },
  { label: 'Last delivery' },
  { label: 'Added' },
  { label: '', className: 'w-px' },
];

/** HTTP endpoints told about blocked and held statements, signed with their own secret. */
export function WebhooksPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  // deliveries update the last status: keep it current while the page is open
  const q = useQuery({ ...trpc.integration.listWebhooks.queryOptions({}), refetchInterval: 10_000 });
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const onCreated = (out: CreatedWebhook) => {
    setAdding(false);
    setCreated(out.generatedSecret ? { name: out.webhook.name, secret: out.generatedSecret } : null);
    void qc.invalidateQueries({ queryKey: trpc.integration.listWebhooks.queryKey({}) });
  };

  return (
    <Panel
      title="Webhooks"
      testId="webhooks-panel"
      icon={<SendIcon width={18} height={18} />}
      description="Send blocked and held statements to your own endpoints (a SIEM, an on-call tool), each delivery signed with the webhook's secret."
      actions={
        !adding && (
          <button
            type="button"
            className={PRIMARY}
            onClick={() => {
              setAdding(true);
              setCreated(null);
            }}
          >
            Add webhook
          </button>
        )
      }
    >
      <div className="space-y-4">
        {q.data && <KeyNote state={q.data.key} />}
        {created && <SecretOnce name={created.name} secret={created.secret} onDone={() => setCreated(null)} />}
        {adding && <WebhookForm onCreated={onCreated} onCancel={() => setAdding(false)} />}
        {q.isPending ? (
          <TableSkeleton rows={2} />
        ) : q.isError ? (
          <ErrorNote title="Could not load the webhooks" message={q.error.message} />
        ) : q.data.items.length === 0 ? (
          !adding && (
            <EmptyState icon={<SendIcon width={18} height={18} />} title="No webhooks yet">
              Add one to have the gateway POST each blocked statement, or each statement held for review, to a URL of yours.
            </EmptyState>
          )
        ) : (
          <Table columns={COLUMNS} label="Webhooks">
            {q.data.items.map((w) => (
              <WebhookRow key={w.id} w={w} />
            ))}
          </Table>
        )}
        <SigningHelp />
      </div>
    </Panel>
  );
}

function WebhookRow({ w }: { w: Webhook }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.integration.listWebhooks.queryKey({}) });
  const toggle = useMutation(trpc.integration.setWebhookEnabled.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.integration.deleteWebhook.mutationOptions({ onSuccess: refresh }));
  const busy = toggle.isPending || remove.isPending;
  const error = toggle.error ?? remove.error;

  return (
    <tr data-testid="webhook-row" data-name={w.name} data-enabled={w.enabled}>
      <Td className="max-w-[26rem]">
        <div className="font-medium text-slate-900">{w.name}</div>
        <div className="truncate font-mono text-[12px] text-slate-500" title={w.url}>
          {w.url}
        </div>
        {error && (
          <p className="mt-1 text-[12px] text-red-700" role="alert">
            {error.message}
          </p>
        )}
      </Td>
      <Td>
        <div className="flex flex-wrap gap-1">
          {w.events.map((e) => (
            <Badge key={e} tone="blue" title={e}>
              {eventLabel(e)}
            </Badge>
          ))}
        </div>
      </Td>
      <Td>
        <div className="flex flex-col items-start gap-0.5">
          {w.enabled ? <Badge tone="green">Active</Badge> : <Badge>Paused</Badge>}
          {!w.signed && (
            <span className="text-[11px] text-amber-700" title="Deliveries carry no X-Hoop-Signature">
              unsigned
            </span>
          )}
        </div>
      </Td>
      <Td>
        <LastDelivery at={w.lastDeliveryAt} status={w.lastStatus} error={w.lastError} />
      </Td>
      <Td className="whitespace-nowrap text-slate-500">
        <RelativeTime date={w.createdAt} />
      </Td>
      <Td className="text-right">
        {confirming ? (
          <span className="inline-flex items-center gap-1.5" data-testid="webhook-delete-confirm">
            <span className="text-[12px] text-red-800">Delete it?</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => remove.mutate({ id: w.id })}
              className={
                'inline-flex h-7 items-center rounded-md bg-red-600 px-2.5 text-[12px] ' +
                'font-medium text-white shadow-sm hover:bg-red-700 disabled:opacity-50'
              }
            >
              {remove.isPending ? 'Deleting…' : 'Delete'}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)} className={SMALL}>
              Cancel
            </button>
          </span>
        ) : (
          <span className="inline-flex items-center gap-1.5">
            <button type="button" disabled={busy} onClick={() => toggle.mutate({ id: w.id, enabled: !w.enabled })} className={SMALL}>
              {w.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(true)} className={SMALL_DANGER} aria-label={`Delete ${w.name}`}>
              Delete
            </button>
          </span>
        )}
      </Td>
    </tr>
  );
}
