import type { ReactNode } from 'react';
import { CopyButton } from '~/components/ui/copy-button';

/** The bot token scopes the gateway's Slack calls need, and what each is for. */
const SCOPES = [
  { scope: 'chat:write', why: 'post review requests and update them as reviewers decide' },
  { scope: 'users:read', why: 'look up who clicked Approve or Reject' },
  { scope: 'users:read.email', why: 'match them to their hoop user by e-mail' },
];

function Step({ n, children }: { n: number; children: ReactNode }) {
  return (
    <li className="flex gap-3">
      <span className="flex h-5 w-5 shrink-0 items-center justify-center rounded-full bg-white text-[11px] font-semibold text-slate-500 ring-1 ring-slate-200">
        {n}
      </span>
      <div className="min-w-0 flex-1">{children}</div>
    </li>
  );
}

/** What to set in the Slack app itself, with this installation's interactivity URL. */
export function SlackSetup({ interactivityUrl }: { interactivityUrl: string }) {
  return (
    <aside aria-label="Set up the Slack app" className="rounded-lg border border-slate-200 bg-slate-50/70 p-4 text-[13px] text-slate-700">
      <h3 className="text-[11px] font-semibold uppercase tracking-wider text-slate-500">In your Slack app (api.slack.com/apps)</h3>
      <ol className="mt-3 space-y-4">
        <Step n={1}>
          <p>
            Under <span className="font-medium text-slate-900">OAuth &amp; Permissions</span>, add these bot token scopes, install the app and copy the{' '}
            <span className="font-medium text-slate-900">Bot User OAuth Token</span> (xoxb-…):
          </p>
          <ul className="mt-2 space-y-1.5" data-testid="slack-scopes">
            {SCOPES.map((s) => (
              <li key={s.scope} className="flex items-baseline gap-2">
                <code className="shrink-0 rounded bg-white px-1.5 py-px font-mono text-[12px] text-slate-800 ring-1 ring-inset ring-slate-200">{s.scope}</code>
                <span className="text-[12px] text-slate-500">{s.why}</span>
              </li>
            ))}
          </ul>
        </Step>
        <Step n={2}>
          Under <span className="font-medium text-slate-900">Basic Information</span>, copy the{' '}
          <span className="font-medium text-slate-900">Signing Secret</span>.
        </Step>
        <Step n={3}>
          <p>
            Under <span className="font-medium text-slate-900">Interactivity &amp; Shortcuts</span>, turn interactivity on and set the Request URL to:
          </p>
          <div className="mt-2 flex items-start gap-1 rounded-md border border-slate-200 bg-white py-1 pl-2.5 pr-1">
            <code className="min-w-0 flex-1 py-0.5 font-mono text-[12px] leading-5 break-all text-slate-800" data-testid="slack-interactivity-url">
              {interactivityUrl}
            </code>
            <CopyButton text={interactivityUrl} label="Copy interactivity URL" />
          </div>
          <p className="mt-1.5 text-[12px] text-slate-500">
            Slack must be able to reach the gateway at this address; it verifies each click with the signing secret.
          </p>
        </Step>
        <Step n={4}>
          Invite the app to the default channel:{' '}
          <code className="rounded bg-white px-1 font-mono text-[12px] whitespace-nowrap ring-1 ring-inset ring-slate-200">/invite @your-app</code>
        </Step>
      </ol>
    </aside>
  );
}
