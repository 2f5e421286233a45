import 'server-only';
import type { Db } from '@hoop/db';
import { getServerSession } from 'next-auth';
import { authOptions } from '../auth/options';
import { db } from '../db';

/** What every procedure receives. `userId` comes from the signed session cookie; the tiers in trpc.ts load the user. */
export interface TRPCContext { db: Db; userId: string | null; headers: Headers }

export async function createTRPCContext(opts: { headers: Headers }): Promise<TRPCContext> {
  const session = await getServerSession(authOptions());
  return { db: await db(), userId: session?.user.id ?? null, headers: opts.headers };
}
