import type { Db } from '@hoop/db';
import { parseRole, type Role } from '../auth/roles';
import type { SignedInUser } from './verify-credentials';
import { groupRolesSelect, rolesOfRow } from './held-roles';

export interface SessionUser extends SignedInUser {
  orgName: string;
  /**
   * Every role held, their own and their groups' (most privileged first); `role` is the first of them, the effective
   * role. Absent means just `role`.
   */
  roles?: Role[];
}

/**
 * The signed-in user as the database knows them now: a disabled account, a changed role or a changed group membership
 * takes effect on the next request, not when the session cookie expires.
 */
export async function loadSessionUser(db: Db, userId: string): Promise<SessionUser | null> {
  const u = await db.user.findFirst({
    where: { id: userId, disabledAt: null },
    select: { id: true, orgId: true, email: true, name: true, role: true, org: { select: { name: true } }, ...groupRolesSelect },
  });
  if (!u) return null;
  const held = rolesOfRow(u);
  return { id: u.id, orgId: u.orgId, email: u.email, name: u.name, role: parseRole(held.role), roles: held.roles.map(parseRole), orgName: u.org.name };
}
