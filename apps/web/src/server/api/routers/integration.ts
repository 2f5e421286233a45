import { z } from 'zod';
import { CreatedWebhook, CreateWebhookInput, createWebhook } from '@hoop/core/integration/create-webhook';
import { DeletedWebhook, deleteWebhook } from '@hoop/core/integration/delete-webhook';
import { getSlackSettings, SlackSettingsView } from '@hoop/core/integration/get-slack-settings';
import { listWebhooks, WebhookList } from '@hoop/core/integration/list-webhooks';
import { removeSlackSettings } from '@hoop/core/integration/remove-slack-settings';
import { SaveSlackInput, saveSlackSettings } from '@hoop/core/integration/save-slack-settings';
import { SetWebhookEnabledInput, setWebhookEnabled } from '@hoop/core/integration/set-webhook-enabled';
import { WebhookIdInput, WebhookView } from '@hoop/core/integration/webhook-view';
import { authenticatedProcedure, createTRPCRouter } from '../trpc';

/**
 * Where hoop tells people about what happens: the org's Slack app and its webhooks. Admins only. Secrets go in (sealed
 * with HOOP_ENCRYPTION_KEY, which the gateway shares) and never come back out, except a generated webhook secret, once.
 */
export const integrationRouter = createTRPCRouter({
  getSlack: authenticatedProcedure
    .input(z.object({}))
    .output(SlackSettingsView)
    .query(({ ctx }) => getSlackSettings(ctx.db, ctx.user.orgId, ctx.encryptionKey)),

  saveSlack: authenticatedProcedure
    .input(SaveSlackInput)
    .output(SlackSettingsView)
    .mutation(({ ctx, input }) => saveSlackSettings(ctx.db, ctx.user.orgId, input, ctx.encryptionKey)),

  removeSlack: authenticatedProcedure
    .input(z.object({}))
    .output(SlackSettingsView)
    .mutation(({ ctx }) => removeSlackSettings(ctx.db, ctx.user.orgId, ctx.encryptionKey)),

  listWebhooks: authenticatedProcedure
    .input(z.object({}))
    .output(WebhookList)
    .query(({ ctx }) => listWebhooks(ctx.db, ctx.user.orgId, ctx.encryptionKey)),

  createWebhook: authenticatedProcedure
    .input(CreateWebhookInput)
    .output(CreatedWebhook)
    .mutation(({ ctx, input }) => createWebhook(ctx.db, ctx.user.orgId, input, ctx.encryptionKey)),

  setWebhookEnabled: authenticatedProcedure
    .input(SetWebhookEnabledInput)
    .output(WebhookView)
    .mutation(({ ctx, input }) => setWebhookEnabled(ctx.db, ctx.user.orgId, input)),

  deleteWebhook: authenticatedProcedure
    .input(WebhookIdInput)
    .output(DeletedWebhook)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.db, ctx.user.orgId, input)),
});
