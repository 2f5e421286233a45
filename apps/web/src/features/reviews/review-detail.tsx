'use client';

import { ServiceBadge } from '../sessions/session-bits';
import { useQuery } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Badge } from '~/components/ui/badge';
import { CopyButton } from '~/components/ui/copy-button';
import { cx } from '~/components/ui/cx';
import { EmptyState, ErrorNote } from '~/components/ui/empty-state';
import { AlertIcon, ArrowLeftIcon, InboxIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { useTRPC } from '~/trpc/react';
import { ApprovalMeter, Countdown, initials, modeLabel, ReviewStatusBadge, viaLabel } from './review-bits';
import { DecisionForm, RevokeForm } from './review-actions';

type Review = inferOutput<ReturnType<typeof useTRPC>['review']['get']>;

const exact = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
const utc = (d: Date) => `${exact.format(d)} UTC`;

function Card({ title, children, className, testId, action }: { title: string; children: ReactNode; className?: string; testId?: string; action?: ReactNode }) {
  return (
    <section
      className={cx('rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]', className)}
      aria-label={title}
      data-testid={testId}
    >
      <div className="flex h-10 items-center justify-between border-b border-slate-100 px-4">
        <h2 className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">{title}</h2>
        {action}
      </div>
      <div className="px-4 py-3">{children}</div>
    </section>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-2 py-1.5 text-[13px]">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-800">{children}</dd>
    </div>
  );
}

export function ReviewDetailView({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.review.get.queryOptions({ id }),
    // follow a request until it is settled: other reviewers, Slack, expiry, the statement running
    refetchInterval: (query) => {
      const r = query.state.data;
      return r && (r.status === 'pending' || (r.status === 'approved' && r.kind === 'statement' && !r.executedAt)) ? 2_000 : false;
    },
    retry: (count, err) => err.data?.code !== 'NOT_FOUND' && count < 1,
  });

  const back = (
    <Link href="/reviews" className="mb-4 inline-flex items-center gap-1.5 text-[13px] text-slate-500 hover:text-slate-900">
      <ArrowLeftIcon width={14} height={14} />
      Reviews
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
          <EmptyState icon={<InboxIcon width={18} height={18} />} title="This review does not exist">
            Check the link; a review can only be seen by members of the organisation it belongs to.
          </EmptyState>
        ) : (
          <ErrorNote title="Could not load this review" message={q.error.message} />
        )}
      </>
    );
  }
  const r = q.data;
  return (
    <article data-testid="review-detail" data-status={r.status}>
      {back}
      <Header r={r} />
      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-5">
          <Card
            title={r.kind === 'access' ? 'Access requested' : 'Statement'}
            action={r.statement ? <CopyButton text={r.statement} label="Copy statement" /> : null}
          >
            {r.kind === 'access' ? (
              <p className="text-[13px] text-slate-800">
                Access to <span className="font-medium">{r.connection.name}</span> for <span className="font-medium">{r.durationMinutes} minutes</span>.
              </p>
            ) : (
              <>
                <pre
                  data-testid="review-statement"
                  className={
                    'max-h-96 overflow-auto rounded-md bg-slate-950 px-4 py-3 font-mono ' +
                    'text-[12.5px] leading-relaxed whitespace-pre-wrap break-words text-slate-100'
                  }
                >
                  {r.statement}
                </pre>
                <p className="mt-2 text-[12px] text-slate-500">
                  Shown as recorded, masked like the audit trail. An approval runs exactly this statement, with the values shown, once
                  {r.digest && (
                    <span className="font-mono text-slate-400" title={`sha256 ${r.digest}`}>
                      {' '}
                      · sha256 {r.digest.slice(0, 12)}…
                    </span>
                  )}
                </p>
              </>
            )}
          </Card>

          <Card title="Why it was held">
            <div className="space-y-3 text-[13px]">
              <div>
                <div className="text-[12px] font-medium text-slate-500">Guardrail</div>
                {r.ruleId ? (
                  <div className="mt-0.5 flex flex-wrap items-baseline gap-2" data-testid="review-rule">
                    <span className="rounded bg-amber-50 px-1.5 py-px font-mono text-[12px] text-amber-900 ring-1 ring-inset ring-amber-200">{r.ruleId}</span>
                    <span className="text-slate-700">{r.ruleMessage ?? 'no message configured for this rule'}</span>
                  </div>
                ) : (
                  <div className="mt-0.5 text-slate-700">{r.kind === 'access' ? 'This connection needs an approval to connect.' : 'No rule recorded.'}</div>
                )}
              </div>
              <div>
                <div className="text-[12px] font-medium text-slate-500">Reason given by the requester</div>
                <p className="mt-0.5 whitespace-pre-wrap text-slate-800" data-testid="review-reason">
                  {r.reason ?? (
                    <span className="text-slate-400">No reason given. Ask the requester, or reject and ask them to run it again with --reason.</span>
                  )}
                </p>
              </div>
            </div>
          </Card>

          <Card title="Decision" testId="decision">
            <Decision r={r} />
          </Card>
        </div>

        <div className="space-y-5">
          <Card title="Details">
            <dl className="-my-1.5 divide-y divide-slate-100">
              <Field label="Connection">
                <span className="font-medium">{r.connection.name}</span> <span className="text-slate-400">({r.connection.type})</span>
              </Field>
              <Field label="Requester">
                <div className="flex items-center gap-1.5 truncate">
                  {r.requester.name}
                  {r.requester.isService && <ServiceBadge />}
                </div>
                <div className="truncate text-[12px] text-slate-500">{r.requester.email}</div>
              </Field>
              <Field label="From">{modeLabel(r.mode)}</Field>
              <Field label="Policy">
                <span>{r.policy.name}</span> <span className="text-slate-400">v{r.policy.version}</span>
              </Field>
              <Field label="Approvers">
                {[...r.approvers.roles.map((x) => `${x} role`), ...r.approvers.users].join(', ') || 'nobody'}
                {r.allowSelfApproval && <div className="text-[12px] text-slate-500">requesters may approve their own</div>}
              </Field>
              <Field label="Approvals">
                <ApprovalMeter approvals={r.approvals} min={r.minApprovals} />
              </Field>
              <Field label="Requested">
                <RelativeTime date={r.createdAt} /> <span className="text-[12px] text-slate-400">· {utc(r.createdAt)}</span>
              </Field>
              {r.status === 'pending' ? (
                <Field label="Expires">
                  <Countdown until={r.expiresAt} />
                </Field>
              ) : (
                <Field label="Decided">
                  <RelativeTime date={r.decidedAt} never="—" />
                  {r.decidedAt && <span className="text-[12px] text-slate-400"> · {utc(r.decidedAt)}</span>}
                </Field>
              )}
            </dl>
          </Card>
          <Card title={`Votes (${r.votes.length})`} testId="review-votes">
            {r.votes.length === 0 ? (
              <p className="text-[13px] text-slate-500">{r.status === 'pending' ? 'Nobody has decided yet.' : 'No reviewer voted on this request.'}</p>
            ) : (
              <ol className="space-y-3">
                {r.votes.map((v) => (
                  <li key={`${v.user.email}-${v.at.toISOString()}`} className="flex gap-2.5" data-testid="review-vote">
                    <span
                      className={cx(
                        'flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-[11px] font-semibold',
                        v.decision === 'approve' ? 'bg-emerald-100 text-emerald-800' : 'bg-red-100 text-red-800',
                      )}
                      aria-hidden
                    >
                      {initials(v.user.name || v.user.email)}
                    </span>
                    <div className="min-w-0 text-[13px]">
                      <div className="flex flex-wrap items-center gap-x-1.5">
                        <span className="font-medium text-slate-900">{v.user.name || v.user.email}</span>
                        <span className={v.decision === 'approve' ? 'text-emerald-700' : 'text-red-700'}>
                          {v.decision === 'approve' ? 'approved' : 'rejected'}
                        </span>
                        <Badge title={`Decided in ${viaLabel(v.via)}`}>via {viaLabel(v.via)}</Badge>
                      </div>
                      <div className="text-[11px] text-slate-400" title={utc(v.at)}>
                        <RelativeTime date={v.at} />
                      </div>
                      {v.comment && <p className="mt-1 rounded-md bg-slate-50 px-2 py-1 text-slate-700">{v.comment}</p>}
                    </div>
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </article>
  );
}

function Header({ r }: { r: Review }) {
  const title = r.kind === 'access' ? `Access to ${r.connection.name}` : `Statement on ${r.connection.name}`;
  return (
    <header className="mb-5 flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-4">
      <div className="min-w-0">
        <div className="flex items-center gap-2.5">
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">{title}</h1>
          <ReviewStatusBadge status={r.status} className="text-[12px]" />
        </div>
        <p className="mt-0.5 text-[13px] text-slate-500">
          Requested by <span className="font-medium text-slate-700">{r.requester.name || r.requester.email}</span> with {modeLabel(r.mode)} ·{' '}
          <RelativeTime date={r.createdAt} />
        </p>
      </div>
      <div className="flex items-center gap-3 text-[12px] text-slate-500">
        {r.status === 'pending' && <Countdown until={r.expiresAt} className="rounded-md border border-slate-200 bg-white px-2 py-1 text-[13px] font-medium" />}
        <span className="inline-flex items-center gap-0.5 font-mono text-slate-400" title="Review id">
          {r.id.slice(0, 8)}
          <CopyButton text={r.id} label="Copy review id" />
        </span>
      </div>
    </header>
  );
}

function Outcome({ tone, children }: { tone: 'green' | 'red' | 'neutral'; children: ReactNode }) {
  const cls = {
    green: 'border-emerald-200 bg-emerald-50 text-emerald-900',
    red: 'border-red-200 bg-red-50 text-red-900',
    neutral: 'border-slate-200 bg-slate-50 text-slate-700',
  }[tone];
  return (
    <div className={cx('rounded-md border px-3 py-2 text-[13px]', cls)} data-testid="review-outcome">
      {children}
    </div>
  );
}

function Decision({ r }: { r: Review }) {
  const by = r.decidedBy ? r.decidedBy.name || r.decidedBy.email : null;
  const note = r.decisionNote ? <p className="mt-1 text-[13px]">“{r.decisionNote}”</p> : null;
  let outcome: ReactNode = null;
  switch (r.status) {
    case 'pending':
      break;
    case 'approved':
      outcome = (
        <Outcome tone="green">
          <p>
            <span className="font-medium">Approved</span>
            {by && <> by {by}</>}.{' '}
            {r.kind === 'access' ? (
              r.grantExpiresAt && <>Access runs until {utc(r.grantExpiresAt)}.</>
            ) : r.executedAt ? (
              <>
                The statement ran <RelativeTime date={r.executedAt} />.
              </>
            ) : (
              <>Waiting for the requester&apos;s session to run it.</>
            )}
          </p>
          {note}
        </Outcome>
      );
      break;
    case 'rejected':
      outcome = (
        <Outcome tone="red">
          <p>
            <span className="font-medium">Rejected</span>
            {by && <> by {by}</>}. The statement did not run; the requester was told why.
          </p>
          {note}
        </Outcome>
      );
      break;
    case 'revoked':
      outcome = (
        <Outcome tone="red">
          <p>
            <span className="font-medium">Revoked</span>
            {by && <> by {by}</>}. Nothing runs on this request.
          </p>
          {note}
        </Outcome>
      );
      break;
    case 'expired':
      outcome = (
        <Outcome tone="neutral">
          <p className="flex items-start gap-2">
            <AlertIcon className="mt-0.5 shrink-0" width={14} height={14} />
            <span>
              <span className="font-medium">Expired</span> at {utc(r.expiresAt)} before enough reviewers decided. The requester must run the statement again to
              ask anew.
            </span>
          </p>
        </Outcome>
      );
      break;
  }
  return (
    <div className="space-y-3">
      {outcome ?? <DecisionForm review={r} />}
      {r.viewer.canRevoke && <RevokeForm review={r} />}
    </div>
  );
}
