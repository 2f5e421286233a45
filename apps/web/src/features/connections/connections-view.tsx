'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferInput, inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { Fragment, useState } from 'react';
import { Badge, StatusBadge } from '~/components/ui/badge';
import { Command } from '~/components/ui/copy-button';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { DatabaseIcon, LockIcon } from '~/components/ui/icons';
import { LinkButton } from '~/components/ui/link-button';
import { Pagination } from '~/components/ui/pagination';
import { SearchBox } from '~/components/ui/search-box';
import { SelectFilter } from '~/components/ui/select-filter';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { useSetSearchParams } from '~/components/ui/use-search-param';
import { useTRPC } from '~/trpc/react';
import { SMALL } from '~/features/integrations/form-bits';
import { SECRET_LABEL, typeLabel } from './connection-types';
import { TestReport, useConnectionTest } from './connection-test';

type Input = inferInput<ReturnType<typeof useTRPC>['connection']['list']>;
type Item = inferOutput<ReturnType<typeof useTRPC>['connection']['list']>['items'][number];

const COLUMNS = [
  { label: 'Name' },
  { label: 'Type' },
  { label: 'Target' },
  { label: 'Agent' },
  { label: 'Policy' },
  { label: 'Credential' },
  { label: 'Connect' },
];
const ADMIN_COLUMNS = [...COLUMNS, { label: '', className: 'w-px' }];

/** The org's connections for every member; admins also test and edit each one. */
export function ConnectionsView({ input, types, canEdit = false }: { input: Input; types: readonly string[]; canEdit?: boolean }) {
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
          <EmptyState
            title="No connection matches these filters"
            action={
              <button
                type="button"
                className="text-[13px] font-medium text-slate-900 underline underline-offset-4"
                onClick={() => set({ q: null, type: null })}
              >
                Clear filters
              </button>
            }
          >
            Try another name or tag.
          </EmptyState>
        ) : (
          <EmptyState
            icon={<DatabaseIcon width={18} height={18} />}
            title="No connections yet"
            action={canEdit && <LinkButton href="/connections/new">Add a connection</LinkButton>}
          >
            A connection is a database or server that one of your agents can reach. Once an admin adds one, people and AI agents reach it through hoop, with
            guardrails, masking and a recorded session.
          </EmptyState>
        )
      ) : (
        <>
          <Table columns={canEdit ? ADMIN_COLUMNS : COLUMNS} label="Connections">
            {q.data.items.map((c) => (
              <ConnectionRow key={c.id} c={c} canEdit={canEdit} />
            ))}
          </Table>
          <Pagination page={q.data.page} pageSize={q.data.pageSize} total={q.data.total} noun={['connection', 'connections']} />
        </>
      )}
    </section>
  );
}

function ConnectionRow({ c, canEdit }: { c: Item; canEdit: boolean }) {
  const test = useConnectionTest();
  const [open, setOpen] = useState(false);
  const span = COLUMNS.length + (canEdit ? 1 : 0);
  return (
    <Fragment>
      <tr data-testid="connection-row" data-name={c.name} className="hover:bg-slate-50/70">
        <Td>
          <div className="flex items-center gap-2 whitespace-nowrap">
            {canEdit ? (
              <Link href={`/connections/${c.id}`} className="font-medium text-slate-900 hover:underline">
                {c.name}
              </Link>
            ) : (
              <span className="font-medium text-slate-900">{c.name}</span>
            )}
            {c.readOnly && (
              <Badge tone="blue" title="Writes are refused on this connection">
                <LockIcon width={11} height={11} />
                read-only
              </Badge>
            )}
          </div>
          {c.tags.length > 0 && (
            <div className="mt-0.5 flex flex-wrap gap-1">
              {c.tags.map((t) => (
                <span key={t} className="text-[11px] text-slate-400">
                  #{t}
                </span>
              ))}
            </div>
          )}
        </Td>
        <Td>
          <Badge>{typeLabel(c.type)}</Badge>
        </Td>
        <Td mono>
          {c.target ? (
            <span className="block max-w-[13rem] truncate" title={c.target}>
              {c.target}
            </span>
          ) : (
            <Muted>—</Muted>
          )}
        </Td>
        <Td>
          {c.agent ? (
            <div className="flex flex-col gap-0.5">
              <span className="whitespace-nowrap text-slate-800">{c.agent.name}</span>
              <StatusBadge status={c.agent.status} />
            </div>
          ) : (
            <Badge tone="amber" title="Nobody can open a session until an agent serves this connection">
              no agent
            </Badge>
          )}
        </Td>
        <Td>{c.policy ? c.policy.name : <span className="text-slate-500">built-in guardrails</span>}</Td>
        <Td>
          <span title={SECRET_LABEL[c.secretSource].title} className="text-slate-600">
            {SECRET_LABEL[c.secretSource].text}
          </span>
        </Td>
        <Td>
          <Command text={`hoop connect ${c.name}`} />
        </Td>
        {canEdit && (
          <Td className="text-right">
            <span className="inline-flex items-center gap-1.5">
              <button
                type="button"
                className={SMALL}
                disabled={test.isPending}
                aria-label={`Test ${c.name}`}
                onClick={() => {
                  setOpen(true);
                  test.mutate({ id: c.id });
                }}
              >
                {test.isPending ? 'Testing…' : 'Test'}
              </button>
              <Link href={`/connections/${c.id}`} className={SMALL} aria-label={`Edit ${c.name}`}>
                Edit
              </Link>
            </span>
          </Td>
        )}
      </tr>
      {canEdit && open && (test.data || test.error) && (
        <tr data-testid="connection-test-row" data-name={c.name} className="bg-slate-50/60">
          <td colSpan={span} className="px-4 py-3">
            <div className="flex items-start justify-between gap-4">
              {test.data ? (
                <TestReport result={test.data} />
              ) : (
                <p role="alert" className="text-[13px] text-red-700">
                  {test.error?.message}
                </p>
              )}
              <button type="button" className={SMALL} onClick={() => setOpen(false)}>
                Close
              </button>
            </div>
          </td>
        </tr>
      )}
    </Fragment>
  );
}
