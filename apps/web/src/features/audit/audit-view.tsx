'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Card } from '~/components/ui/card';
import { ErrorNote } from '~/components/ui/empty-state';
import { RelativeTime } from '~/components/ui/relative-time';
import { Stat } from '~/features/sessions/session-bits';
import { useTRPC } from '~/trpc/react';
import { RetentionCard } from './retention-card';
import { VerifyButton, VerifyOutcome } from './verify-result';

const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

const STEPS = [
  [
    'Each event',
    'carries the SHA-256 of the event before it in its session, over its type, time and masked data, ' +
      'so no event can be changed, removed or reordered without breaking the chain.',
  ],
  [
    'Each closed session',
    'is sealed: its final hash is appended to one global chain, so removing the last events of a session or a whole session is detected too.',
  ],
  [
    'Verifying',
    're-reads every event of the organisation from the database and recomputes every hash, ' +
      'the same way hoop audit verify does, and stops at the first link that does not hold.',
  ],
] as const;

/** The org's audit trail as a whole: what it holds, a full verification on request, and how long it is kept. */
export function AuditView({ canChangeRetention }: { canChangeRetention: boolean }) {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.audit.overview.queryOptions({}), refetchInterval: 10_000 });
  const verify = useMutation(trpc.audit.verify.mutationOptions({ onSuccess: () => void overview.refetch() }));
  const o = overview.data;

  return (
    <div className="space-y-5">
      {overview.isError ? (
        <ErrorNote title="Could not read the audit trail" message={overview.error.message} />
      ) : (
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="audit-overview">
          <Stat label="Sessions" value={o ? o.sessions.toLocaleString('en-US') : '…'}>
            {o?.firstSessionAt && <span className="text-[12px] text-slate-500">since {day.format(o.firstSessionAt)}</span>}
          </Stat>
          <Stat label="Events" value={o ? o.events.toLocaleString('en-US') : '…'} />
          <Stat label="Sealed sessions" value={o ? o.sealedSessions.toLocaleString('en-US') : '…'}>
            {o?.lastSealedAt && (
              <span className="text-[12px] text-slate-500">
                last <RelativeTime date={o.lastSealedAt} />
              </span>
            )}
          </Stat>
          <Stat label="Running now" value={o ? o.openSessions.toLocaleString('en-US') : '…'}>
            <span className="text-[12px] text-slate-500">sealed when they close</span>
          </Stat>
        </div>
      )}

      <Card
        title="Verify the trail"
        testId="audit-verify"
        action={<VerifyButton label="Verify the whole trail" pending={verify.isPending} onClick={() => verify.mutate({})} />}
      >
        <div className="space-y-4">
          {verify.data ? (
            <VerifyOutcome result={verify.data} scope="org" />
          ) : verify.error ? (
            <ErrorNote title="The verification did not finish" message={verify.error.message} />
          ) : (
            <p className="text-[13px] text-slate-600">
              {verify.isPending
                ? 'Re-hashing every event of the organisation…'
                : 'Recompute every hash of every session of the organisation and of the global chain. ' +
                  'It reads the whole trail, so it can take a while on a large one.'}
            </p>
          )}
          <dl className="grid gap-3 border-t border-slate-100 pt-3 md:grid-cols-3">
            {STEPS.map(([term, text]) => (
              <div key={term} className="text-[12.5px] leading-relaxed text-slate-500">
                <dt className="font-medium text-slate-700">{term}</dt>
                <dd>{text}</dd>
              </div>
            ))}
          </dl>
        </div>
      </Card>

      <RetentionCard canChange={canChangeRetention} />
    </div>
  );
}
