'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Badge } from '~/components/ui/badge';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ShieldIcon } from '~/components/ui/icons';
import { LinkButton } from '~/components/ui/link-button';
import { RelativeTime } from '~/components/ui/relative-time';
import { Muted, Table, TableSkeleton, Td } from '~/components/ui/table';
import { useTRPC } from '~/trpc/react';

const COLUMNS = [{ label: 'Policy' }, { label: 'Version' }, { label: 'Applies to' }, { label: 'Guardrails' }, { label: 'Masking' }, { label: 'Changed' }];

/** The org's policies, each with where it applies; connections without one run under the built-in defaults. */
export function PoliciesView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.policy.list.queryOptions({}));
  if (q.isPending) return <TableSkeleton rows={3} />;
  if (q.isError) return <ErrorNote message={q.error.message} />;
  if (q.data.items.length === 0) {
    return (
      <EmptyState
        icon={<ShieldIcon width={18} height={18} />}
        title="No policies yet"
        action={canEdit && <LinkButton href="/policies/new">Create a policy</LinkButton>}
      >
        Until a connection has a policy it runs under the built-in defaults: every guardrail on, personal data masked, every member may use it.
      </EmptyState>
    );
  }
  return (
    <Table columns={COLUMNS} label="Policies">
      {q.data.items.map((p) => {
        const rules = [
          p.builtinsChanged > 0 && `${p.builtinsChanged} built-in${p.builtinsChanged === 1 ? '' : 's'} changed`,
          p.customRules > 0 && `${p.customRules} custom rule${p.customRules === 1 ? '' : 's'}`,
        ]
          .filter(Boolean)
          .join(' · ');
        return (
          <tr key={p.id} data-testid="policy-row" data-name={p.name} className="hover:bg-slate-50/70">
            <Td className="max-w-[28rem]">
              <div className="flex items-center gap-2">
                <Link href={`/policies/${p.id}`} className="font-medium text-slate-900 hover:underline">
                  {p.name}
                </Link>
                {!p.valid && (
                  <Badge tone="red" title="The stored document does not validate: the gateway refuses everyone but admins on its connections">
                    invalid
                  </Badge>
                )}
                {p.readOnly && <Badge tone="blue">read-only</Badge>}
                {p.reviewAccess && (
                  <Badge tone="amber" title="hoop connect needs an approved, time-boxed grant">
                    time-boxed access
                  </Badge>
                )}
              </div>
              {p.description && (
                <div className="mt-0.5 truncate text-[12px] text-slate-500" title={p.description}>
                  {p.description}
                </div>
              )}
            </Td>
            <Td mono>v{p.version}</Td>
            <Td>{p.connections.length > 0 ? <span title={p.connections.join(', ')}>{p.connections.join(', ')}</span> : <Muted>no connections</Muted>}</Td>
            <Td>{rules || <span className="text-slate-500">built-in defaults</span>}</Td>
            <Td>{p.maskingEnabled ? <Badge tone="green">on</Badge> : <Badge tone="amber">off</Badge>}</Td>
            <Td className="whitespace-nowrap text-slate-500">
              <RelativeTime date={p.updatedAt} />
            </Td>
          </tr>
        );
      })}
    </Table>
  );
}
