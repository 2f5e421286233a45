'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { ErrorNote } from '~/components/ui/empty-state';
import { CheckIcon, LockIcon, XIcon } from '~/components/ui/icons';
import { useTRPC } from '~/trpc/react';

type Review = inferOutput<ReturnType<typeof useTRPC>['review']['get']>;

const TEXTAREA =
  'mt-1 block w-full resize-y rounded-md border border-slate-300 bg-white px-3 py-2 text-[13px] text-slate-900 shadow-sm placeholder:text-slate-400 ' +
  'focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10 disabled:bg-slate-50 disabled:text-slate-400';
const BTN = 'inline-flex h-9 items-center gap-1.5 rounded-md px-3.5 text-[13px] font-medium shadow-sm disabled:cursor-not-allowed disabled:opacity-50';

/** Keeps the page and the inbox in step with a decision the server returned. */
function useAfterDecision(id: string) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return (review: Review) => {
    qc.setQueryData(trpc.review.get.queryKey({ id }), review);
    void qc.invalidateQueries({ queryKey: trpc.review.list.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.review.summary.pathKey() });
  };
}

/** Approve or reject, with an optional comment (on a rejection, the reason the requester reads). */
export function DecisionForm({ review }: { review: Review }) {
  const trpc = useTRPC();
  const after = useAfterDecision(review.id);
  const [comment, setComment] = useState('');
  const approve = useMutation(trpc.review.approve.mutationOptions({ onSuccess: (out) => after(out.review) }));
  const reject = useMutation(trpc.review.reject.mutationOptions({ onSuccess: (out) => after(out.review) }));
  const busy = approve.isPending || reject.isPending;
  const error = approve.error ?? reject.error;
  const { canDecide, refusal, vote } = review.viewer;

  return (
    <div data-testid="decision-form">
      {!canDecide &&
        refusal &&
        (vote ? (
          <p
            className="mb-3 flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-[13px] text-emerald-800"
            data-testid="decision-refusal"
          >
            <CheckIcon className="mt-0.5 shrink-0" width={14} height={14} />
            {refusal}
          </p>
        ) : (
          <p
            className="mb-3 flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-[13px] text-amber-900"
            data-testid="decision-refusal"
            role="note"
          >
            <LockIcon className="mt-0.5 shrink-0 text-amber-700" width={14} height={14} />
            {refusal}
          </p>
        ))}
      {canDecide && (
        <label className="block">
          <span className="text-[12px] font-medium text-slate-700">
            Comment <span className="font-normal text-slate-400">(optional; if you reject, this is the reason the requester sees)</span>
          </span>
          <textarea
            name="comment"
            rows={3}
            maxLength={2000}
            value={comment}
            disabled={busy}
            onChange={(e) => setComment(e.target.value)}
            placeholder="e.g. fine outside business hours, or: not during the freeze"
            className={TEXTAREA}
          />
        </label>
      )}
      {error && (
        <div className="mt-3">
          <ErrorNote title="Your decision was not recorded" message={error.message} />
        </div>
      )}
      <div className={`${canDecide ? 'mt-3 ' : ''}flex items-center gap-2`}>
        <button
          type="button"
          disabled={!canDecide || busy}
          onClick={() => approve.mutate({ id: review.id, comment: comment || undefined })}
          className={`${BTN} bg-emerald-600 text-white hover:bg-emerald-700`}
        >
          <CheckIcon width={14} height={14} />
          {approve.isPending ? 'Approving…' : 'Approve'}
        </button>
        <button
          type="button"
          disabled={!canDecide || busy}
          onClick={() => reject.mutate({ id: review.id, comment: comment || undefined })}
          className={`${BTN} border border-red-200 bg-white text-red-700 hover:border-red-300 hover:bg-red-50`}
        >
          <XIcon width={14} height={14} />
          {reject.isPending ? 'Rejecting…' : 'Reject'}
        </button>
        {canDecide && (
          <span className="ml-2 text-[12px] text-slate-500">
            {review.minApprovals - review.approvals > 1
              ? `Your approval is one of ${review.minApprovals - review.approvals} still needed.`
              : 'Approving releases the held statement at once; it runs exactly as shown, once.'}
          </span>
        )}
      </div>
    </div>
  );
}

/** Admins withdraw a pending request, an approval not yet used, or a running access grant. */
export function RevokeForm({ review }: { review: Review }) {
  const trpc = useTRPC();
  const after = useAfterDecision(review.id);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState('');
  const revoke = useMutation(trpc.review.revoke.mutationOptions({ onSuccess: (r) => after(r) }));
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} className="text-[13px] font-medium text-red-700 underline-offset-4 hover:underline">
        Revoke…
      </button>
    );
  }
  return (
    <div className="rounded-md border border-red-200 bg-red-50/50 p-3" data-testid="revoke-form">
      <label className="block">
        <span className="text-[12px] font-medium text-slate-700">
          Why are you revoking it? <span className="font-normal text-slate-400">(optional, shown to the requester)</span>
        </span>
        <textarea name="note" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} className={TEXTAREA} />
      </label>
      {revoke.error && (
        <div className="mt-3">
          <ErrorNote title="Not revoked" message={revoke.error.message} />
        </div>
      )}
      <div className="mt-3 flex items-center gap-2">
        <button
          type="button"
          disabled={revoke.isPending}
          onClick={() => revoke.mutate({ id: review.id, note: note || undefined })}
          className={`${BTN} bg-red-600 text-white hover:bg-red-700`}
        >
          {revoke.isPending ? 'Revoking…' : 'Revoke request'}
        </button>
        <button
          type="button"
          disabled={revoke.isPending}
          onClick={() => setOpen(false)}
          className={`${BTN} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
