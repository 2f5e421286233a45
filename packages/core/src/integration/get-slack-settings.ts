import type { Db } from '@hoop/db';
import { z } from 'zod';
import { KeyState, keyState, type SealingKey } from './sealing-key';

/** The org's Slack app settings as pages see them: whether each secret is set, never the secret itself. */
export const SlackSettingsView = z.object({
  configured: z.boolean(),
  botTokenSet: z.boolean(),
  signingSecretSet: z.boolean(),
  /** channel id or #name used when a policy names none */
  defaultChannel: z.string().nullable(),
  /** post statements a guardrail blocked too, not only review requests */
  notifyBlocked: z.boolean(),
  enabled: z.boolean(),
  updatedAt: z.date().nullable(),
  /** whether this web app can seal new secrets, and opens the stored ones */
  key: KeyState,
});
export type SlackSettingsView = z.infer<typeof SlackSettingsView>;

export async function getSlackSettings(db: Db, orgId: string, encryptionKey: SealingKey): Promise<SlackSettingsView> {
  const row = await db.slackSettings.findUnique({ where: { orgId } });
  const key = await keyState(encryptionKey, row?.botTokenEncrypted ?? null);
  if (!row)
    return { configured: false, botTokenSet: false, signingSecretSet: false, defaultChannel: null, notifyBlocked: true, enabled: true, updatedAt: null, key };
  return {
    configured: true,
    botTokenSet: Boolean(row.botTokenEncrypted),
    signingSecretSet: Boolean(row.signingSecretEncrypted),
    defaultChannel: row.defaultChannel,
    notifyBlocked: row.notifyBlocked,
    enabled: row.enabled,
    updatedAt: row.updatedAt,
    key,
  };
}
