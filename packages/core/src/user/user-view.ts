import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError } from '../errors';
import { parseRole, Role } from '../auth/roles';
import { heldRoles } from '../auth/held-roles';

/** A member of the org as the Users page shows them: their own role, the roles their groups add, how they sign in. */
export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  /** the role set on the user */
  role: Role,
  /** the most privileged of their own and their groups' roles */
  effectiveRole: Role,
  roles: z.array(Role),
  groups: z.array(z.object({ id: z.string(), name: z.string(), role: Role, source: z.enum(['manual', 'oidc']) })),
  isService: z.boolean(),
  disabled: z.boolean(),
  /** signs in with a password (local account) */
  hasPassword: z.boolean(),
  /** has signed in with single sign-on */
  sso: z.boolean(),
  activeTokens: z.number().int(),
  lastLoginAt: z.date().nullable(),
  lastTokenUseAt: z.date().nullable(),
  createdAt: z.date(),
});
export type UserView = z.infer<typeof UserView>;

export const UserIdInput = z.object({ id: z.uuid({ error: 'That is not a user id.' }) });

export const userInclude = {
  groups: { include: { group: { select: { id: true, name: true, role: true } } }, orderBy: { group: { name: 'asc' } } },
  tokens: { select: { revokedAt: true, expiresAt: true, lastUsedAt: true } },
} as const;

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  isService: boolean;
  disabledAt: Date | null;
  passwordHash: string | null;
  oidcSubject: string | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  groups: { source: string; group: { id: string; name: string; role: string } }[];
  tokens: { revokedAt: Date | null; expiresAt: Date | null; lastUsedAt: Date | null }[];
}

export async function userView(u: UserRow, now = new Date()): Promise<UserView> {
  const held = heldRoles(
    u.role,
    u.groups.map((g) => g.group.role),
  );
  const used = u.tokens.map((t) => t.lastUsedAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: parseRole(u.role),
    effectiveRole: parseRole(held.role),
    roles: held.roles.map(parseRole),
    groups: u.groups.map((g) => ({ id: g.group.id, name: g.group.name, role: parseRole(g.group.role), source: g.source === 'oidc' ? 'oidc' : 'manual' })),
    isService: u.isService,
    disabled: u.disabledAt !== null,
    hasPassword: u.passwordHash !== null,
    sso: u.oidcSubject !== null,
    activeTokens: u.tokens.filter((t) => !t.revokedAt && (!t.expiresAt || t.expiresAt > now)).length,
    lastLoginAt: u.lastLoginAt,
    lastTokenUseAt: used ? new Date(used) : null,
    createdAt: u.createdAt,
  };
}

/** Another org's user is "not found" too. */
export function userNotFound(): AppError {
  return new AppError('not_found', 'This user does not exist (any more). Reload the page to see the current list.');
}

export async function loadUserView(db: Db, orgId: string, id: string): Promise<UserView> {
  const row = await db.user.findFirst({ where: { id, orgId }, include: userInclude });
  if (!row) throw userNotFound();
  return userView(row);
}
