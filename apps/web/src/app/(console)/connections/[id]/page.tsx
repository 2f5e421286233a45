import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { AdminsOnly } from '~/components/ui/admins-only';
import { BackToConnections, ConnectionEditor } from '~/features/connections/connection-editor';
import { param, type SearchParams } from '~/features/list-params';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Connection' };

export default async function ConnectionPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const [{ id }, sp, user] = await Promise.all([params, searchParams, currentUser()]);
  if (user?.role !== 'admin') {
    return (
      <>
        <BackToConnections />
        <PageHeader title="Connection settings" description="Where a connection points, how the agent logs in, and what governs it." />
        <AdminsOnly what="see or change connection settings" role={user?.role} orgName={user?.orgName} />
      </>
    );
  }
  const data = await getQueryClient()
    .fetchQuery(trpc.connection.get.queryOptions({ id }))
    .catch(() => null);
  return (
    <>
      <BackToConnections />
      <PageHeader
        title={data ? data.name : 'Connection'}
        description="Where it points, how the agent logs in, and what governs it. Changes reach the serving agent at once; open sessions keep their login."
      />
      <HydrateClient>
        <ConnectionEditor id={id} created={param(sp, 'created') === '1'} />
      </HydrateClient>
    </>
  );
}
