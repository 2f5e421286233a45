import type { Metadata } from 'next';
import { EmptyState } from '~/components/ui/empty-state';
import { LockIcon } from '~/components/ui/icons';
import { PageHeader } from '~/components/ui/page-header';
import { env } from '~/env';
import { SlackPanel } from '~/features/integrations/slack-panel';
import { WebhooksPanel } from '~/features/integrations/webhooks-panel';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Integrations' };

const DESCRIPTION =
  'Tell people where they already are: review requests and blocked statements in Slack, security events to your own endpoints. ' +
  'Secrets are sealed with HOOP_ENCRYPTION_KEY and never shown again.';

export default async function IntegrationsPage() {
  const user = await currentUser();
  if (user?.role !== 'admin') {
    return (
      <>
        <PageHeader title="Integrations" description={DESCRIPTION} />
        <EmptyState icon={<LockIcon width={18} height={18} />} title="Admins only">
          Your role ({user?.role ?? 'none'}) does not include integrations. Ask an admin of {user?.orgName ?? 'your organisation'} if something should change.
        </EmptyState>
      </>
    );
  }
  const qc = getQueryClient();
  await Promise.all([qc.prefetchQuery(trpc.integration.getSlack.queryOptions({})), qc.prefetchQuery(trpc.integration.listWebhooks.queryOptions({}))]);
  // Slack sends Approve and Reject clicks to the gateway, not to this app
  const interactivityUrl = `${env().HOOP_GATEWAY_URL.replace(/\/+$/, '')}/integrations/slack/interactivity`;
  return (
    <>
      <PageHeader title="Integrations" description={DESCRIPTION} />
      <HydrateClient>
        <div className="space-y-6">
          <SlackPanel interactivityUrl={interactivityUrl} />
          <WebhooksPanel />
        </div>
      </HydrateClient>
    </>
  );
}
