import { type Db, encryptSecret, recordAdminAction } from '@hoop/db';
import { z } from 'zod';
import { ApiError } from './api-policies';
import type { UserIdentity } from './auth';

const SlackInput = z
  .object({
    botToken: z.string().regex(/^xox[a-z]-[A-Za-z0-9-]+$/, 'botToken must be a Slack bot token (xoxb-…)').optional(),
    signingSecret: z.string().regex(/^[0-9a-f]{16,128}$/i, 'signingSecret must be the hex signing secret of the Slack app').optional(),
    defaultChannel: z.string().min(1).max(200),
    notifyBlocked: z.boolean().default(true),
    enabled: z.boolean().default(true),
  })
  .strict();

function admin(user: UserIdentity): void {
  if (user.role !== 'admin') throw new ApiError(403, 'only admins can change integrations');
}

/** The Slack settings as shown back: secrets are never returned, only whether they are set. */
export async function getSlackSettings(db: Db, user: UserIdentity) {
  admin(user);
  const row = await db.slackSettings.findUnique({ where: { orgId: user.orgId } });
  if (!row) return { configured: false };
  return { configured: true, defaultChannel: row.defaultChannel, notifyBlocked: row.notifyBlocked, enabled: row.enabled, botToken: 'set', signingSecret: 'set', updatedAt: row.updatedAt };
}

/** Creates or updates the org's Slack app settings; the token and signing secret are sealed with HOOP_ENCRYPTION_KEY. */
export async function putSlackSettings(db: Db, user: UserIdentity, body: unknown, key: Buffer) {
  admin(user);
  const parsed = SlackInput.safeParse(body);
  if (!parsed.success) throw new ApiError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const input = parsed.data;
  const existing = await db.slackSettings.findUnique({ where: { orgId: user.orgId } });
  if (!existing && (!input.botToken || !input.signingSecret)) throw new ApiError(400, 'botToken and signingSecret are required the first time');
  const secrets = {
    ...(input.botToken ? { botTokenEncrypted: encryptSecret(input.botToken, key) } : {}),
    ...(input.signingSecret ? { signingSecretEncrypted: encryptSecret(input.signingSecret, key) } : {}),
  };
  const common = { defaultChannel: input.defaultChannel, notifyBlocked: input.notifyBlocked, enabled: input.enabled };
  await db.slackSettings.upsert({
    where: { orgId: user.orgId },
    create: { orgId: user.orgId, botTokenEncrypted: secrets.botTokenEncrypted!, signingSecretEncrypted: secrets.signingSecretEncrypted!, ...common },
    update: { ...secrets, ...common },
  });
  await recordAdminAction(db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action: existing ? 'slack.update' : 'slack.create',
    target: 'integration:slack',
    data: { ...common, botTokenReplaced: Boolean(input.botToken), signingSecretReplaced: Boolean(input.signingSecret), via: 'api' },
  });
  return getSlackSettings(db, user);
}

export async function deleteSlackSettings(db: Db, user: UserIdentity) {
  admin(user);
  const removed = await db.slackSettings.deleteMany({ where: { orgId: user.orgId } });
  if (removed.count) await recordAdminAction(db, { orgId: user.orgId, actor: { id: user.id, email: user.email }, action: 'slack.delete', target: 'integration:slack', data: { via: 'api' } });
  return { configured: false };
}
