import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { navFor } from '~/components/shell/nav';
import { Sidebar } from '~/components/shell/sidebar';
import { currentUser } from '~/server/auth/session';
import { TRPCReactProvider } from '~/trpc/react';

export const dynamic = 'force-dynamic';

/** Every page inside the console needs a signed-in user; the check here does not rely on the proxy. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect('/login');
  return (
    <TRPCReactProvider>
      <div className="flex min-h-full">
        <Sidebar sections={navFor(user.role)} user={{ name: user.name, email: user.email, role: user.role, orgName: user.orgName }} />
        <main className="min-w-0 flex-1">
          <div className="mx-auto max-w-[1400px] px-8 py-6">{children}</div>
        </main>
      </div>
    </TRPCReactProvider>
  );
}
