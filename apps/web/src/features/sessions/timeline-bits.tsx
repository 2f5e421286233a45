'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { cx } from '~/components/ui/cx';
import { RelativeTime } from '~/components/ui/relative-time';
import type { useTRPC } from '~/trpc/react';
import { HttpExchangeDetails } from './http-exchange';
import { DecisionBadge, formatBytes, formatMs, MaskedChips, offset, utc } from './session-bits';

export type Session = inferOutput<ReturnType<typeof useTRPC>['session']['get']>;
export type Entry = Session['timeline'][number];
export type StatementEntry = Extract<Entry, { kind: 'statement' }>;

const EDGE: Record<string, string> = { allow: 'border-l-emerald-400', deny: 'border-l-red-500', review: 'border-l-amber-400', approved: 'border-l-sky-500' };

export function Gutter({ at, start, seq }: { at: Date; start: Date; seq: number }) {
  return (
    <div className="pt-0.5 text-right font-mono text-[11px] leading-4 text-slate-400" title={utc(at)}>
      <div className="tabular-nums text-slate-500">{offset(at, start)}</div>
      <div className="tabular-nums">#{seq}</div>
    </div>
  );
}

function ReviewLine({ e }: { e: StatementEntry }) {
  const r = e.review;
  if (!e.reviewId) return null;
  const link = (
    <Link href={`/reviews/${e.reviewId}`} className="font-mono text-slate-500 underline underline-offset-2 hover:text-slate-900">
      review {e.reviewId.slice(0, 8)}
    </Link>
  );
  if (!r) return <p className="mt-1.5 text-[12px] text-slate-500">{link}</p>;
  const approvers = r.approvals.map((a) => `${a.name || a.email} (${a.via === 'slack' ? 'Slack' : a.via === 'cli' ? 'CLI' : a.via})`).join(', ');
  return (
    <p className="mt-1.5 text-[12px] text-slate-600" data-testid="statement-review">
      {r.status === 'approved' ? (
        <>
          <span className="font-medium text-sky-800">Approved by {approvers || r.decidedBy?.name || r.decidedBy?.email || 'a reviewer'}</span>
          {r.decidedAt && (
            <>
              {' '}
              <RelativeTime date={r.decidedAt} /> <span className="text-slate-400">({utc(r.decidedAt)})</span>
            </>
          )}
        </>
      ) : (
        <span className={cx('font-medium', r.status === 'pending' ? 'text-amber-800' : 'text-red-700')}>
          {r.status === 'pending' ? 'Waiting for a reviewer' : `Review ${r.status}`}
          {r.decidedBy && r.status !== 'pending' ? ` by ${r.decidedBy.name || r.decidedBy.email}` : ''}
        </span>
      )}
      {r.note && <span className="text-slate-500"> · “{r.note}”</span>} · {link}
    </p>
  );
}

