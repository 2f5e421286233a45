import type { Metadata } from 'next';
import { SessionDetailView } from '~/features/sessions/session-detail';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Session' };

/** One recorded session: the SQL timeline or the terminal player, followed live while it runs. */
export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await getQueryClient().prefetchQuery(trpc.session.get.queryOptions({ id }));
  return (
    <HydrateClient>
      <SessionDetailView id={id} />
    </HydrateClient>
  );
}
