import { z } from 'zod';

export const Role = z.enum(['admin', 'reviewer', 'auditor', 'developer']);
export type Role = z.infer<typeof Role>;

export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', reviewer: 'Reviewer', auditor: 'Auditor', developer: 'Developer' };

/**
 * Whether a user holds `role`: their own or through a group (admins hold every role). `user.role` is the effective
 * role, the most privileged held (admin > auditor > reviewer > developer); `user.roles` all of them, since reviewer
 * and auditor are different permissions (see packages/db/src/roles.ts).
 */
export function hasRole(user: { role: Role; roles?: readonly Role[] }, role: Role): boolean {
  const held = user.roles ?? [user.role];
  return held.includes('admin') || held.includes(role);
}

/** Unknown values stored in the database fall back to the least-privileged role. */
export function parseRole(value: string): Role {
  const r = Role.safeParse(value);
  return r.success ? r.data : 'developer';
}
