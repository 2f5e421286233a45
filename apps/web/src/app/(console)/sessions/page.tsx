import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { pageParam, param, type SearchParams } from '~/features/list-params';
import { sessionFiltersFrom } from '~/features/sessions/session-params';
import { SessionsView } from '~/features/sessions/sessions-view';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Sessions' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export default async function SessionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const user = await currentUser();
  const input = { ...sessionFiltersFrom(sp), page: pageParam(sp) };
  const day = (k: string) => {
    const v = param(sp, k);
    return v && DAY.test(v) ? v : null;
  };
  const qc = getQueryClient();
  await Promise.all([qc.prefetchQuery(trpc.session.list.queryOptions(input)), qc.prefetchQuery(trpc.session.facets.queryOptions({}))]);
  const seesAll = user?.role === 'admin' || user?.role === 'auditor';
  return (
    <>
      <PageHeader
        title="Sessions"
        description={
          seesAll
            ? `Every session through hoop in ${user?.orgName ?? 'your organisation'}: ` +
              `who reached what, each statement and command with the guardrail's decision, and what was masked. Open one to replay it.`
            : 'Your sessions through hoop: each statement and command with the guardrail’s decision, and what was masked. Admins and auditors see everyone’s.'
        }
      />
      <HydrateClient>
        <SessionsView input={input} days={{ from: day('from'), to: day('to') }} />
      </HydrateClient>
    </>
  );
}
