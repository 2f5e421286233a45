import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { AdminsOnly } from '~/components/ui/admins-only';
import { BackToPolicies } from '~/features/policies/back-link';
import { PolicyEditor } from '~/features/policies/policy-editor';
import { currentUser } from '~/server/auth/session';
import { loadPipeline } from '@hoop/core/pipeline';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'New policy' };

const DESCRIPTION = 'Starts from the built-in defaults: every guardrail on, personal data masked, every member may connect, admins and reviewers approve.';

export default async function NewPolicyPage() {
  const user = await currentUser();
  if (user?.role !== 'admin') {
    return (
      <>
        <BackToPolicies />
        <PageHeader title="New policy" description={DESCRIPTION} />
        <AdminsOnly what="create policies" role={user?.role} orgName={user?.orgName} />
      </>
    );
  }
  const [{ defaultPolicy }] = await Promise.all([loadPipeline(), getQueryClient().prefetchQuery(trpc.policy.catalog.queryOptions({}))]);
  const { version: _version, ...defaults } = defaultPolicy();
  return (
    <>
      <BackToPolicies />
      <PageHeader title="New policy" description={DESCRIPTION} />
      <HydrateClient>
        <PolicyEditor id={null} canEdit newDocument={{ ...defaults, name: '' }} />
      </HydrateClient>
    </>
  );
}
