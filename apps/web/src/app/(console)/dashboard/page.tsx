import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { DEFAULT_RANGE, RANGES } from '~/features/dashboard/chart-data';
import { DashboardView } from '~/features/dashboard/dashboard-view';
import { oneOf, param, type SearchParams } from '~/features/list-params';
import { currentUser } from '~/server/auth/session';
import { dashboardScope } from '@hoop/core/dashboard/dashboard-window';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const user = await currentUser();
  const range =
    oneOf(
      param(sp, 'range'),
      RANGES.map((r) => r.value),
    ) ?? DEFAULT_RANGE;
  const input = { range };
  const qc = getQueryClient();
  await Promise.all([
    qc.prefetchQuery(trpc.dashboard.live.queryOptions({})),
    qc.prefetchQuery(trpc.dashboard.sessions.queryOptions(input)),
    qc.prefetchQuery(trpc.dashboard.blocked.queryOptions(input)),
    qc.prefetchQuery(trpc.dashboard.masked.queryOptions(input)),
    qc.prefetchQuery(trpc.dashboard.approvals.queryOptions(input)),
  ]);
  const orgWide = user ? dashboardScope(user.role) === 'org' : false;
  const org = user?.orgName ?? 'your organisation';
  return (
    <>
      <PageHeader
        title="Dashboard"
        description={`What goes through hoop in ${org}: sessions by connection, what the guardrails blocked, what was masked and how fast reviewers answer.`}
      />
      <HydrateClient>
        {/* keyed by the range: following a link to another range starts from it (switching in the page keeps the URL in step) */}
        <DashboardView
          key={range}
          initialRange={range}
          scopeNote={
            orgWide
              ? `Everyone’s sessions and requests in ${org}.`
              : 'Your own sessions and review requests; admins, auditors and reviewers see the whole organisation’s. ' +
                'Agents are counted for the whole organisation.'
          }
        />
      </HydrateClient>
    </>
  );
}
