'use client';

import { useMutation } from '@tanstack/react-query';
import type { inferOutput } from '@trpc/tanstack-react-query';
import { type FormEvent, useState } from 'react';
import { ErrorNote } from '~/components/ui/empty-state';
import { useTRPC } from '~/trpc/react';
import { EVENTS, type WebhookEventName } from './webhook-bits';
import { Field, fieldError, INPUT, PRIMARY, SECONDARY } from './form-bits';

export type CreatedWebhook = inferOutput<ReturnType<typeof useTRPC>['integration']['createWebhook']>;

/** Name, URL, events and an optional secret (blank: the server generates one and returns it once). */
export function WebhookForm({ onCreated, onCancel }: { onCreated: (out: CreatedWebhook) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventName[]>(EVENTS.map((e) => e.value));
  const [secret, setSecret] = useState('');
  const create = useMutation(trpc.integration.createWebhook.mutationOptions({ onSuccess: onCreated }));
  const err = (field: string) => fieldError(create.error, field);
  const fieldErrors = Object.values(create.error?.data?.fieldErrors ?? {}).some(Boolean);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, url, events, secret: secret.trim() || undefined });
  };
  const toggle = (value: WebhookEventName, on: boolean) => setEvents((now) => (on ? [...now, value] : now.filter((x) => x !== value)));

  return (
    <form onSubmit={submit} noValidate aria-label="New webhook" data-testid="webhook-form" className="rounded-lg border border-slate-200 bg-slate-50/60 p-4">
      <h3 className="text-[13px] font-semibold text-slate-900">New webhook</h3>
      <div className="mt-3 grid gap-4 md:grid-cols-[minmax(0,14rem)_minmax(0,1fr)]">
        <Field label="Name" htmlFor="webhook-name" error={err('name')}>
          <input
            id="webhook-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="siem"
            autoComplete="off"
            aria-invalid={Boolean(err('name'))}
            disabled={create.isPending}
            className={INPUT}
          />
        </Field>
        <Field label="URL" htmlFor="webhook-url" hint="http:// or https://; deliveries follow no redirects." error={err('url')}>
          <input
            id="webhook-url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://siem.example.com/hoop"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={Boolean(err('url'))}
            disabled={create.isPending}
            className={`${INPUT} font-mono`}
          />
        </Field>
      </div>
      <fieldset className="mt-4">
        <legend className="text-[12px] font-medium text-slate-700">Events</legend>
        <div className="mt-1.5 flex flex-wrap gap-x-6 gap-y-2">
          {EVENTS.map((ev) => (
            <label key={ev.value} className="flex items-start gap-2 text-[13px]">
              <input
                type="checkbox"
                checked={events.includes(ev.value)}
                onChange={(e) => toggle(ev.value, e.target.checked)}
                disabled={create.isPending}
                className="mt-0.5 h-4 w-4 rounded border-slate-300 accent-slate-900"
              />
              <span>
                <span className="font-medium text-slate-800">{ev.label}</span>
                <span className="ml-1.5 font-mono text-[11px] text-slate-400">{ev.value}</span>
                <span className="block text-[12px] text-slate-500">{ev.description}</span>
              </span>
            </label>
          ))}
        </div>
        {err('events') && (
          <p className="mt-1 text-[12px] text-red-700" role="alert">
            {err('events')}
          </p>
        )}
      </fieldset>
      <div className="mt-4 max-w-md">
        <Field
          label="Signing secret (optional)"
          htmlFor="webhook-secret"
          hint="Leave blank to have one generated; it is shown once, after you add the webhook."
          error={err('secret')}
        >
          <input
            id="webhook-secret"
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="new-password"
            spellCheck={false}
            aria-invalid={Boolean(err('secret'))}
            disabled={create.isPending}
            className={`${INPUT} font-mono`}
          />
        </Field>
      </div>
      {create.error && !fieldErrors && (
        <div className="mt-4">
          <ErrorNote title="Webhook not added" message={create.error.message} />
        </div>
      )}
      <div className="mt-4 flex items-center gap-2">
        <button type="submit" className={PRIMARY} disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add webhook'}
        </button>
        <button type="button" className={SECONDARY} disabled={create.isPending} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
