import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { AdminsOnly } from '~/components/ui/admins-only';
import { BackToConnections, NewConnection } from '~/features/connections/connection-editor';
import { currentUser } from '~/server/auth/session';
import { keyState } from '@hoop/core/integration/sealing-key';
import { env } from '~/env';
import { HydrateClient } from '~/trpc/server';

export const metadata: Metadata = { title: 'New connection' };

const DESCRIPTION = 'A database or server one of your agents can reach. People and AI agents then use it through hoop, never holding its credential.';

export default async function NewConnectionPage() {
  const user = await currentUser();
  if (user?.role !== 'admin') {
    return (
      <>
        <BackToConnections />
        <PageHeader title="New connection" description={DESCRIPTION} />
        <AdminsOnly what="add connections" role={user?.role} orgName={user?.orgName} />
      </>
    );
  }
  return (
    <>
      <BackToConnections />
      <PageHeader title="New connection" description={DESCRIPTION} />
      <HydrateClient>
        <NewConnection keyState={await keyState(env().HOOP_ENCRYPTION_KEY ?? null, null)} />
      </HydrateClient>
    </>
  );
}
