'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { cx } from '~/components/ui/cx';
import { AlertIcon, ShieldIcon } from '~/components/ui/icons';
import type { useTRPC } from '~/trpc/react';

export type VerifyResult = inferOutput<ReturnType<typeof useTRPC>['audit']['verify']>;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const sentence = (m: string) => {
  const s = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
};
const time = new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium', timeZone: 'UTC' });

/** What a verification found: intact with what was checked, or the first broken link with a way to it. */
export function VerifyOutcome({ result, scope }: { result: VerifyResult; scope: 'org' | 'session' }) {
  const checked =
    `${plural(result.sessions, 'session')} and ${plural(result.events, 'event')} re-hashed; ` +
    `${plural(result.chainLinks, 'link')} of the global chain checked`;
  const took = result.tookMs < 1000 ? `${Math.round(result.tookMs)} ms` : `${(result.tookMs / 1000).toFixed(1)} s`;
  const when = `at ${time.format(result.checkedAt)} UTC in ${took}`;
  if (result.ok) {
    return (
      <div
        role="status"
        data-testid="verify-result"
        data-ok="true"
        className="flex items-start gap-2.5 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-[13px] text-emerald-900"
      >
        <ShieldIcon className="mt-0.5 shrink-0 text-emerald-700" width={16} height={16} />
        <div>
          <p className="font-medium">{scope === 'session' ? 'This session’s trail is intact.' : 'The audit trail is intact.'}</p>
          <p className="mt-0.5 text-emerald-800">
            {checked}, {when}. Every hash matches: nothing was altered, removed or reordered.
          </p>
          <p className="mt-0.5 text-emerald-800" data-testid="verify-signatures">
            {sentence(result.signatures.note)}
            {result.signatures.checked ? '' : ' Anyone who can write to the database could have re-hashed a rewritten trail.'}
          </p>
          {result.purged.sessions > 0 && (
            <p className="mt-0.5 text-emerald-800" data-testid="verify-purged">
              {plural(result.purged.sessions, 'session')} and {plural(result.purged.events, 'event')} were purged by retention in{' '}
              {plural(result.purged.purges.length, 'purge')}: on record, each purge matching its checkpoint and its entry in the admin trail.
            </p>
          )}
        </div>
      </div>
    );
  }
  const p = result.problem;
  return (
    <div
      role="alert"
      data-testid="verify-result"
      data-ok="false"
      className="flex items-start gap-2.5 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-[13px] text-red-900"
    >
      <AlertIcon className="mt-0.5 shrink-0 text-red-700" width={16} height={16} />
      <div className="min-w-0">
        <p className="font-medium">
          The audit trail is broken{p?.sessionId ? ' ' : '.'}
          {p?.sessionId && (
            <>
              in session{' '}
              <Link href={`/sessions/${p.sessionId}`} className="font-mono underline underline-offset-2">
                {p.sessionId.slice(0, 8)}
              </Link>
              {p.seq !== null ? <> at event {p.seq}</> : null}.
            </>
          )}
        </p>
        {p && (
          <p className="mt-0.5" data-testid="verify-problem">
            {sentence(p.message)}
          </p>
        )}
        {!result.signatures.checked && (
          <p className="mt-0.5" data-testid="verify-signatures">
            {sentence(result.signatures.note)}
          </p>
        )}
        <p className="mt-1 text-[12px] text-red-800">
          Checking stopped at this first broken link, after {plural(result.events, 'event')} ({when}). The stored trail no longer matches the hashes written
          when it was recorded: someone changed the database directly. Keep an export of the trail and find out who had write access to it.
        </p>
      </div>
    </div>
  );
}

export function VerifyButton({ onClick, pending, label, className }: { onClick: () => void; pending: boolean; label: string; className?: string }) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={pending}
      className={cx(
        'inline-flex h-8 items-center gap-1.5 rounded-md bg-slate-900 px-3 text-[13px] font-medium text-white shadow-sm hover:bg-slate-800 ' +
          'disabled:cursor-wait disabled:opacity-60',
        className,
      )}
    >
      <ShieldIcon width={14} height={14} />
      {pending ? 'Verifying…' : label}
    </button>
  );
}
