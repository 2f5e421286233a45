import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { WebhookIdInput, webhookNotFound, type WebhookView, webhookView } from './webhook-view';

export const SetWebhookEnabledInput = WebhookIdInput.extend({ enabled: z.boolean() });
export type SetWebhookEnabledInput = z.input<typeof SetWebhookEnabledInput>;

/** Pauses or resumes deliveries; the gateway notices within 10 seconds. */
export async function setWebhookEnabled(db: Db, orgId: string, input: SetWebhookEnabledInput): Promise<WebhookView> {
  const q = parseInput(SetWebhookEnabledInput, input);
  const { count } = await db.webhook.updateMany({ where: { id: q.id, orgId }, data: { enabled: q.enabled } });
  const row = count > 0 ? await db.webhook.findFirst({ where: { id: q.id, orgId } }) : null;
  if (!row) throw webhookNotFound();
  return webhookView(row);
}
