import type { Db } from './client';

/** Tells every gateway that an org's connections or policies changed, so agents get their new configuration. */
export async function notifyConfigChanged(db: Db, orgId: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify('hoop_config', ${orgId})`;
}
