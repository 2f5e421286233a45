import type { Metadata } from 'next';
import { EmptyState } from '~/components/ui/empty-state';
import { LockIcon } from '~/components/ui/icons';
import { PageHeader } from '~/components/ui/page-header';
import { env } from '~/env';
import { AgentsView } from '~/features/agents/agents-view';
import { oneOf, pageParam, param, type SearchParams } from '~/features/list-params';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Agents' };

const DESCRIPTION =
  'Agents run inside your network next to the targets, dial out to the gateway and hold the target credentials. ' +
  'An agent that misses heartbeats for 15 seconds is shown offline.';

export default async function AgentsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await currentUser();
  if (user?.role !== 'admin' && user?.role !== 'auditor') {
    return (
      <>
        <PageHeader title="Agents" description={DESCRIPTION} />
        <EmptyState icon={<LockIcon width={18} height={18} />} title="Admins and auditors only">
          Your role ({user?.role ?? 'none'}) does not include agents. Ask an admin of {user?.orgName ?? 'your organisation'} if you need them.
        </EmptyState>
      </>
    );
  }
  const sp = await searchParams;
  const input = { search: param(sp, 'q'), status: oneOf(param(sp, 'status'), ['online', 'offline'] as const), page: pageParam(sp) };
  await getQueryClient().prefetchQuery(trpc.agent.list.queryOptions(input));
  const agentGatewayUrl = env().HOOP_GATEWAY_URL.replace(/^http/, 'ws');
  return (
    <>
      <PageHeader title="Agents" description={DESCRIPTION} />
      <HydrateClient>
        <AgentsView input={input} agentGatewayUrl={agentGatewayUrl} canEdit={user.role === 'admin'} />
      </HydrateClient>
    </>
  );
}
