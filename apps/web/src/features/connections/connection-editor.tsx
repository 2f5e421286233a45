'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { type ReactNode, useState } from 'react';
import { StatusBadge } from '~/components/ui/badge';
import { Card } from '~/components/ui/card';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ArrowLeftIcon, DatabaseIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { DANGER, SECONDARY, SMALL, SuccessNote } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';
import { type ConnectionDetail, ConnectionForm } from './connection-form';
import { TestReport, useConnectionTest } from './connection-test';
import { typeLabel } from './connection-types';

export function BackToConnections() {
  return (
    <Link href="/connections" className="mb-4 inline-flex items-center gap-1.5 text-[13px] text-slate-500 hover:text-slate-900">
      <ArrowLeftIcon width={14} height={14} />
      Connections
    </Link>
  );
}

/** A new connection: the form, then its page (where it can be tested). */
export function NewConnection({ keyState }: { keyState: ConnectionDetail['key'] }) {
  const router = useRouter();
  return (
    <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
      <ConnectionForm
        initial={null}
        keyState={keyState}
        onSaved={(c) => router.push(`/connections/${c.id}?created=1`)}
        onCancel={() => router.push('/connections')}
      />
      <aside className="space-y-4 xl:sticky xl:top-6">
        <Card title="How a session reaches it">
          <ol className="space-y-3 text-[13px] text-slate-600">
            <HowStep n={1}>People and AI agents ask the gateway for this connection by name; the gateway checks its policy’s access rules.</HowStep>
            <HowStep n={2}>The agent you choose opens the session to the target, from inside your network, with the credential it resolves itself.</HowStep>
            <HowStep n={3}>
              Every statement or command is judged by the policy on the agent; results are masked before they leave it, and the session is recorded.
            </HowStep>
          </ol>
        </Card>
        <Card title="The credential">
          <p className="text-[13px] text-slate-600">
            Prefer a reference the agent resolves on its own host (an environment variable or a file): hoop then never holds the secret. A secret typed here is
            sealed with HOOP_ENCRYPTION_KEY and sent only to the serving agent.
          </p>
        </Card>
      </aside>
    </div>
  );
}

function HowStep({ n, children }: { n: number; children: ReactNode }) {
  return (
    <li className="flex gap-3">
      <span className="flex h-5 w-5 shrink-0 items-center justify-center rounded-full bg-slate-100 text-[11px] font-semibold text-slate-500">{n}</span>
      <span>{children}</span>
    </li>
  );
}

/** One connection for an admin: its settings, the Test button, and deleting it. */
export function ConnectionEditor({ id, created }: { id: string; created: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.connection.get.queryOptions({ id }), retry: (n, err) => err.data?.code !== 'NOT_FOUND' && n < 1 });
  const [saved, setSaved] = useState<'created' | 'saved' | null>(created ? 'created' : null);
  const router = useRouter();
  if (q.isPending) return <div className="h-96 animate-pulse rounded-lg border border-slate-200 bg-white" aria-busy="true" aria-label="Loading" />;
  if (q.isError) {
    return q.error.data?.code === 'NOT_FOUND' ? (
      <EmptyState icon={<DatabaseIcon width={18} height={18} />} title="This connection does not exist">
        It may have been deleted. Go back to the list to see the current connections.
      </EmptyState>
    ) : (
      <ErrorNote title="Could not load this connection" message={q.error.message} />
    );
  }
  const c = q.data;
  return (
    <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
      <div className="min-w-0 space-y-4">
        {saved && (
          <SuccessNote testId="connection-saved">
            {saved === 'created' ? `Added ${c.name}.` : 'Saved.'}{' '}
            {c.agent ? `Agent ${c.agent.name} got it at once.` : 'Choose an agent so people can open sessions.'}
          </SuccessNote>
        )}
        {c.type === 'postgres' ||
        c.type === 'mysql' ||
        c.type === 'ssh' ||
        c.type === 'command' ||
        c.type === 'anthropic' ||
        c.type === 'http' ||
        c.type === 'kubernetes' ? (
          <ConnectionForm
            key={c.updatedAt.toISOString()}
            initial={c}
            keyState={c.key}
            onSaved={() => setSaved('saved')}
            onCancel={() => router.push('/connections')}
          />
        ) : (
          <EmptyState icon={<DatabaseIcon width={18} height={18} />} title={`${typeLabel(c.type)} connections are not edited here`}>
            This page edits PostgreSQL, MySQL, SSH, command and model API connections, the types agents serve today. You can still test or delete this one.
          </EmptyState>
        )}
      </div>
      <aside className="space-y-4 xl:sticky xl:top-6">
        <Summary c={c} />
        <TestCard id={c.id} />
        <DeleteCard c={c} />
      </aside>
    </div>
  );
}

