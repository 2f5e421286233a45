import type { Metadata } from 'next';
import { ReviewDetailView } from '~/features/reviews/review-detail';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Review' };

/** The page the gateway links requesters and reviewers to (`<web>/reviews/<id>`); signed-out visitors come back here after login. */
export default async function ReviewPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await getQueryClient().prefetchQuery(trpc.review.get.queryOptions({ id }));
  return (
    <HydrateClient>
      <ReviewDetailView id={id} />
    </HydrateClient>
  );
}
