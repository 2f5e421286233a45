import { z } from 'zod';
import { AppError } from '../errors';

/** What the gateway posts: statements a guardrail stopped, and statements it held for a reviewer. */
export const WebhookEvent = z.enum(['statement.blocked', 'statement.review']);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** A webhook as pages see it: whether it signs deliveries, never its secret. */
export const WebhookView = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(WebhookEvent),
  enabled: z.boolean(),
  /** deliveries carry X-Hoop-Signature */
  signed: z.boolean(),
  lastDeliveryAt: z.date().nullable(),
  /** HTTP status of the last delivery (null: none yet, or the endpoint never answered) */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
});
export type WebhookView = z.infer<typeof WebhookView>;

export const WebhookIdInput = z.object({ id: z.uuid({ error: 'That is not a webhook id.' }) });

/** Another org's webhook is "not found" too: ids never tell whether they exist elsewhere. */
export function webhookNotFound(): AppError {
  return new AppError('not_found', 'This webhook does not exist (any more). Reload the page to see the current list.');
}

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  secretEncrypted: string | null;
  events: string[];
  enabled: boolean;
  lastDeliveryAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

export function webhookView(w: WebhookRow): WebhookView {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    events: w.events.filter((e): e is WebhookEvent => WebhookEvent.safeParse(e).success),
    enabled: w.enabled,
    signed: Boolean(w.secretEncrypted),
    lastDeliveryAt: w.lastDeliveryAt,
    lastStatus: w.lastStatus,
    lastError: w.lastError,
    createdAt: w.createdAt,
  };
}
