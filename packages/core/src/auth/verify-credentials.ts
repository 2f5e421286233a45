import type { Db } from '@hoop/db';
import { loadHoopDb } from '../hoop-db';
import { parseRole, type Role } from '../auth/roles';
import { groupRolesSelect, rolesOfRow } from './held-roles';

export interface SignedInUser {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: Role;
}

let dummyHash: Promise<string> | null = null;

/**
 * Checks an e-mail and password against local accounts. Returns the user, or null for any failure (unknown e-mail,
 * wrong password, disabled or service account) so the login page cannot be used to probe which e-mails exist.
 */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<SignedInUser | null> {
  const { hashPassword, verifyPassword } = await loadHoopDb();
  const candidates = await db.user.findMany({
    where: { email: { equals: email.trim(), mode: 'insensitive' }, disabledAt: null, isService: false, passwordHash: { not: null } },
    select: { id: true, orgId: true, email: true, name: true, role: true, passwordHash: true, ...groupRolesSelect },
    take: 10,
  });
  if (candidates.length === 0) {
    // spend the same time as a real check
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(password, await dummyHash);
    return null;
  }
  for (const u of candidates) {
    if (u.passwordHash && (await verifyPassword(password, u.passwordHash))) {
      await db.user.update({ where: { id: u.id }, data: { lastLoginAt: new Date() } });
      // the effective role: their own or a group's, whichever is the most privileged
      return { id: u.id, orgId: u.orgId, email: u.email, name: u.name, role: parseRole(rolesOfRow(u).role) };
    }
  }
  return null;
}
