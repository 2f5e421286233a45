import type { Db } from '@hoop/db';

/**
 * The org's connections as `hoop connections` lists them: every member sees them all (they connect to them). Whether
 * the agent serving one is online is the caller's to say (the gateway knows the tunnels it holds).
 */
export async function connectionSummaries(db: Db, orgId: string, online: (agentId: string) => boolean) {
  const rows = await db.connection.findMany({ where: { orgId }, include: { agent: true }, orderBy: { name: 'asc' } });
  return {
    connections: rows.map((c) => {
      const cfg = c.config as Record<string, unknown>;
      return {
        name: c.name,
        type: c.type,
        agent: c.agent?.name ?? null,
        online: c.agent ? online(c.agent.id) : false,
        tags: c.tags,
        readOnly: c.readOnly,
        database: typeof cfg.database === 'string' ? cfg.database : null,
      };
    }),
  };
}

/** The words for a connection name that is not the org's, as the CLI says them. */
export const unknownConnection = (name: string) => `connection "${name}" does not exist; run \`hoop connections\` to list yours`;
