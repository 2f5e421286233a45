import type { Db } from '@hoop/db';
import { getSlackSettings, type SlackSettingsView } from './get-slack-settings';
import type { SealingKey } from './sealing-key';

/** Forgets the org's Slack app (its sealed token and signing secret with it); the gateway stops posting within 10 seconds. */
export async function removeSlackSettings(db: Db, orgId: string, encryptionKey: SealingKey): Promise<SlackSettingsView> {
  await db.slackSettings.deleteMany({ where: { orgId } });
  return getSlackSettings(db, orgId, encryptionKey);
}