function Summary({ c }: { c: ConnectionDetail }) {
  return (
    <Card title="At a glance">
      <dl className="space-y-1.5 text-[13px]">
        <Row label="Type">{typeLabel(c.type)}</Row>
        <Row label="Agent">
          {c.agent ? (
            <span className="inline-flex items-center gap-2">
              {c.agent.name} <StatusBadge status={c.agent.status} />
            </span>
          ) : (
            <span className="text-amber-700">none</span>
          )}
        </Row>
        <Row label="Policy">
          {c.policy ? (
            <Link className="hover:underline" href={`/policies/${c.policy.id}`}>
              {c.policy.name} · v{c.policy.version}
            </Link>
          ) : (
            'built-in guardrails'
          )}
        </Row>
        <Row label="Sessions">{c.sessions}</Row>
        <Row label="Changed">
          <RelativeTime date={c.updatedAt} />
        </Row>
      </dl>
    </Card>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[5.5rem_minmax(0,1fr)] gap-2">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-800 [overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

function TestCard({ id }: { id: string }) {
  const test = useConnectionTest();
  return (
    <Card
      title="Test"
      action={
        <button type="button" className={SMALL} onClick={() => test.mutate({ id })} disabled={test.isPending}>
          {test.isPending ? 'Testing…' : 'Test'}
        </button>
      }
    >
      {test.data ? (
        <TestReport result={test.data} />
      ) : test.error ? (
        <p role="alert" className="text-[13px] text-red-700">
          {test.error.message}
        </p>
      ) : (
        <p className="text-[13px] text-slate-500">
          Checks the saved settings with the agent’s own rules, whether the serving agent is online (a heartbeat in the last 15 seconds), the credential and the
          policy; then the agent reaches the target with its own credential (for PostgreSQL: connects, logs in and runs select 1) and reports each step, in at
          most about 15 seconds. It opens no session.
        </p>
      )}
    </Card>
  );
}

function DeleteCard({ c }: { c: ConnectionDetail }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.connection.delete.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries({ queryKey: trpc.connection.list.queryKey() });
        router.push('/connections');
      },
    }),
  );
  return (
    <Card title="Delete">
      <div className="space-y-3 text-[13px]" data-testid="connection-delete">
        <p className="text-slate-600">
          {c.sessions > 0
            ? `It has ${c.sessions} recorded session${c.sessions === 1 ? '' : 's'}; ` +
              `the audit trail keeps them, so it cannot be deleted. Choose no agent to take it out of service.`
            : 'Removes the connection; its agent stops serving it at once. Pending reviews on it are dropped.'}
        </p>
        {remove.error && (
          <p role="alert" className="text-red-700">
            {remove.error.message}
          </p>
        )}
        {confirming ? (
          <div className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50/60 p-2">
            <span className="text-red-900">Delete {c.name}?</span>
            <button type="button" className={DANGER} disabled={remove.isPending} onClick={() => remove.mutate({ id: c.id })}>
              {remove.isPending ? 'Deleting…' : 'Delete'}
            </button>
            <button type="button" className={SECONDARY} disabled={remove.isPending} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className={SECONDARY} onClick={() => setConfirming(true)} aria-label={`Delete ${c.name}…`}>
            Delete…
          </button>
        )}
      </div>
    </Card>
  );
}
