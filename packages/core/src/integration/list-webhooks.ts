import type { Db } from '@hoop/db';
import { z } from 'zod';
import { KeyState, keyState } from './sealing-key';
import { WebhookView, webhookView } from './webhook-view';

export const WebhookList = z.object({
  items: z.array(WebhookView),
  /** whether this web app can seal a new webhook's secret, and opens the stored ones */
  key: KeyState,
});
export type WebhookList = z.infer<typeof WebhookList>;

/** The org's webhooks by name (an org has a handful), each with how its last delivery went. */
export async function listWebhooks(db: Db, orgId: string, encryptionKey: string | null): Promise<WebhookList> {
  const rows = await db.webhook.findMany({ where: { orgId }, orderBy: { name: 'asc' }, take: 200 });
  const sample = rows.find((w) => w.secretEncrypted)?.secretEncrypted ?? null;
  return { items: rows.map(webhookView), key: await keyState(encryptionKey, sample) };
}
