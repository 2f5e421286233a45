'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { Badge } from '~/components/ui/badge';
import { ErrorNote } from '~/components/ui/empty-state';
import { HashIcon } from '~/components/ui/icons';
import { RelativeTime } from '~/components/ui/relative-time';
import { Switch } from '~/components/ui/switch';
import { useTRPC } from '~/trpc/react';
import { DANGER, Field, fieldError, INPUT, KeyNote, Panel, PRIMARY, SecretField, SECONDARY, SuccessNote } from './form-bits';
import { SlackSetup } from './slack-setup';

type Settings = inferOutput<ReturnType<typeof useTRPC>['integration']['getSlack']>;
type Notice = 'saved' | 'removed' | null;

const PICKUP = 'The gateway picks up changes within 10 seconds.';

function SlackStatus({ s }: { s: Settings }) {
  const badge = !s.configured ? <Badge>Not set up</Badge> : s.enabled ? <Badge tone="green">On</Badge> : <Badge>Off</Badge>;
  return (
    <span className="inline-flex items-center gap-2" data-testid="slack-status" data-state={!s.configured ? 'none' : s.enabled ? 'on' : 'off'}>
      {badge}
      {s.updatedAt && (
        <span className="text-[12px] text-slate-400">
          saved <RelativeTime date={s.updatedAt} />
        </span>
      )}
    </span>
  );
}

/** The org's Slack app: review requests (with Approve and Reject) and blocked statements posted to a channel. */
export function SlackPanel({ interactivityUrl }: { interactivityUrl: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.integration.getSlack.queryOptions({}));
  const [notice, setNotice] = useState<Notice>(null);
  return (
    <Panel
      title="Slack"
      testId="slack-panel"
      icon={<HashIcon width={18} height={18} />}
      description={
        "Post each statement held for review to a channel, with Approve and Reject buttons that count as the reviewer's decision in hoop; " +
        'optionally, blocked statements too.'
      }
      status={q.data && <SlackStatus s={q.data} />}
    >
      {q.isPending ? (
        <div className="h-72 animate-pulse rounded-md bg-slate-50" aria-busy="true" aria-label="Loading" />
      ) : q.isError ? (
        <ErrorNote title="Could not load the Slack settings" message={q.error.message} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_26rem]">
          {/* a fresh form after each save or removal: secret fields start empty again */}
          <SlackForm key={q.data.updatedAt?.toISOString() ?? 'new'} settings={q.data} notice={notice} onDone={setNotice} />
          <SlackSetup interactivityUrl={interactivityUrl} />
        </div>
      )}
    </Panel>
  );
}

