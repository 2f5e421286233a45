import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { UserView, userInclude, userView } from './user-view';

export const ListUsersInput = z.object({
  q: z.string().trim().max(200).optional(),
  kind: z.enum(['all', 'people', 'service']).default('all'),
});
export type ListUsersInput = z.input<typeof ListUsersInput>;

export const UserList = z.object({ items: z.array(UserView) });
export type UserList = z.infer<typeof UserList>;

/** The org's users, people first then service accounts, by name; an org has hundreds at most. */
export async function listUsers(db: Db, orgId: string, input: ListUsersInput): Promise<UserList> {
  const q = parseInput(ListUsersInput, input);
  const rows = await db.user.findMany({
    where: {
      orgId,
      ...(q.kind === 'people' ? { isService: false } : q.kind === 'service' ? { isService: true } : {}),
      ...(q.q ? { OR: [{ email: { contains: q.q, mode: 'insensitive' } }, { name: { contains: q.q, mode: 'insensitive' } }] } : {}),
    },
    include: userInclude,
    orderBy: [{ isService: 'asc' }, { name: 'asc' }],
    take: 1000,
  });
  const now = new Date();
  return { items: await Promise.all(rows.map((r) => userView(r, now))) };
}
