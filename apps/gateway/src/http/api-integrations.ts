import { AppError } from '@hoop/core/errors';
import { getSlackSettings, type SlackSettingsView } from '@hoop/core/integration/get-slack-settings';
import { removeSlackSettings } from '@hoop/core/integration/remove-slack-settings';
import { BOT_TOKEN, saveSlackSettings, SIGNING_SECRET } from '@hoop/core/integration/save-slack-settings';
import { recordAdminAction } from '@hoop/db';
import { z } from 'zod';
import type { ApiDeps, Handlers } from './api-route';
import type { UserIdentity } from '../auth';

/**
 * The request body of `PUT /api/integrations/slack`: the same rules as the web app's form (@hoop/core's
 * saveSlackSettings checks them again), in the words of the API's own fields; a field it does not know is refused.
 */
const SlackBody = z
  .object({
    botToken: z.string().regex(BOT_TOKEN, 'botToken must be a Slack bot token (xoxb-…)').optional(),
    signingSecret: z.string().regex(SIGNING_SECRET, 'signingSecret must be the hex signing secret of the Slack app').optional(),
    defaultChannel: z.string().min(1).max(200),
    notifyBlocked: z.boolean().default(true),
    enabled: z.boolean().default(true),
  })
  .strict();

/** The settings as shown back: secrets are never returned, only whether they are set. */
function shown(view: SlackSettingsView) {
  if (!view.configured) return { configured: false };
  return {
    configured: true,
    defaultChannel: view.defaultChannel,
    notifyBlocked: view.notifyBlocked,
    enabled: view.enabled,
    botToken: 'set',
    signingSecret: 'set',
    updatedAt: view.updatedAt,
  };
}

const record = (deps: ApiDeps, user: UserIdentity, action: string, data: Record<string, unknown>) =>
  recordAdminAction(deps.db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action,
    target: 'integration:slack',
    data: { ...data, via: 'api' },
  });

/** The org's Slack app (admins only); the token and signing secret are sealed with HOOP_ENCRYPTION_KEY. */
export const integrationRoutes: Handlers<'GET /api/integrations/slack' | 'PUT /api/integrations/slack' | 'DELETE /api/integrations/slack'> = {
  'GET /api/integrations/slack': async ({ deps, user }) => shown(await getSlackSettings(deps.db, user.orgId, deps.encryptionKey)),
  'PUT /api/integrations/slack': async ({ deps, user, body }) => {
    const parsed = SlackBody.safeParse(await body());
    if (!parsed.success)
      throw new AppError('invalid', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), { cause: parsed.error });
    const input = parsed.data;
    const before = await getSlackSettings(deps.db, user.orgId, deps.encryptionKey);
    const view = await saveSlackSettings(deps.db, user.orgId, input, deps.encryptionKey);
    const common = { defaultChannel: input.defaultChannel, notifyBlocked: input.notifyBlocked, enabled: input.enabled };
    await record(deps, user, before.configured ? 'slack.update' : 'slack.create', {
      ...common,
      botTokenReplaced: Boolean(input.botToken),
      signingSecretReplaced: Boolean(input.signingSecret),
    });
    deps.slack.invalidate(user.orgId);
    return shown(view);
  },
  'DELETE /api/integrations/slack': async ({ deps, user }) => {
    const before = await getSlackSettings(deps.db, user.orgId, deps.encryptionKey);
    await removeSlackSettings(deps.db, user.orgId, deps.encryptionKey);
    if (before.configured) await record(deps, user, 'slack.delete', {});
    deps.slack.invalidate(user.orgId);
    return { configured: false };
  },
};
