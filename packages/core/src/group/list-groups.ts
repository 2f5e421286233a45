import type { Db } from '@hoop/db';
import { z } from 'zod';
import { GroupView, groupInclude, groupView } from './group-view';

export const GroupList = z.object({ items: z.array(GroupView) });
export type GroupList = z.infer<typeof GroupList>;

export async function listGroups(db: Db, orgId: string): Promise<GroupList> {
  const rows = await db.group.findMany({ where: { orgId }, include: groupInclude, orderBy: { name: 'asc' }, take: 500 });
  return { items: rows.map(groupView) };
}
