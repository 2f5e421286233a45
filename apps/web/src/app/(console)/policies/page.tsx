import type { Metadata } from 'next';
import { LinkButton } from '~/components/ui/link-button';
import { PageHeader } from '~/components/ui/page-header';
import { PoliciesView } from '~/features/policies/policies-view';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Policies' };

export default async function PoliciesPage() {
  const user = await currentUser();
  const canEdit = user?.role === 'admin';
  await getQueryClient().prefetchQuery(trpc.policy.list.queryOptions({}));
  return (
    <>
      <PageHeader
        title="Policies"
        description={
          'What may run on each connection and what comes back: ' +
          'guardrails, masking, who may connect, and who approves held statements. Agents get every change at once.'
        }
        actions={canEdit && <LinkButton href="/policies/new">New policy</LinkButton>}
      />
      <HydrateClient>
        <PoliciesView canEdit={canEdit} />
      </HydrateClient>
    </>
  );
}
