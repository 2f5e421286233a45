import type { Db, Prisma } from '@hoop/db';
import { z } from 'zod';
import { AgentStatus, agentStatus } from '../agent/agent-status';
import { type Page, PageInput, pageOf, skipTake } from '../paging';
import { secretSource, targetSummary } from './connection-view';

export const ListConnectionsInput = PageInput.extend({
  search: z.string().trim().max(100).optional(),
  type: z.string().trim().max(20).optional(),
});
export type ListConnectionsInput = z.input<typeof ListConnectionsInput>;

/** What a list shows of a connection: never a secret, only where the agent finds it. */
export const ConnectionListItem = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  target: z.string().nullable(),
  secretSource: z.enum(['env', 'file', 'stored', 'none']),
  tags: z.array(z.string()),
  readOnly: z.boolean(),
  agent: z.object({ id: z.string(), name: z.string(), status: AgentStatus }).nullable(),
  policy: z.object({ id: z.string(), name: z.string() }).nullable(),
  createdAt: z.date(),
});
export type ConnectionListItem = z.infer<typeof ConnectionListItem>;
export const ConnectionListPage = pageOf(ConnectionListItem);

/** The connections of one org, with the state of the agent serving each. */
export async function listConnections(db: Db, orgId: string, input: ListConnectionsInput = {}, now = new Date()): Promise<Page<ConnectionListItem>> {
  const q = ListConnectionsInput.parse(input);
  const and: Prisma.ConnectionWhereInput[] = [];
  if (q.search) and.push({ OR: [{ name: { contains: q.search, mode: 'insensitive' } }, { tags: { has: q.search.toLowerCase() } }] });
  if (q.type) and.push({ type: q.type });
  const where: Prisma.ConnectionWhereInput = { orgId, AND: and };
  const [rows, total] = await Promise.all([
    db.connection.findMany({
      where,
      orderBy: { name: 'asc' },
      ...skipTake(q),
      // secretEncrypted is deliberately not selected
      select: {
        id: true,
        name: true,
        type: true,
        config: true,
        secretRef: true,
        tags: true,
        readOnly: true,
        createdAt: true,
        agent: { select: { id: true, name: true, connectedAt: true, lastSeenAt: true } },
        policy: { select: { id: true, name: true } },
      },
    }),
    db.connection.count({ where }),
  ]);
  return {
    items: rows.map((c) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      target: targetSummary(c.type, c.config),
      secretSource: secretSource(c.secretRef),
      tags: c.tags,
      readOnly: c.readOnly,
      agent: c.agent ? { id: c.agent.id, name: c.agent.name, status: agentStatus(c.agent, now) } : null,
      policy: c.policy,
      createdAt: c.createdAt,
    })),
    total,
    page: q.page,
    pageSize: q.pageSize,
  };
}
