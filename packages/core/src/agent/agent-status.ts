import type { Prisma } from '@hoop/db';
import { z } from 'zod';

/** An agent is online while its tunnel is up and its last heartbeat is recent. */
export const ONLINE_WINDOW_MS = 15_000;

export const AgentStatus = z.enum(['online', 'offline', 'never-connected']);
export type AgentStatus = z.infer<typeof AgentStatus>;

export function agentStatus(a: { connectedAt: Date | null; lastSeenAt: Date | null }, now: Date = new Date()): AgentStatus {
  if (!a.connectedAt && !a.lastSeenAt) return 'never-connected';
  if (a.connectedAt && a.lastSeenAt && now.getTime() - a.lastSeenAt.getTime() <= ONLINE_WINDOW_MS) return 'online';
  return 'offline';
}

/** The same rule as Prisma filters, for lists filtered by status (written out so NULLs fall on the offline side). */
export function statusWhere(status: 'online' | 'offline', now: Date = new Date()): Prisma.AgentWhereInput {
  const cutoff = new Date(now.getTime() - ONLINE_WINDOW_MS);
  return status === 'online'
    ? { connectedAt: { not: null }, lastSeenAt: { gte: cutoff } }
    : { OR: [{ connectedAt: null }, { lastSeenAt: null }, { lastSeenAt: { lt: cutoff } }] };
}
