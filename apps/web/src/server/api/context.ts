import 'server-only';
import type { Db } from '@hoop/db';
import { getServerSession } from 'next-auth';
import { env } from '~/env';
import { authOptions } from '../auth/options';
import { db } from '../db';

/**
 * What every procedure receives. `userId` comes from the signed session cookie; the tiers in trpc.ts load the user.
 * `encryptionKey` is HOOP_ENCRYPTION_KEY as configured (null when it is not): services that seal secrets check it.
 * `gatewayUrl` is HOOP_GATEWAY_URL, the gateway people and agents use.
 */
export interface TRPCContext { db: Db; userId: string | null; headers: Headers; encryptionKey: string | null; gatewayUrl: string }

export async function createTRPCContext(opts: { headers: Headers }): Promise<TRPCContext> {
  const session = await getServerSession(authOptions());
  return { db: await db(), userId: session?.user.id ?? null, headers: opts.headers, encryptionKey: env().HOOP_ENCRYPTION_KEY ?? null, gatewayUrl: env().HOOP_GATEWAY_URL };
}
