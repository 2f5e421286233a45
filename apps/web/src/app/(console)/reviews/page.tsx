import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { oneOf, param, type SearchParams } from '~/features/list-params';
import { ReviewsView } from '~/features/reviews/reviews-view';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Reviews' };

const HISTORY_STATUSES = ['approved', 'rejected', 'expired', 'revoked'] as const;

function dateParam(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const view = param(sp, 'view') === 'history' ? 'history' : 'pending';
  const filters = { connection: param(sp, 'connection'), requester: param(sp, 'requester'), before: dateParam(param(sp, 'before')) };
  const input =
    view === 'history'
      ? { ...filters, status: oneOf(param(sp, 'status'), HISTORY_STATUSES) ?? ('decided' as const), limit: 50 }
      : { ...filters, status: 'pending' as const, limit: 100 };
  const qc = getQueryClient();
  await Promise.all([qc.prefetchQuery(trpc.review.list.queryOptions(input)), qc.prefetchQuery(trpc.review.summary.queryOptions({}))]);
  return (
    <>
      <PageHeader
        title="Reviews"
        description={
          'Statements a guardrail held for a human. The requester waits while reviewers decide here, in Slack or in the CLI; ' +
          'an approval lets exactly that statement run once.'
        }
      />
      <HydrateClient>
        <ReviewsView view={view} input={input} />
      </HydrateClient>
    </>
  );
}
