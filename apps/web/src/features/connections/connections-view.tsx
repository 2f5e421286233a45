'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferInput } from '@trpc/tanstack-react-query';
import { Badge, StatusBadge } from '~/components/ui/badge';
import { Command } from '~/components/ui/copy-button';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { DatabaseIcon, LockIcon } from '~/components/ui/icons';
import { Pagination } from '~/components/ui/pagination';
import { SearchBox } from '~/components/ui/search-box';
import { SelectFilter } from '~/components/ui/select-filter';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { useSetSearchParams } from '~/components/ui/use-search-param';
import { useTRPC } from '~/trpc/react';
import { SECRET_LABEL, typeLabel } from './connection-types';

type Input = inferInput<ReturnType<typeof useTRPC>['connection']['list']>;

const COLUMNS = [
  { label: 'Name' },
  { label: 'Type' },
  { label: 'Target' },
  { label: 'Agent' },
  { label: 'Policy' },
  { label: 'Credential' },
  { label: 'Connect' },
];

export function ConnectionsView({ input, types }: { input: Input; types: readonly string[] }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.connection.list.queryOptions(input), refetchInterval: 5_000, placeholderData: keepPreviousData });
  const { set } = useSetSearchParams();
  const filtered = Boolean(input.search || input.type);

  return (
    <section aria-label="Connections">
      <div className="mb-3 flex items-center gap-2">
        <SearchBox placeholder="Search by name or tag" initial={input.search ?? ''} />
        <SelectFilter param="type" value={input.type ?? null} label="All types" options={types.map((t) => ({ value: t, label: typeLabel(t) }))} />
      </div>
      {q.isPending ? (
        <TableSkeleton />
      ) : q.isError ? (
        <ErrorNote message={q.error.message} />
      ) : q.data.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No connection matches these filters" action={<button type="button" className="text-[13px] font-medium text-slate-900 underline underline-offset-4" onClick={() => set({ q: null, type: null })}>Clear filters</button>}>
            Try another name or tag.
          </EmptyState>
        ) : (
          <EmptyState icon={<DatabaseIcon width={18} height={18} />} title="No connections yet">
            A connection is a database or server that one of your agents can reach. Once an admin adds one, people and AI agents
            reach it through hoop, with guardrails, masking and a recorded session.
          </EmptyState>
        )
      ) : (
        <>
          <Table columns={COLUMNS} label="Connections">
            {q.data.items.map((c) => (
              <tr key={c.id} data-testid="connection-row" data-name={c.name} className="hover:bg-slate-50/70">
                <Td>
                  <div className="flex items-center gap-2">
                    <span className="font-medium text-slate-900">{c.name}</span>
                    {c.readOnly && <Badge tone="blue" title="Writes are refused on this connection"><LockIcon width={11} height={11} />read-only</Badge>}
                  </div>
                  {c.tags.length > 0 && (
                    <div className="mt-0.5 flex flex-wrap gap-1">
                      {c.tags.map((t) => <span key={t} className="text-[11px] text-slate-400">#{t}</span>)}
                    </div>
                  )}
                </Td>
                <Td><Badge>{typeLabel(c.type)}</Badge></Td>
                <Td mono>{c.target ?? <Muted>—</Muted>}</Td>
                <Td>
                  {c.agent ? (
                    <div className="flex flex-col gap-0.5">
                      <span className="text-slate-800">{c.agent.name}</span>
                      <StatusBadge status={c.agent.status} />
                    </div>
                  ) : (
                    <Badge tone="amber" title="Nobody can open a session until an agent serves this connection">no agent</Badge>
                  )}
                </Td>
                <Td>{c.policy ? c.policy.name : <span className="text-slate-500">built-in guardrails</span>}</Td>
                <Td>
                  <span title={SECRET_LABEL[c.secretSource].title} className="text-slate-600">{SECRET_LABEL[c.secretSource].text}</span>
                </Td>
                <Td><Command text={`hoop connect ${c.name}`} /></Td>
              </tr>
            ))}
          </Table>
          <Pagination page={q.data.page} pageSize={q.data.pageSize} total={q.data.total} noun={['connection', 'connections']} />
        </>
      )}
    </section>
  );
}
