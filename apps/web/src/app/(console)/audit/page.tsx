import type { Metadata } from 'next';
import { EmptyState } from '~/components/ui/empty-state';
import { LockIcon } from '~/components/ui/icons';
import { PageHeader } from '~/components/ui/page-header';
import { AuditView } from '~/features/audit/audit-view';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Audit' };

const DESCRIPTION =
  'Every session is recorded append-only and hash-chained, statement by statement. ' +
  'Verify that nothing in the stored trail was altered or removed since it was written.';

export default async function AuditPage() {
  const user = await currentUser();
  if (user?.role !== 'admin' && user?.role !== 'auditor') {
    return (
      <>
        <PageHeader title="Audit" description={DESCRIPTION} />
        <EmptyState icon={<LockIcon width={18} height={18} />} title="Admins and auditors only">
          Your role ({user?.role ?? 'none'}) does not include verifying the audit trail. Your own sessions are under Sessions.
        </EmptyState>
      </>
    );
  }
  await Promise.all([
    getQueryClient().prefetchQuery(trpc.audit.overview.queryOptions({})),
    getQueryClient().prefetchQuery(trpc.audit.retention.queryOptions({})),
  ]);
  return (
    <>
      <PageHeader title="Audit" description={DESCRIPTION} />
      <HydrateClient>
        <AuditView canChangeRetention={user.role === 'admin'} />
      </HydrateClient>
    </>
  );
}
