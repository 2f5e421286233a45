import type { Metadata } from 'next';
import { EmptyState } from '~/components/ui/empty-state';
import { LockIcon } from '~/components/ui/icons';
import { PageHeader } from '~/components/ui/page-header';
import { env } from '~/env';
import { GroupsPanel } from '~/features/users/groups-panel';
import { UsersPanel } from '~/features/users/users-panel';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Users & groups' };

const DESCRIPTION =
  'Who can use hoop and with which role. A person holds their own role and their groups’ roles; ' +
  'the most privileged one counts (admin, then auditor, reviewer, developer).';

export default async function UsersPage() {
  const user = await currentUser();
  if (user?.role !== 'admin') {
    return (
      <>
        <PageHeader title="Users & groups" description={DESCRIPTION} />
        <EmptyState icon={<LockIcon width={18} height={18} />} title="Admins only">
          Your role ({user?.role ?? 'none'}) does not include managing users. Ask an admin of {user?.orgName ?? 'your organisation'} if something should change.
        </EmptyState>
      </>
    );
  }
  const qc = getQueryClient();
  await Promise.all([qc.prefetchQuery(trpc.user.list.queryOptions({})), qc.prefetchQuery(trpc.group.list.queryOptions({}))]);
  const e = env();
  return (
    <>
      <PageHeader title="Users & groups" description={DESCRIPTION} />
      <HydrateClient>
        <div className="space-y-6">
          <UsersPanel selfId={user.id} />
          <GroupsPanel claim={e.HOOP_OIDC_ISSUER ? e.HOOP_OIDC_GROUPS_CLAIM : null} />
        </div>
      </HydrateClient>
    </>
  );
}
