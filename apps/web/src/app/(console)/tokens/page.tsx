import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { env } from '~/env';
import { TokensView } from '~/features/tokens/tokens-view';
import { hasRole } from '@hoop/core/auth/roles';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'API tokens' };

export default async function TokensPage() {
  const user = await currentUser();
  const qc = getQueryClient();
  await qc.prefetchQuery(trpc.token.list.queryOptions({ owner: 'mine', includeInactive: false }));
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          'Tokens the hoop CLI, MCP clients and automation use to reach the gateway as you. ' +
          'Each is shown once and stored only as a hash; revoking one stops it at once.'
        }
      />
      <HydrateClient>
        <TokensView isAdmin={Boolean(user && hasRole(user, 'admin'))} gatewayUrl={env().HOOP_GATEWAY_URL} />
      </HydrateClient>
    </>
  );
}
