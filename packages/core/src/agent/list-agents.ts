import type { Db, Prisma } from '@hoop/db';
import { z } from 'zod';
import { PageInput, pageOf, skipTake } from '../paging';
import { AgentStatus, agentStatus, statusWhere } from './agent-status';

export const ListAgentsInput = PageInput.extend({
  search: z.string().trim().max(100).optional(),
  status: z.enum(['online', 'offline']).optional(),
});
export type ListAgentsInput = z.input<typeof ListAgentsInput>;

/** What a list shows of an agent: never its key hash, only the prefix that tells keys apart. */
export const AgentListItem = z.object({
  id: z.string(),
  name: z.string(),
  status: AgentStatus,
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  keyPrefix: z.string(),
  lastSeenAt: z.date().nullable(),
  connectedAt: z.date().nullable(),
  createdAt: z.date(),
  connections: z.array(z.string()),
  connectionCount: z.number().int(),
});
export type AgentListItem = z.infer<typeof AgentListItem>;
export const AgentListPage = pageOf(AgentListItem).extend({
  /** across the whole org, whatever the filter: for the status tabs */
  summary: z.object({ online: z.number().int(), offline: z.number().int() }),
});
export type AgentListPage = z.infer<typeof AgentListPage>;

const SHOWN_CONNECTIONS = 5;

/** The agents of one org, with their online state computed from the last heartbeat. */
export async function listAgents(db: Db, orgId: string, input: ListAgentsInput = {}, now = new Date()): Promise<AgentListPage> {
  const q = ListAgentsInput.parse(input);
  const and: Prisma.AgentWhereInput[] = [];
  if (q.search) and.push({ OR: [{ name: { contains: q.search, mode: 'insensitive' } }, { hostname: { contains: q.search, mode: 'insensitive' } }] });
  if (q.status) and.push(statusWhere(q.status, now));
  const where: Prisma.AgentWhereInput = { orgId, AND: and };
  const [rows, total, all, online] = await Promise.all([
    db.agent.findMany({
      where,
      orderBy: { name: 'asc' },
      ...skipTake(q),
      select: {
        id: true,
        name: true,
        version: true,
        hostname: true,
        keyPrefix: true,
        lastSeenAt: true,
        connectedAt: true,
        createdAt: true,
        connections: { select: { name: true }, orderBy: { name: 'asc' }, take: SHOWN_CONNECTIONS },
        _count: { select: { connections: true } },
      },
    }),
    db.agent.count({ where }),
    db.agent.count({ where: { orgId } }),
    db.agent.count({ where: { orgId, ...statusWhere('online', now) } }),
  ]);
  return {
    items: rows.map((a) => ({
      id: a.id,
      name: a.name,
      status: agentStatus(a, now),
      version: a.version,
      hostname: a.hostname,
      keyPrefix: a.keyPrefix,
      lastSeenAt: a.lastSeenAt,
      connectedAt: a.connectedAt,
      createdAt: a.createdAt,
      connections: a.connections.map((c) => c.name),
      connectionCount: a._count.connections,
    })),
    total,
    page: q.page,
    pageSize: q.pageSize,
    summary: { online, offline: all - online },
  };
}
