import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { WebhookIdInput, webhookNotFound } from './webhook-view';

export const DeletedWebhook = z.object({ id: z.string(), name: z.string() });
export type DeletedWebhook = z.infer<typeof DeletedWebhook>;

/** Removes a webhook and its sealed secret; the gateway stops delivering to it within 10 seconds. */
export async function deleteWebhook(db: Db, orgId: string, input: z.input<typeof WebhookIdInput>): Promise<DeletedWebhook> {
  const q = parseInput(WebhookIdInput, input);
  const row = await db.webhook.findFirst({ where: { id: q.id, orgId }, select: { id: true, name: true } });
  if (!row) throw webhookNotFound();
  await db.webhook.deleteMany({ where: { id: row.id, orgId } });
  return row;
}
