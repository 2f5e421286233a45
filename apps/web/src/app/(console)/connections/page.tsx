import { ConnectionType } from '@hoop/protocol';
import type { Metadata } from 'next';
import { env } from '~/env';
import { CliSetup } from '~/features/connections/cli-setup';
import { ConnectionsView } from '~/features/connections/connections-view';
import { pageParam, param, type SearchParams } from '~/features/list-params';
import { LinkButton } from '~/components/ui/link-button';
import { PageHeader } from '~/components/ui/page-header';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Connections' };

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const [user, sp] = await Promise.all([currentUser(), searchParams]);
  const canEdit = user?.role === 'admin';
  const input = { search: param(sp, 'q'), type: param(sp, 'type'), page: pageParam(sp) };
  await getQueryClient().prefetchQuery(trpc.connection.list.queryOptions(input));
  return (
    <>
      <PageHeader
        title="Connections"
        description="Databases and servers reachable through hoop. Every statement is checked against policy, results are masked, and each session is recorded."
        actions={canEdit && <LinkButton href="/connections/new">New connection</LinkButton>}
      />
      <HydrateClient>
        <ConnectionsView input={input} types={ConnectionType.options} canEdit={canEdit} />
      </HydrateClient>
      <CliSetup gatewayUrl={env().HOOP_GATEWAY_URL} />
    </>
  );
}