function SlackForm({ settings: s, notice, onDone }: { settings: Settings; notice: Notice; onDone: (n: Notice) => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [botToken, setBotToken] = useState('');
  const [replaceToken, setReplaceToken] = useState(false);
  const [signingSecret, setSigningSecret] = useState('');
  const [replaceSecret, setReplaceSecret] = useState(false);
  const [channel, setChannel] = useState(s.defaultChannel ?? '');
  const [notifyBlocked, setNotifyBlocked] = useState(s.notifyBlocked);
  const [enabled, setEnabled] = useState(s.enabled);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const store = (out: Settings, n: Notice) => {
    qc.setQueryData(trpc.integration.getSlack.queryKey({}), out);
    onDone(n);
  };
  const save = useMutation(trpc.integration.saveSlack.mutationOptions({ onSuccess: (out) => store(out, 'saved') }));
  const remove = useMutation(trpc.integration.removeSlack.mutationOptions({ onSuccess: (out) => store(out, 'removed') }));
  const busy = save.isPending || remove.isPending;
  const edited = () => onDone(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDone(null);
    save.mutate({ botToken: botToken.trim() || undefined, signingSecret: signingSecret.trim() || undefined, defaultChannel: channel, notifyBlocked, enabled });
  };

  return (
    <form onSubmit={submit} className="min-w-0 space-y-4" aria-label="Slack settings" noValidate>
      <KeyNote state={s.key} />
      <SecretField
        id="slack-bot-token"
        label="Bot token"
        isSet={s.botTokenSet}
        replacing={replaceToken}
        onReplace={setReplaceToken}
        value={botToken}
        onChange={(v) => {
          setBotToken(v);
          edited();
        }}
        placeholder="xoxb-…"
        hint="The Bot User OAuth Token of your Slack app."
        error={fieldError(save.error, 'botToken')}
        disabled={busy}
      />
      <SecretField
        id="slack-signing-secret"
        label="Signing secret"
        isSet={s.signingSecretSet}
        replacing={replaceSecret}
        onReplace={setReplaceSecret}
        value={signingSecret}
        onChange={(v) => {
          setSigningSecret(v);
          edited();
        }}
        placeholder="hex, from Basic Information"
        hint="Lets the gateway check that Approve and Reject clicks really come from Slack."
        error={fieldError(save.error, 'signingSecret')}
        disabled={busy}
      />
      <Field
        label="Default channel"
        htmlFor="slack-channel"
        hint="#name or a channel id (C0123456789). A policy can name its own channel."
        error={fieldError(save.error, 'defaultChannel')}
      >
        <input
          id="slack-channel"
          name="defaultChannel"
          value={channel}
          disabled={busy}
          placeholder="#db-reviews"
          autoComplete="off"
          aria-invalid={Boolean(fieldError(save.error, 'defaultChannel'))}
          onChange={(e) => {
            setChannel(e.target.value);
            edited();
          }}
          className={`${INPUT} max-w-sm`}
        />
      </Field>
      <div className="divide-y divide-slate-100 rounded-md border border-slate-200 px-3">
        <Switch
          label="Post blocked statements"
          description="Also post statements a guardrail refused, not only those held for review."
          checked={notifyBlocked}
          disabled={busy}
          onChange={(v) => {
            setNotifyBlocked(v);
            edited();
          }}
        />
        <Switch
          label="Enabled"
          description="Turn off to stop posting without losing these settings."
          checked={enabled}
          disabled={busy}
          onChange={(v) => {
            setEnabled(v);
            edited();
          }}
        />
      </div>

      {save.error && !Object.values(save.error.data?.fieldErrors ?? {}).some(Boolean) && <ErrorNote title="Not saved" message={save.error.message} />}
      {remove.error && <ErrorNote title="Not removed" message={remove.error.message} />}
      {notice === 'saved' && <SuccessNote testId="slack-notice">Saved. {PICKUP}</SuccessNote>}
      {notice === 'removed' && <SuccessNote testId="slack-notice">Slack settings removed; nothing more is posted. {PICKUP}</SuccessNote>}

      <div className="flex flex-wrap items-center gap-2 pt-1">
        <button type="submit" className={PRIMARY} disabled={busy}>
          {save.isPending ? 'Saving…' : s.configured ? 'Save' : 'Save and turn on'}
        </button>
        {s.configured && !confirmRemove && (
          <button type="button" className={SECONDARY} disabled={busy} onClick={() => setConfirmRemove(true)}>
            Remove…
          </button>
        )}
        {s.configured && confirmRemove && (
          <span
            className="inline-flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50/60 py-1 pl-3 pr-1 text-[13px] text-red-900"
            data-testid="slack-remove-confirm"
          >
            Remove the Slack settings and their secrets?
            <button type="button" className={DANGER} disabled={busy} onClick={() => remove.mutate({})}>
              {remove.isPending ? 'Removing…' : 'Remove'}
            </button>
            <button type="button" className={SECONDARY} disabled={busy} onClick={() => setConfirmRemove(false)}>
              Cancel
            </button>
          </span>
        )}
        {!s.configured && <span className="text-[12px] text-slate-500">The bot token and the signing secret are needed the first time.</span>}
      </div>
    </form>
  );
}
