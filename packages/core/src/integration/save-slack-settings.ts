import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { getSlackSettings, type SlackSettingsView } from './get-slack-settings';
import { type SealingKey, sealingKey } from './sealing-key';

/** What a Slack bot token and a Slack app's signing secret look like: the web's form and the gateway's API accept the same values. */
export const BOT_TOKEN = /^xox[a-z]-[A-Za-z0-9-]+$/;
export const SIGNING_SECRET = /^[0-9a-f]{16,128}$/i;

export const SaveSlackInput = z.object({
  /** a new bot token; left out, the stored one is kept */
  botToken: z
    .string()
    .trim()
    .regex(BOT_TOKEN, { error: 'The bot token must be a Slack bot token (xoxb-…): copy the Bot User OAuth Token from OAuth & Permissions in your Slack app.' })
    .optional(),
  /** a new signing secret; left out, the stored one is kept */
  signingSecret: z
    .string()
    .trim()
    .regex(SIGNING_SECRET, { error: 'The signing secret must be the Signing Secret from Basic Information in your Slack app: 16 to 128 hex characters.' })
    .optional(),
  defaultChannel: z
    .string()
    .trim()
    .min(1, { error: 'Name the default channel: #name, or a channel id such as C0123456789.' })
    .max(200, { error: 'The default channel is a #name or a channel id, at most 200 characters.' }),
  notifyBlocked: z.boolean().default(true),
  enabled: z.boolean().default(true),
});
export type SaveSlackInput = z.input<typeof SaveSlackInput>;

const FIRST_TIME = 'Slack is not set up yet: enter both the bot token and the signing secret of your Slack app.';

/**
 * Creates or updates the org's Slack app settings. The token and the signing secret are sealed with
 * HOOP_ENCRYPTION_KEY; both are needed the first time, and afterwards one left out keeps the stored value.
 * The gateway reads these settings again within 10 seconds.
 */
export async function saveSlackSettings(db: Db, orgId: string, input: SaveSlackInput, encryptionKey: SealingKey): Promise<SlackSettingsView> {
  const q = parseInput(SaveSlackInput, input);
  const existing = await db.slackSettings.findUnique({ where: { orgId }, select: { orgId: true } });
  if (!existing && (!q.botToken || !q.signingSecret)) throw new AppError('invalid', FIRST_TIME);
  const sealed: { botTokenEncrypted?: string; signingSecretEncrypted?: string } = {};
  if (q.botToken || q.signingSecret) {
    const key = await sealingKey(encryptionKey);
    const { encryptSecret } = await loadHoopDb();
    if (q.botToken) sealed.botTokenEncrypted = encryptSecret(q.botToken, key);
    if (q.signingSecret) sealed.signingSecretEncrypted = encryptSecret(q.signingSecret, key);
  }
  const common = { defaultChannel: q.defaultChannel, notifyBlocked: q.notifyBlocked, enabled: q.enabled };
  if (existing) {
    await db.slackSettings.update({ where: { orgId }, data: { ...sealed, ...common } });
  } else {
    const { botTokenEncrypted, signingSecretEncrypted } = sealed;
    if (!botTokenEncrypted || !signingSecretEncrypted) throw new AppError('invalid', FIRST_TIME);
    await db.slackSettings.create({ data: { orgId, botTokenEncrypted, signingSecretEncrypted, ...common } });
  }
  return getSlackSettings(db, orgId, encryptionKey);
}
