import 'server-only';
import type { AuditKeySettings, Db } from '@hoop/db';
import { getServerSession } from 'next-auth';
import { env } from '~/env';
import { authOptions } from '../auth/options';
import { db } from '../db';

/**
 * What every procedure receives. `userId` comes from the signed session cookie; the tiers in trpc.ts load the user.
 * `encryptionKey` is HOOP_ENCRYPTION_KEY as configured (null when it is not): services that seal secrets check it.
 * `gatewayUrl` is HOOP_GATEWAY_URL, the gateway people and agents use. `auditKeys` are the HOOP_AUDIT_* key settings
 * that verifying the audit trail checks the chain's signatures with.
 */
export interface TRPCContext {
  db: Db;
  userId: string | null;
  headers: Headers;
  encryptionKey: string | null;
  gatewayUrl: string;
  auditKeys?: AuditKeySettings;
}

export async function createTRPCContext(opts: { headers: Headers }): Promise<TRPCContext> {
  const session = await getServerSession(authOptions());
  const e = env();
  return {
    db: await db(),
    userId: session?.user.id ?? null,
    headers: opts.headers,
    encryptionKey: e.HOOP_ENCRYPTION_KEY ?? null,
    gatewayUrl: e.HOOP_GATEWAY_URL,
    auditKeys: { publicKeys: e.HOOP_AUDIT_PUBLIC_KEY, trustedKeys: e.HOOP_AUDIT_TRUSTED_KEYS, signingKey: e.HOOP_AUDIT_SIGNING_KEY },
  };
}
