import type { Db } from '@hoop/db';
import { parseRole } from '../../auth/roles';
import type { SignedInUser } from './verify-credentials';

export interface SessionUser extends SignedInUser { orgName: string }

/**
 * The signed-in user as the database knows them now: a disabled account or a changed role takes effect on the next
 * request, not when the session cookie expires.
 */
export async function loadSessionUser(db: Db, userId: string): Promise<SessionUser | null> {
  const u = await db.user.findFirst({
    where: { id: userId, disabledAt: null },
    select: { id: true, orgId: true, email: true, name: true, role: true, org: { select: { name: true } } },
  });
  return u ? { id: u.id, orgId: u.orgId, email: u.email, name: u.name, role: parseRole(u.role), orgName: u.org.name } : null;
}
