import { z } from 'zod';
import { asRole, holdsRole } from './held-roles';

export const Role = z.enum(['admin', 'reviewer', 'auditor', 'developer']);
export type Role = z.infer<typeof Role>;

export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', reviewer: 'Reviewer', auditor: 'Auditor', developer: 'Developer' };

/**
 * Whether a user holds `role`: their own or through a group (admins hold every role). `user.role` is the effective
 * role, the most privileged held (admin > auditor > reviewer > developer); `user.roles` all of them, since reviewer
 * and auditor are different permissions (see held-roles.ts).
 */
export function hasRole(user: { role: Role; roles?: readonly Role[] }, role: Role): boolean {
  return holdsRole(user, role);
}

/** Unknown values stored in the database fall back to the least-privileged role. */
export function parseRole(value: string): Role {
  return asRole(value);
}
