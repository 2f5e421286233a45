import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError } from '../errors';
import { parseRole, Role } from '../auth/roles';

/** A group as the Users & Groups page shows it: the role it grants, the OIDC claim value it maps, its members. */
export const GroupView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  role: Role,
  oidcClaim: z.string().nullable(),
  members: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), source: z.enum(['manual', 'oidc']), disabled: z.boolean() })),
  createdAt: z.date(),
});
export type GroupView = z.infer<typeof GroupView>;

export const GroupIdInput = z.object({ id: z.uuid({ error: 'That is not a group id.' }) });

export const groupInclude = {
  members: { include: { user: { select: { id: true, email: true, name: true, disabledAt: true } } }, orderBy: { user: { name: 'asc' } } },
} as const;

interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  role: string;
  oidcClaim: string | null;
  createdAt: Date;
  members: { source: string; user: { id: string; email: string; name: string; disabledAt: Date | null } }[];
}

export function groupView(g: GroupRow): GroupView {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    role: parseRole(g.role),
    oidcClaim: g.oidcClaim,
    members: g.members.map((m) => ({
      id: m.user.id,
      email: m.user.email,
      name: m.user.name,
      source: m.source === 'oidc' ? 'oidc' : 'manual',
      disabled: m.user.disabledAt !== null,
    })),
    createdAt: g.createdAt,
  };
}

export function groupNotFound(): AppError {
  return new AppError('not_found', 'This group does not exist (any more). Reload the page to see the current list.');
}

export async function loadGroupView(db: Db, orgId: string, id: string): Promise<GroupView> {
  const row = await db.group.findFirst({ where: { id, orgId }, include: groupInclude });
  if (!row) throw groupNotFound();
  return groupView(row);
}
