'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Card } from '~/components/ui/card';
import { CONTROL } from '~/components/ui/control';
import { cx } from '~/components/ui/cx';
import { Dialog } from '~/components/ui/dialog';
import { ErrorNote } from '~/components/ui/empty-state';
import { ClockIcon } from '~/components/ui/icons';
import { Muted, Table, Td } from '~/components/ui/table';
import { useTRPC } from '~/trpc/react';

const BTN =
  'inline-flex h-8 items-center justify-center rounded-md px-3 text-[13px] font-medium ' +
  'whitespace-nowrap shadow-sm disabled:cursor-not-allowed disabled:opacity-50';
const PRIMARY = `${BTN} bg-slate-900 text-white hover:bg-slate-800`;
const SECONDARY = `${BTN} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50`;
const DANGER = `${BTN} bg-red-600 text-white hover:bg-red-700`;

const n = (v: number) => v.toLocaleString('en-US');
const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const when = (iso: string | null) => (iso ? day.format(new Date(iso)) : '—');
const kept = (days: number | null) => (days === null ? 'for ever' : `${n(days)} days`);

/**
 * How long the org keeps its audit trail, what the gateway's next purge removes, and what purges removed (each one
 * recorded in the admin trail with a checkpoint, and reported by verification as purged, not as a gap). Admins change
 * it; a value that would remove sessions is confirmed with the count first.
 */
export function RetentionCard({ canChange }: { canChange: boolean }) {
  const trpc = useTRPC();
  const retention = useQuery(trpc.audit.retention.queryOptions({}));
  const [draft, setDraft] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const preview = useQuery({ ...trpc.audit.previewRetention.queryOptions({ days: confirming ?? 7 }), enabled: confirming !== null });
  const save = useMutation(
    trpc.audit.setRetention.mutationOptions({
      onSuccess: () => {
        setConfirming(null);
        setDraft('');
        void retention.refetch();
      },
    }),
  );
  const r = retention.data;
  const days = Number(draft);
  const valid = /^\d+$/.test(draft.trim()) && r !== undefined && days >= r.minDays && days <= r.maxDays;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (valid) setConfirming(days);
  }

  if (retention.isError) return <ErrorNote title="Could not read the retention" message={retention.error.message} />;
  return (
    <Card title="Retention" testId="audit-retention">
      <div className="space-y-4">
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0 text-[13px] text-slate-700">
            <p className="flex items-center gap-2 font-medium text-slate-900" data-testid="retention-setting">
              <ClockIcon width={14} height={14} className="text-slate-500" />
              {r ? `Sessions are kept ${kept(r.days)}.` : '…'}
            </p>
            <p className="mt-1 text-slate-500">
              {r?.days === null
                ? 'Nothing is ever removed from the trail.'
                : r
                  ? `Sessions last active more than ${n(r.days)} days ago are purged by the gateway within the hour. ` +
                    `What a purge removes is recorded in the admin trail, and verification reports it as purged.`
                  : null}
            </p>
            {r?.pending && r.pending.sessions > 0 && (
              <p className="mt-1 text-amber-700" data-testid="retention-pending">
                Next purge: {n(r.pending.sessions)} session(s), {n(r.pending.events)} event(s), the oldest started {when(r.pending.oldest)}.
              </p>
            )}
          </div>
          {canChange && r && (
            <form onSubmit={submit} className="flex items-end gap-2" aria-label="Change retention">
              <div>
                <label htmlFor="retention-days" className="text-[12px] font-medium text-slate-700">
                  Keep for (days)
                </label>
                <input
                  id="retention-days"
                  inputMode="numeric"
                  value={draft}
                  placeholder={r.days === null ? 'e.g. 365' : String(r.days)}
                  onChange={(e) => setDraft(e.target.value)}
                  aria-invalid={draft !== '' && !valid}
                  className={cx(CONTROL, 'mt-1 block h-8 w-28')}
                />
              </div>
              <button type="submit" className={PRIMARY} disabled={!valid || save.isPending}>
                Set
              </button>
              {r.days !== null && (
                <button type="button" className={SECONDARY} disabled={save.isPending} onClick={() => save.mutate({ days: null })}>
                  Keep for ever
                </button>
              )}
            </form>
          )}
        </div>
        {draft !== '' && !valid && r && (
          <p className="text-[12px] text-red-700" role="alert">
            A whole number of days from {r.minDays} to {n(r.maxDays)}.
          </p>
        )}
        {save.error && <ErrorNote title="Retention not changed" message={save.error.message} />}
        {r && r.purged.purges.length > 0 && (
          <div className="space-y-2">
            <p className="text-[12px] text-slate-500">
              Purged so far: {n(r.purged.sessions)} session(s) and {n(r.purged.events)} event(s).
            </p>
            <Table
              label="Purges"
              columns={[
                { label: 'Purged' },
                { label: 'Kept' },
                { label: 'Sessions', className: 'text-right' },
                { label: 'Events', className: 'text-right' },
                { label: 'Events from' },
                { label: 'to' },
              ]}
            >
              {r.purged.purges.slice(0, 10).map((p) => (
                <tr key={p.id}>
                  <Td>{when(p.at)}</Td>
                  <Td>{kept(p.retentionDays)}</Td>
                  <Td mono className="text-right">
                    {n(p.sessions)}
                  </Td>
                  <Td mono className="text-right">
                    {n(p.events)}
                  </Td>
                  <Td>{p.from ? when(p.from) : <Muted>—</Muted>}</Td>
                  <Td>{p.to ? when(p.to) : <Muted>—</Muted>}</Td>
                </tr>
              ))}
            </Table>
          </div>
        )}
      </div>
      <Dialog
        open={confirming !== null}
        onClose={() => setConfirming(null)}
        title={`Keep sessions ${confirming === null ? '' : kept(confirming)}?`}
        testId="retention-confirm"
        footer={
          <>
            <button type="button" className={SECONDARY} onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button
              type="button"
              className={preview.data && preview.data.sessions > 0 ? DANGER : PRIMARY}
              disabled={save.isPending || !preview.data}
              onClick={() => confirming !== null && save.mutate({ days: confirming })}
            >
              {save.isPending ? 'Saving…' : preview.data && preview.data.sessions > 0 ? `Purge ${n(preview.data.sessions)} session(s)` : 'Set'}
            </button>
          </>
        }
      >
        <div className="text-[13px] text-slate-700" data-testid="retention-preview">
          {preview.isError ? (
            <ErrorNote title="Could not count what would be removed" message={preview.error.message} />
          ) : !preview.data ? (
            <p>Counting the sessions this would remove…</p>
          ) : preview.data.sessions === 0 ? (
            <p>No session was last active before {when(preview.data.cutoff)}: nothing is removed now.</p>
          ) : (
            <p>
              Within the hour, the gateway removes <strong>{n(preview.data.sessions)} session(s)</strong> and {n(preview.data.events)} event(s) last active
              before {when(preview.data.cutoff)} (the oldest started {when(preview.data.oldest)}). They cannot be brought back; what was removed, with each
              session's final hash, stays on record in the admin trail.
            </p>
          )}
        </div>
      </Dialog>
    </Card>
  );
}
