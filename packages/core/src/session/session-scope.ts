import type { Prisma } from '@hoop/db';
import type { Role } from '../auth/roles';

/** Roles that see every session of their org; everyone else sees their own (the gateway's rule for `hoop sessions`). */
const SEES_ALL: ReadonlySet<Role> = new Set(['admin', 'auditor']);

export interface SessionViewer {
  id: string;
  orgId: string;
  role: Role;
}

export function seesAllSessions(user: Pick<SessionViewer, 'role'>): boolean {
  return SEES_ALL.has(user.role);
}

export function sessionScope(user: SessionViewer): Prisma.SessionWhereInput {
  return seesAllSessions(user) ? { orgId: user.orgId } : { orgId: user.orgId, userId: user.id };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string): boolean => UUID.test(id);
