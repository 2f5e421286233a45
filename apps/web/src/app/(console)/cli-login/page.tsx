import type { Metadata } from 'next';
import { PageHeader } from '~/components/ui/page-header';
import { CliLoginApproval, CodeEntry } from '~/features/cli-login/cli-login-approval';
import { param, type SearchParams } from '~/features/list-params';
import { currentUser } from '~/server/auth/session';
import { getQueryClient, HydrateClient, trpc } from '~/trpc/server';

export const metadata: Metadata = { title: 'Log in the CLI' };

/** Where `hoop login` sends people: `/cli-login?code=BCDF-GHJK` (signed-out visitors sign in first and come back). */
export default async function CliLoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const code = param(await searchParams, 'code')?.trim() ?? '';
  const user = await currentUser();
  if (code) await getQueryClient().prefetchQuery(trpc.cliLogin.get.queryOptions({ code }));
  return (
    <>
      <PageHeader title="Log in the CLI" description="Approve a hoop login from your terminal: the CLI gets an API token of yours, shown nowhere else." />
      <HydrateClient>{code ? <CliLoginApproval code={code} userEmail={user?.email ?? ''} /> : <CodeEntry />}</HydrateClient>
    </>
  );
}