/** One statement (SQL) or command line (shell) with its decision, rule, outcome and what was masked. */
export function StatementCard({ e }: { e: StatementEntry }) {
  const refused = e.decision === 'deny' || (e.executed === false && !e.held && e.decision !== 'allow');
  // the command tag says how many rows a statement returned or changed; rows are counted when there is no tag
  const where = e.lang === 'sql' ? 'database' : e.lang === 'http' ? 'API' : 'server';
  const http = e.http ?? null;
  const facts = http
    ? [
        http.request && http.request.bytes > 0 ? `↑ ${formatBytes(http.request.bytes)}` : null,
        http.response && e.executed ? `↓ ${formatBytes(http.response.bytes)}` : null,
        e.durationMs !== null ? formatMs(e.durationMs) : null,
      ].filter(Boolean)
    : [
        ...e.tags,
        e.rows !== null && e.rows > 0 && e.tags.length === 0 ? `${e.rows.toLocaleString('en-US')} row${e.rows === 1 ? '' : 's'}` : null,
        e.bytes !== null && e.executed && e.bytes > 0 ? formatBytes(e.bytes) : null,
        e.durationMs !== null ? formatMs(e.durationMs) : null,
      ].filter(Boolean);
  return (
    <div
      data-testid="timeline-statement"
      data-decision={e.decision}
      className={cx(
        'min-w-0 rounded-md border border-l-[3px] border-slate-200 bg-white px-3 py-2.5',
        EDGE[e.decision] ?? 'border-l-slate-300',
        refused && 'bg-red-50/40',
      )}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <DecisionBadge decision={e.decision} />
        {e.ruleId && (
          <span
            className={cx(
              'rounded px-1.5 py-px font-mono text-[11px] ring-1 ring-inset',
              refused ? 'bg-red-50 text-red-800 ring-red-200' : 'bg-amber-50 text-amber-900 ring-amber-200',
            )}
            data-testid="statement-rule"
            title="Guardrail"
          >
            {e.ruleId}
          </span>
        )}
        {e.held && <span className="text-[12px] text-amber-800">held until a reviewer decided</span>}
        {refused && <span className="text-[12px] font-medium text-red-700">never reached the {where}</span>}
        {e.error && !refused && (
          <span className="text-[12px] font-medium text-red-700">
            failed {http ? 'on the way to' : 'in'} the {where}
          </span>
        )}
        {facts.length > 0 && (
          <span className="ml-auto font-mono text-[11px] tabular-nums text-slate-500" data-testid="statement-facts">
            {facts.join(' · ')}
          </span>
        )}
      </div>
      {http ? (
        <HttpExchangeDetails e={e} x={http} />
      ) : (
        <pre
          className={cx(
            'mt-2 max-h-64 overflow-auto rounded px-2.5 py-1.5 font-mono text-[12.5px] leading-relaxed whitespace-pre-wrap break-words',
            refused ? 'bg-red-950/[0.04] text-red-950 line-through decoration-red-300/70' : 'bg-slate-50 text-slate-800',
          )}
          data-testid="statement-text"
        >
          {e.lang === 'shell' ? `$ ${e.text}` : e.text}
        </pre>
      )}
      {e.reason && e.decision !== 'allow' && e.decision !== 'approved' && (
        <p className={cx('mt-1.5 text-[12px]', refused ? 'text-red-800' : 'text-amber-900')} data-testid="statement-reason">
          {e.reason}
        </p>
      )}
      {e.parts.length > 1 && (
        <ul className="mt-1.5 space-y-0.5 text-[12px]">
          {e.parts.map((p, i) => (
            <li key={i} className="flex items-baseline gap-2">
              <span
                className={cx(
                  'w-14 shrink-0 font-medium',
                  p.action === 'deny' ? 'text-red-700' : p.action === 'review' ? 'text-amber-800' : 'text-emerald-700',
                )}
              >
                {p.action ?? '—'}
              </span>
              <span className="truncate font-mono text-slate-600" title={p.text}>
                {p.text}
              </span>
              {p.ruleId && <span className="font-mono text-slate-400">{p.ruleId}</span>}
            </li>
          ))}
        </ul>
      )}
      {Object.keys(e.masked).length > 0 && (
        <div className="mt-1.5 flex items-center gap-2 text-[12px] text-slate-500">
          <span>Masked in the {http ? 'answer' : 'result'}:</span>
          <MaskedChips masked={e.masked} />
        </div>
      )}
      {e.error && (
        <p className="mt-1.5 rounded bg-red-50 px-2 py-1 font-mono text-[12px] text-red-800" data-testid="statement-error">
          {e.error}
        </p>
      )}
      {e.reviewStatus && !e.reviewId && <p className="mt-1.5 text-[12px] text-red-700">Review {e.reviewStatus}: the command did not run.</p>}
      <ReviewLine e={e} />
    </div>
  );
}

/** A short line for everything that is not a statement: review steps, lifecycle, files, exit, errors. */
export function EventLine({ e }: { e: Exclude<Entry, StatementEntry> }) {
  let text: ReactNode;
  let tone = 'text-slate-500';
  switch (e.kind) {
    case 'review':
      if (e.phase === 'requested') {
        tone = 'text-amber-800';
        text = (
          <>
            Review requested
            {e.reviewId && (
              <>
                {' '}
                ·{' '}
                <Link href={`/reviews/${e.reviewId}`} className="font-mono underline underline-offset-2">
                  {e.reviewId.slice(0, 8)}
                </Link>
              </>
            )}
          </>
        );
      } else {
        tone = e.status === 'approved' ? 'text-sky-800' : 'text-red-700';
        text = (
          <>
            Review {e.status ?? 'decided'}
            {e.decidedBy && <> by {e.decidedBy}</>}
            {e.message && <span className="text-slate-500"> · “{e.message}”</span>}
          </>
        );
      }
      break;
    case 'file':
      text = (
        <>
          <span className="font-medium text-slate-700">File {e.op}</span> <span className="font-mono">{e.path}</span>
          {e.to && (
            <>
              {' '}
              → <span className="font-mono">{e.to}</span>
            </>
          )}
        </>
      );
      break;
    case 'exit':
      tone = e.code === 0 ? 'text-slate-600' : 'text-red-700';
      text = (
        <>
          Exited{' '}
          {e.signal ? (
            <>
              on signal <span className="font-mono">{e.signal}</span>
            </>
          ) : (
            <>
              with status <span className="font-mono tabular-nums">{e.code ?? '?'}</span>
            </>
          )}
        </>
      );
      break;
    case 'event':
      tone = { neutral: 'text-slate-500', red: 'text-red-700', amber: 'text-amber-800', green: 'text-emerald-700' }[e.tone];
      text = e.summary;
      break;
  }
  return (
    <div className={cx('min-w-0 py-0.5 text-[12.5px] break-words', tone)} data-testid="timeline-event" data-kind={e.kind}>
      {text}
    </div>
  );
}
