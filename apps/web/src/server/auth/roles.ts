import { z } from 'zod';

export const Role = z.enum(['admin', 'reviewer', 'auditor', 'developer']);
export type Role = z.infer<typeof Role>;

export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', reviewer: 'Reviewer', auditor: 'Auditor', developer: 'Developer' };

/** Unknown values stored in the database fall back to the least-privileged role. */
export function parseRole(value: string): Role {
  const r = Role.safeParse(value);
  return r.success ? r.data : 'developer';
}
