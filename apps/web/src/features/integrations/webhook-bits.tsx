import { Badge } from '~/components/ui/badge';
import { CopyButton } from '~/components/ui/copy-button';
import { KeyIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Muted } from '~/components/ui/table';

export type WebhookEventName = 'statement.blocked' | 'statement.review';

export const EVENTS: { value: WebhookEventName; label: string; description: string }[] = [
  { value: 'statement.blocked', label: 'Blocked statements', description: 'a guardrail refused a statement' },
  { value: 'statement.review', label: 'Held for review', description: 'a statement waits for a reviewer' },
];

export const eventLabel = (e: WebhookEventName): string => EVENTS.find((x) => x.value === e)?.label ?? e;

/** How the last delivery went: the HTTP status (green when 2xx) and when, or the error in the tooltip. */
export function LastDelivery({ at, status, error }: { at: Date | null; status: number | null; error: string | null }) {
  if (!at) return <Muted>no deliveries yet</Muted>;
  const ok = status !== null && status >= 200 && status < 300;
  return (
    <div className="flex flex-col items-start gap-0.5" data-testid="webhook-last-delivery" data-ok={ok}>
      <Badge tone={ok ? 'green' : 'red'} title={error ?? undefined}>
        {status !== null ? `HTTP ${status}` : 'no answer'}
      </Badge>
      <span className="text-[11px] text-slate-400">
        <RelativeTime date={at} />
      </span>
      {!ok && error && (
        <span className="max-w-[14rem] truncate text-[11px] text-red-700" title={error}>
          {error}
        </span>
      )}
    </div>
  );
}

/** The generated secret of a webhook just created: shown this once, with a copy button. */
export function SecretOnce({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <div role="status" data-testid="webhook-secret-once" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3">
      <p className="flex items-center gap-2 text-[13px] font-medium text-amber-950">
        <KeyIcon width={15} height={15} className="text-amber-700" />
        Copy the signing secret of “{name}” now: it is not shown again.
      </p>
      <p className="mt-0.5 text-[12px] text-amber-900/80">
        Give it to the receiving end, which checks X-Hoop-Signature with it. If it is lost, delete the webhook and add it again.
      </p>
      <div className="mt-2.5 flex flex-wrap items-center gap-2">
        <span className="inline-flex max-w-full items-center gap-1 rounded-md border border-amber-200 bg-white py-1 pl-2.5 pr-1">
          <code className="truncate font-mono text-[13px] text-slate-900" data-testid="webhook-secret">
            {secret}
          </code>
          <CopyButton text={secret} label="Copy secret" />
        </span>
        <button
          type="button"
          onClick={onDone}
          className="inline-flex h-8 items-center rounded-md bg-amber-900 px-3 text-[12px] font-medium text-white shadow-sm hover:bg-amber-950"
        >
          I have copied it
        </button>
      </div>
    </div>
  );
}

/** How a receiver checks a delivery, as the gateway signs it. */
export function SigningHelp() {
  return (
    <aside aria-label="Verifying deliveries" className="rounded-lg border border-slate-200 bg-slate-50/70 p-4 text-[13px] text-slate-700">
      <h3 className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">Verifying deliveries</h3>
      <p className="mt-2">
        Each event is a <span className="font-medium">POST</span> with a JSON body (type, at, sessionId, user, connection, mode, statement as recorded and
        masked, ruleId, reason) and two headers:
      </p>
      <pre
        className="mt-2 overflow-x-auto rounded-md bg-slate-950 px-3 py-2.5 font-mono text-[12px] leading-relaxed text-slate-100"
        data-testid="webhook-signature-help"
      >
        <span className="text-slate-400">X-Hoop-Timestamp:</span> 1767225600{'\n'}
        <span className="text-slate-400">X-Hoop-Signature:</span> sha256=HMAC-SHA256(secret, &quot;&lt;X-Hoop-Timestamp&gt;.&lt;body&gt;&quot;){' '}
        <span className="text-slate-500"># hex</span>
      </pre>
      <p className="mt-2 text-[12px] text-slate-500">
        Recompute the signature over the raw body, compare in constant time, and refuse timestamps more than five minutes old. A delivery that fails is tried
        three times (not after a 4xx answer). Changes here reach the gateway within 10 seconds.
      </p>
    </aside>
  );
}
