'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { ErrorNote } from '~/components/ui/empty-state';
import { AlertIcon, CheckIcon, TerminalIcon } from '~/components/ui/icons';
import { formatAgo, useNow } from '~/components/ui/relative-time';
import { DANGER, INPUT, PRIMARY } from '~/features/integrations/form-bits';
import { useTRPC } from '~/trpc/react';

const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** Without a code in the link: the person types the one their terminal shows. */
export function CodeEntry() {
  const router = useRouter();
  const [code, setCode] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    router.push(`/cli-login?code=${encodeURIComponent(code.trim())}`);
  };
  return (
    <form onSubmit={submit} className="max-w-md rounded-lg border border-slate-200 bg-white p-5">
      <label htmlFor="cli-code" className="text-[13px] font-medium text-slate-800">
        Code shown by <code className="font-mono">hoop login</code>
      </label>
      <div className="mt-2 flex gap-2">
        <input
          id="cli-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          placeholder="BCDF-GHJK"
          autoComplete="off"
          spellCheck={false}
          className={`${INPUT} font-mono uppercase tracking-widest`}
        />
        <button type="submit" className={PRIMARY}>
          Continue
        </button>
      </div>
    </form>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="grid grid-cols-[10rem_minmax(0,1fr)] gap-3 py-2 text-[13px]">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-900" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** A `hoop login` waiting in a terminal: what it is, where it came from, and the token approving it creates. */
export function CliLoginApproval({ code, userEmail }: { code: string; userEmail: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const now = useNow(1000);
  const q = useQuery({ ...trpc.cliLogin.get.queryOptions({ code }), retry: false });
  const onSuccess = (data: NonNullable<typeof q.data>) => qc.setQueryData(trpc.cliLogin.get.queryKey({ code }), data);
  const approve = useMutation(trpc.cliLogin.approve.mutationOptions({ onSuccess }));
  const deny = useMutation(trpc.cliLogin.deny.mutationOptions({ onSuccess }));
  if (q.isPending) return <div className="h-64 animate-pulse rounded-lg border border-slate-200 bg-white" />;
  if (q.isError) return <ErrorNote title="This login cannot be approved" message={q.error.message} />;
  const r = q.data;
  const expired = r.status === 'pending' && r.expiresAt <= now;
  const status = expired ? 'expired' : r.status;
  const left = Math.max(0, Math.round((r.expiresAt.getTime() - now.getTime()) / 1000));
  const busy = approve.isPending || deny.isPending;
  const error = approve.error ?? deny.error;
  return (
    <section
      aria-label="CLI login request"
      data-testid="cli-login"
      data-status={status}
      className="max-w-2xl rounded-lg border border-slate-200 bg-white shadow-[0_1px_0_rgba(15,23,42,0.03)]"
    >
      <header className="flex items-start gap-3 border-b border-slate-100 px-5 py-4">
        <div className="flex h-9 w-9 shrink-0 items-center justify-center rounded-md bg-slate-100 text-slate-600">
          <TerminalIcon width={18} height={18} />
        </div>
        <div>
          <h2 className="text-[15px] font-semibold text-slate-900">A terminal asks to log in as you</h2>
          <p className="mt-0.5 text-[13px] text-slate-500">
            Approve only if you ran <code className="font-mono">hoop login</code> yourself and your terminal shows the same code.
          </p>
        </div>
      </header>
      <div className="px-5 py-4">
        <div className="mb-3 text-center">
          <div className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">Code</div>
          <div className="mt-1 font-mono text-3xl font-semibold tracking-[0.2em] text-slate-900" data-testid="cli-login-code">
            {r.userCode}
          </div>
        </div>
        <dl className="divide-y divide-slate-100">
          <Row label="From" testId="cli-login-client">
            {r.clientName}
          </Row>
          {r.clientAddress && <Row label="Address seen by the gateway">{r.clientAddress}</Row>}
          <Row label="Requested">{formatAgo(r.createdAt, now)}</Row>
          <Row label="Signs in as">{userEmail}</Row>
          <Row label="Token scope">{r.scope === 'full' ? 'Full: everything your roles allow' : 'Read-only: lists and reads'}</Row>
          <Row label="Token expires" testId="cli-login-token-expiry">
            {when.format(r.tokenExpiresAt)} UTC <span className="text-slate-500">({r.tokenDays} days)</span>
          </Row>
        </dl>
        <div className="mt-4" data-testid="cli-login-status">
          {status === 'pending' ? (
            <div className="flex flex-wrap items-center gap-3">
              <button type="button" className={PRIMARY} disabled={busy} onClick={() => approve.mutate({ code: r.userCode })}>
                {approve.isPending ? 'Approving…' : 'Approve'}
              </button>
              <button type="button" className={DANGER} disabled={busy} onClick={() => deny.mutate({ code: r.userCode })}>
                {deny.isPending ? 'Denying…' : 'Deny'}
              </button>
              <span className="text-[12px] text-slate-500 tabular-nums">
                {Math.floor(left / 60)}m {String(left % 60).padStart(2, '0')}s left to decide
              </span>
            </div>
          ) : status === 'approved' || status === 'consumed' ? (
            <p className="flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-[13px] text-emerald-900">
              <CheckIcon className="mt-0.5 shrink-0 text-emerald-700" width={14} height={14} />
              {r.decidedByViewer ? 'Approved. Go back to your terminal: hoop is logged in' : 'This login was already approved'}
              {status === 'consumed' ? ' and has its token.' : '.'} You can see and revoke the token under API tokens.
            </p>
          ) : (
            <p className="flex items-start gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-[13px] text-slate-700">
              <AlertIcon className="mt-0.5 shrink-0 text-slate-500" width={14} height={14} />
              {status === 'denied' ? 'Denied. The terminal was told; no token was created.' : 'This request has expired. Run hoop login again for a new code.'}
              <Badge className="ml-auto">{status}</Badge>
            </p>
          )}
          {error && (
            <div className="mt-3">
              <ErrorNote title="Not done" message={error.message} />
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
