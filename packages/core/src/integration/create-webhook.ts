import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { sealingKey } from './sealing-key';
import { WebhookEvent, WebhookView, webhookView } from './webhook-view';

const URL_RULE = 'The URL must be a full http:// or https:// address, such as https://siem.example.com/hoop.';

/** http(s) only, and no user:password@ (fetch refuses those; the signature is how a receiver trusts a delivery). */
const WebhookUrl = z
  .string()
  .trim()
  .max(2000, { error: 'The URL is too long (at most 2000 characters).' })
  .pipe(z.url({ protocol: /^https?$/, error: URL_RULE }))
  .refine(
    (u) => {
      // zod runs this even after the URL check failed
      const url = URL.canParse(u) ? new URL(u) : null;
      return !url || (!url.username && !url.password);
    },
    { error: 'The URL must not contain a user name or password: receivers check the X-Hoop-Signature instead.' },
  );

export const CreateWebhookInput = z.object({
  name: z.string().trim().min(1, { error: 'Give the webhook a name, such as siem or pagerduty.' }).max(100, { error: 'The name is at most 100 characters.' }),
  url: WebhookUrl,
  events: z
    .array(WebhookEvent)
    .min(1, { error: 'Choose at least one event to send.' })
    .transform((events) => [...new Set(events)]),
  /** the HMAC key; left out, one is generated and returned once */
  secret: z
    .string()
    .trim()
    .min(16, { error: 'The secret must be at least 16 characters; leave it blank to have one generated.' })
    .max(200, { error: 'The secret is at most 200 characters.' })
    .regex(/^\S+$/, { error: 'The secret cannot contain spaces.' })
    .optional(),
});
export type CreateWebhookInput = z.input<typeof CreateWebhookInput>;

export const CreatedWebhook = z.object({
  webhook: WebhookView,
  /** the secret generated for it: shown this once, stored only sealed (null when the admin gave one) */
  generatedSecret: z.string().nullable(),
});
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

/** Adds a webhook; every one signs its deliveries, with the admin's secret or a generated one. */
export async function createWebhook(db: Db, orgId: string, input: CreateWebhookInput, encryptionKey: string | null): Promise<CreatedWebhook> {
  const q = parseInput(CreateWebhookInput, input);
  const key = await sealingKey(encryptionKey);
  if (await db.webhook.findFirst({ where: { orgId, name: q.name }, select: { id: true } })) throw taken(q.name);
  const { encryptSecret, generateSecret } = await loadHoopDb();
  const secret = q.secret ?? generateSecret('whsec');
  try {
    const row = await db.webhook.create({
      data: { orgId, name: q.name, url: q.url, events: q.events, secretEncrypted: encryptSecret(secret, key), enabled: true },
    });
    return { webhook: webhookView(row), generatedSecret: q.secret ? null : secret };
  } catch (err) {
    // two admins adding the same name at once
    if ((err as { code?: string }).code === 'P2002') throw taken(q.name, err);
    throw err;
  }
}

function taken(name: string, cause?: unknown): AppError {
  return new AppError('conflict', `A webhook named “${name}” already exists: choose another name, or delete that one first.`, { cause });
}
