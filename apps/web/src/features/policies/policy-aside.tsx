'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { Badge } from '~/components/ui/badge';
import { Card } from '~/components/ui/card';
import { typeLabel } from '~/features/connections/connection-types';
import type { useTRPC } from '~/trpc/react';
import { PolicyTestBox } from './policy-test-box';

type Detail = inferOutput<ReturnType<typeof useTRPC>['policy']['get']>;

/** Beside the editor: the test box (on what is on screen) and where the policy applies. */
export function PolicyAside({
  document,
  testBlocked,
  dirty,
  saved,
  canEdit,
}: {
  document: unknown;
  testBlocked: string | null;
  dirty: boolean;
  saved: Detail | null;
  canEdit: boolean;
}) {
  const label = !saved
    ? 'Judged against this new policy as it is on screen.'
    : dirty
      ? `Judged against your unsaved changes (version ${saved.version} is what agents have).`
      : `Judged against version ${saved.version}, which agents have now.`;
  return (
    <aside className="space-y-4 xl:sticky xl:top-4">
      <PolicyTestBox document={document} label={label} disabledReason={testBlocked} />
      <Card title="Applies to" testId="policy-connections">
        {!saved || saved.connections.length === 0 ? (
          <p className="text-[13px] text-slate-500">
            No connection yet. Name connections or tags under General and save, or choose this policy on a connection.
          </p>
        ) : (
          <ul className="space-y-1.5 text-[13px]">
            {saved.connections.map((c) => (
              <li key={c.id} className="flex items-center gap-2">
                {canEdit ? (
                  <Link href={`/connections/${c.id}`} className="font-medium text-slate-900 hover:underline">
                    {c.name}
                  </Link>
                ) : (
                  <span className="font-medium text-slate-900">{c.name}</span>
                )}
                <Badge>{typeLabel(c.type)}</Badge>
                {c.readOnly && <Badge tone="blue">read-only</Badge>}
                {c.tags.length > 0 && <span className="truncate text-[11px] text-slate-400">{c.tags.map((t) => `#${t}`).join(' ')}</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </aside>
  );
}
