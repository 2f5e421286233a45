'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Card } from '~/components/ui/card';
import { CopyButton } from '~/components/ui/copy-button';
import { DownloadMenu } from '~/components/ui/download-menu';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { ArrowLeftIcon, TerminalIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { VerifyButton, VerifyOutcome } from '~/features/audit/verify-result';
import { useTRPC } from '~/trpc/react';
import { MaskedChips, modeLabel, ServiceBadge, SessionDuration, SessionStatusBadge, Stat, utc } from './session-bits';
import { ConversationStats, ConversationTimeline } from './conversation-timeline';
import { SqlTimeline, TerminalCommands, TerminalEvents } from './session-timelines';
import { TerminalPlayer } from './terminal-player';

/** A running session is the live view: it is read again every 2 seconds until it ends. */
const LIVE_POLL_MS = 2_000;

const TITLE = { terminal: 'Terminal session', sql: 'SQL session', conversation: 'Claude Code conversation', http: 'HTTP session' } as const;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-2 py-1.5 text-[13px]">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-800">{children}</dd>
    </div>
  );
}

export function SessionDetailView({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.session.get.queryOptions({ id }),
    refetchInterval: (query) => (query.state.data?.status === 'open' ? LIVE_POLL_MS : false),
    retry: (count, err) => err.data?.code !== 'NOT_FOUND' && count < 1,
  });
  const verify = useMutation(trpc.session.verify.mutationOptions());

  const back = (
    <Link href="/sessions" className="mb-4 inline-flex items-center gap-1.5 text-[13px] text-slate-500 hover:text-slate-900">
      <ArrowLeftIcon width={14} height={14} />
      Sessions
    </Link>
  );
  if (q.isPending)
    return (
      <>
        {back}
        <div className="h-64 animate-pulse rounded-lg border border-slate-200 bg-white" aria-busy="true" aria-label="Loading" />
      </>
    );
  if (q.isError) {
    return (
      <>
        {back}
        {q.error.data?.code === 'NOT_FOUND' ? (
          <EmptyState icon={<TerminalIcon width={18} height={18} />} title="This session does not exist, or is not yours to see">
            Check the link. Admins and auditors see every session of the organisation; everyone else sees their own.
          </EmptyState>
        ) : (
          <ErrorNote title="Could not load this session" message={q.error.message} />
        )}
      </>
    );
  }
  const s = q.data;
  const exportHref = (format: string) => `/api/sessions/${s.id}/export?format=${format}`;
  const downloads = [
    { href: exportHref('jsonl'), label: 'JSON lines', hint: 'every event, as `hoop sessions export` gives it' },
    { href: exportHref('csv'), label: 'CSV', hint: 'one row per event' },
    ...(s.kind === 'terminal' ? [{ href: exportHref('cast'), label: 'asciicast (.cast)', hint: 'the recording, for asciinema play' }] : []),
  ];

  return (
    <article data-testid="session-detail" data-kind={s.kind} data-status={s.status}>
      {back}
      <header className="mb-5 flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2.5">
            <h1 className="text-lg font-semibold tracking-tight text-slate-900">
              {TITLE[s.kind]} on {s.connection.name}
            </h1>
            <SessionStatusBadge status={s.status} title={s.error} className="text-[12px]" />
          </div>
          <p className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-[13px] text-slate-500">
            <span className="font-medium text-slate-700">{s.user.name || s.user.email}</span>
            {s.user.isService && <ServiceBadge />}
            <span>
              with {modeLabel(s.mode)} · started <RelativeTime date={s.startedAt} />
            </span>
            {s.reason && <span>· “{s.reason}”</span>}
          </p>
        </div>
        <div className="flex items-center gap-2">
          <span className="mr-1 inline-flex items-center gap-0.5 font-mono text-[12px] text-slate-400" title="Session id">
            {s.id.slice(0, 8)}
            <CopyButton text={s.id} label="Copy session id" />
          </span>
          <DownloadMenu label="Export" choices={downloads} />
          {s.canVerify && <VerifyButton label="Verify this session" pending={verify.isPending} onClick={() => verify.mutate({ id: s.id })} />}
        </div>
      </header>

      {(verify.data || verify.error) && (
        <div className="mb-5">
          {verify.data ? (
            <VerifyOutcome result={verify.data} scope="session" />
          ) : (
            <ErrorNote title="Could not verify this session" message={verify.error!.message} />
          )}
        </div>
      )}
      {s.truncated && (
        <p className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-[13px] text-amber-900">
          This session has {s.events.toLocaleString('en-US')} events; the page shows the first 10,000. Export it to see all of them.
        </p>
      )}

      {s.kind === 'conversation' ? (
        <ConversationStats s={s} />
      ) : (
        <div className="mb-5 grid grid-cols-2 gap-3 md:grid-cols-4">
          <Stat label={s.kind === 'terminal' ? 'Commands' : s.kind === 'http' ? 'Requests' : 'Statements'} value={s.statements} />
          <Stat label="Blocked" value={<span data-testid="stat-blocked">{s.blocked}</span>} tone={s.blocked > 0 ? 'red' : 'neutral'} />
          <Stat label="Held for review" value={s.reviews} tone={s.reviews > 0 ? 'amber' : 'neutral'} />
          <Stat label="Masked values" value={<span data-testid="stat-masked">{s.masked}</span>} tone={s.masked > 0 ? 'violet' : 'neutral'}>
            <MaskedChips masked={s.maskedByType} />
          </Stat>
        </div>
      )}

      <div className="grid gap-5 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-5">
          {s.kind === 'terminal' ? (
            <>
              {s.recording ? (
                <TerminalPlayer recording={s.recording} live={s.status === 'open'} title={`${s.user.email} @ ${s.connection.name}`} />
              ) : (
                <EmptyState icon={<TerminalIcon width={18} height={18} />} title="No terminal recording">
                  Nothing was shown on a terminal in this session{s.status === 'open' ? ' yet' : ''}: commands and files are listed below.
                </EmptyState>
              )}
              <TerminalEvents s={s} />
            </>
          ) : s.kind === 'conversation' ? (
            <>
              <ConversationTimeline s={s} />
              <TerminalEvents s={s} />
            </>
          ) : s.kind === 'http' ? (
            <SqlTimeline s={s} noun="request" testId="http-timeline" />
          ) : (
            <SqlTimeline s={s} />
          )}
        </div>
        <aside className="space-y-5">
          {s.kind === 'terminal' && <TerminalCommands s={s} />}
          <Card title="Session">
            <dl className="-my-1.5 divide-y divide-slate-100">
              <Field label="User">
                <div className="truncate">{s.user.name}</div>
                <div className="truncate text-[12px] text-slate-500">{s.user.email}</div>
              </Field>
              <Field label="Connection">
                <span className="font-medium">{s.connection.name}</span> <span className="text-slate-400">({s.connection.type})</span>
              </Field>
              <Field label="Mode">{modeLabel(s.mode)}</Field>
              <Field label="Client">{s.client ?? <span className="text-slate-400">not given</span>}</Field>
              {s.claude && s.claude.models.length > 0 && (
                <Field label={s.claude.models.length === 1 ? 'Model' : 'Models'}>
                  <span className="font-mono text-[12px]">{s.claude.models.join(', ')}</span>
                </Field>
              )}
              <Field label="Reason">
                <span data-testid="session-reason">{s.reason ?? <span className="text-slate-400">none given</span>}</span>
              </Field>
              <Field label="Started">
                <span className="text-[12px]">{utc(s.startedAt)}</span>
              </Field>
              <Field label="Ended">
                {s.endedAt ? (
                  <span className="text-[12px]">{utc(s.endedAt)}</span>
                ) : s.status === 'open' ? (
                  <span className="text-emerald-700">still running</span>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </Field>
              <Field label="Duration">
                <SessionDuration startedAt={s.startedAt} endedAt={s.endedAt} status={s.status} />
              </Field>
              {s.agent && <Field label="Agent">{s.agent}</Field>}
              <Field label="Events">
                <span className="tabular-nums">{s.events.toLocaleString('en-US')}</span>
              </Field>
              {s.error && (
                <Field label="Error">
                  <span className="text-red-700">{s.error}</span>
                </Field>
              )}
            </dl>
          </Card>
          <p className="px-1 text-[12px] leading-relaxed text-slate-500">
            Recorded by the agent, masked before it left: raw PII never reaches the audit trail. Each event carries the hash of the one before it, so any change
            to the stored trail is detected by a verification.
          </p>
        </aside>
      </div>
    </article>
  );
}
