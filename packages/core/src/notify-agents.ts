import type { Db } from '@hoop/db';
import { loadHoopDb } from './hoop-db';

/**
 * Tells the gateways that an org's configuration changed (`pg_notify('hoop_config', orgId)`): each pushes the
 * connections, secrets and policies again to the org's agents it holds, which apply them from their next statement.
 */
export async function notifyAgents(db: Db, orgId: string): Promise<void> {
  const { notifyConfigChanged } = await loadHoopDb();
  await notifyConfigChanged(db, orgId);
}
