import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { BackToPolicies } from '~/features/policies/back-link';
import { PolicyEditor } from '~/features/policies/policy-editor';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Policy' };

export default async function PolicyPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }, user] = await Promise.all([params, currentUser()]);
  const qc = getQueryClient();
  const [policy] = await Promise.all([
    qc.fetchQuery(trpc.policy.get.queryOptions({ id })).catch(() => null),
    qc.prefetchQuery(trpc.policy.catalog.queryOptions({})),
  ]);
  return (
    <>
      <BackToPolicies />
      <PageHeader
        title={policy ? policy.name : 'Policy'}
        description={
          typeof policy?.document.description === 'string' && policy.document.description
            ? policy.document.description
            : 'Guardrails, masking, access and review for the connections it applies to.'
        }
      />
      <HydrateClient>
        <PolicyEditor id={id} canEdit={user?.role === 'admin'} />
      </HydrateClient>
    </>
  );
}
