import type { Db } from '@hoop/db';

/**
 * Roles and groups (DESIGN §8). A person holds their own `User.role` plus the role of every group they belong to.
 *
 * - `roles` is the set they hold. Permission checks that name one role ("may approve: reviewer") look in the set, so
 *   a user who is an auditor themselves and a reviewer through a group can both read the trail and approve.
 * - `role` is the single effective role, the most privileged they hold in the order admin > auditor > reviewer >
 *   developer. It is what pages and `hoop login` show, and what checks that follow that order use (admins only;
 *   admins and auditors). Auditor ranks above reviewer because it reads every session of the org, where a reviewer
 *   only decides the requests sent to them; neither includes the other, which is why the set exists.
 *
 * Unknown role names (a hand-edited row) count as developer, the least privileged.
 */
export const ROLES = ['admin', 'auditor', 'reviewer', 'developer'] as const;
export type RoleName = (typeof ROLES)[number];

const RANK: Record<RoleName, number> = { developer: 0, reviewer: 1, auditor: 2, admin: 3 };

export function asRole(value: string): RoleName {
  return (ROLES as readonly string[]).includes(value) ? (value as RoleName) : 'developer';
}

export interface HeldRoles {
  /** the most privileged role held */
  role: RoleName;
  /** every role held, most privileged first */
  roles: RoleName[];
}

/** The roles a user holds from their own role and their groups' roles. */
export function heldRoles(own: string, groupRoles: readonly string[] = []): HeldRoles {
  const set = new Set<RoleName>([asRole(own), ...groupRoles.map(asRole)]);
  const roles = [...set].sort((a, b) => RANK[b] - RANK[a]);
  return { role: roles[0] ?? 'developer', roles };
}

/** Whether the holder has `role` (admins hold every role). */
export function holdsRole(held: { role: string; roles?: readonly string[] }, role: string): boolean {
  const set = held.roles ?? [held.role];
  return set.includes('admin') || set.includes(role);
}

/** Prisma `select` that brings the group roles along with a user row. */
export const groupRolesSelect = { groups: { select: { group: { select: { role: true } } } } } as const;

export function rolesOfRow(u: { role: string; groups: { group: { role: string } }[] }): HeldRoles {
  return heldRoles(
    u.role,
    u.groups.map((g) => g.group.role),
  );
}

/** The roles a user holds now, or null when there is no such user. */
export async function loadHeldRoles(db: Db, userId: string): Promise<HeldRoles | null> {
  const u = await db.user.findUnique({ where: { id: userId }, select: { role: true, ...groupRolesSelect } });
  return u ? rolesOfRow(u) : null;
}
