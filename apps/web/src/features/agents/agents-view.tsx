'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferInput, inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { StatusBadge } from '~/components/ui/badge';
import { Command } from '~/components/ui/copy-button';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ServerIcon } from '~/components/ui/icons';
import { Pagination } from '~/components/ui/pagination';
import { RelativeTime } from '~/components/ui/relative-time';
import { SearchBox, Segmented } from '~/components/ui/search-box';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { PRIMARY, SMALL, SMALL_DANGER } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { DeleteAgentDialog, KeyOnceDialog, NewAgentDialog, RotateDialog } from './agent-dialogs';

type Input = inferInput<ReturnType<typeof useTRPC>['agent']['list']>;
type Agent = inferOutput<ReturnType<typeof useTRPC>['agent']['list']>['items'][number];
type Issued = inferOutput<ReturnType<typeof useTRPC>['agent']['create']>;

const COLUMNS = [
  { label: 'Agent' },
  { label: 'Status' },
  { label: 'Last heartbeat' },
  { label: 'Connected since' },
  { label: 'Version' },
  { label: 'Serves' },
  { label: 'Key', className: 'text-right' },
];
const ADMIN_COLUMNS = [...COLUMNS, { label: '', className: 'w-px' }];

/** The org's agents with their online state; admins register them, replace keys and delete them. */
export function AgentsView({ input, agentGatewayUrl, canEdit = false }: { input: Input; agentGatewayUrl: string; canEdit?: boolean }) {
  const trpc = useTRPC();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ agent: Issued; rotated: boolean } | null>(null);
  const [rotating, setRotating] = useState<Agent | null>(null);
  const [deleting, setDeleting] = useState<Agent | null>(null);
  // heartbeats arrive every few seconds: keep the online state current without a reload
  const q = useQuery({ ...trpc.agent.list.queryOptions(input), refetchInterval: 5_000, placeholderData: keepPreviousData });
  const summary = q.data?.summary;
  const status = input.status ?? null;

  return (
    <section aria-label="Agents">
      <div className="mb-3 flex items-center gap-2">
        <SearchBox placeholder="Search by name or host" initial={input.search ?? ''} />
        <Segmented
          param="status"
          value={status}
          options={[
            { value: null, label: 'All', count: summary ? summary.online + summary.offline : undefined },
            { value: 'online', label: 'Online', count: summary?.online },
            { value: 'offline', label: 'Offline', count: summary?.offline },
          ]}
        />
        {canEdit && (
          <button type="button" className={`${PRIMARY} ml-auto`} onClick={() => setCreating(true)}>
            New agent
          </button>
        )}
      </div>
      {q.isPending ? (
        <TableSkeleton />
      ) : q.isError ? (
        <ErrorNote message={q.error.message} />
      ) : q.data.items.length === 0 ? (
        input.search || status ? (
          <EmptyState title={status && !input.search ? `No ${status} agents` : 'No agent matches these filters'}>
            {status === 'online' ? 'None of your agents has sent a heartbeat in the last 15 seconds.' : 'Try another name or host.'}
          </EmptyState>
        ) : (
          <EmptyState
            icon={<ServerIcon width={18} height={18} />}
            title="No agents yet"
            action={
              canEdit && (
                <button type="button" className={PRIMARY} onClick={() => setCreating(true)}>
                  Create an agent
                </button>
              )
            }
          >
            <p>An agent runs next to your databases and servers and dials out to the gateway, so nothing inbound is opened.</p>
            <p className="mt-3">{canEdit ? 'Create one here to get its key, then start it with:' : 'Start one with the key an admin created for it:'}</p>
            <div className="mt-2">
              <Command text={`HOOP_GATEWAY_URL=${agentGatewayUrl} HOOP_AGENT_KEY=hoop_agent_… pnpm --filter @hoop/agent start`} />
            </div>
          </EmptyState>
        )
      ) : (
        <>
          <Table columns={canEdit ? ADMIN_COLUMNS : COLUMNS} label="Agents">
            {q.data.items.map((a) => (
              <tr key={a.id} data-testid="agent-row" data-name={a.name} className="hover:bg-slate-50/70">
                <Td>
                  <div className="font-medium text-slate-900">{a.name}</div>
                  <div className="text-[11px] text-slate-400">{a.hostname ?? 'host not reported yet'}</div>
                </Td>
                <Td>
                  <StatusBadge status={a.status} />
                </Td>
                <Td>
                  <RelativeTime date={a.lastSeenAt} />
                </Td>
                <Td>{a.status === 'online' ? <RelativeTime date={a.connectedAt} /> : <Muted>—</Muted>}</Td>
                <Td mono>{a.version ?? <Muted>—</Muted>}</Td>
                <Td>
                  {a.connectionCount === 0 ? (
                    <Muted>no connections</Muted>
                  ) : (
                    <span title={a.connections.join(', ')}>
                      {a.connections.join(', ')}
                      {a.connectionCount > a.connections.length && <span className="text-slate-400"> +{a.connectionCount - a.connections.length} more</span>}
                    </span>
                  )}
                </Td>
                <Td mono className="text-right text-slate-400">
                  {a.keyPrefix}…
                </Td>
                {canEdit && (
                  <Td className="text-right">
                    <span className="inline-flex items-center gap-1.5">
                      <button type="button" className={SMALL} onClick={() => setRotating(a)} aria-label={`Rotate the key of ${a.name}`}>
                        Rotate key
                      </button>
                      <button type="button" className={SMALL_DANGER} onClick={() => setDeleting(a)} aria-label={`Delete ${a.name}`}>
                        Delete
                      </button>
                    </span>
                  </Td>
                )}
              </tr>
            ))}
          </Table>
          <Pagination page={q.data.page} pageSize={q.data.pageSize} total={q.data.total} noun={['agent', 'agents']} />
        </>
      )}
      {canEdit && (
        <>
          <NewAgentDialog
            open={creating}
            onClose={() => setCreating(false)}
            onCreated={(agent) => {
              setCreating(false);
              setIssued({ agent, rotated: false });
            }}
          />
          <RotateDialog
            agent={rotating}
            onClose={() => setRotating(null)}
            onRotated={(agent) => {
              setRotating(null);
              setIssued({ agent, rotated: true });
            }}
          />
          <DeleteAgentDialog agent={deleting} onClose={() => setDeleting(null)} />
          <KeyOnceDialog issued={issued?.agent ?? null} rotated={issued?.rotated ?? false} gatewayUrl={agentGatewayUrl} onDone={() => setIssued(null)} />
        </>
      )}
    </section>
  );
}
