import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { groupNotFound, type GroupView, loadGroupView } from './group-view';

export const GroupMemberInput = z.object({
  groupId: z.uuid({ error: 'That is not a group id.' }),
  userId: z.uuid({ error: 'That is not a user id.' }),
});
export type GroupMemberInput = z.input<typeof GroupMemberInput>;

async function both(db: Db, orgId: string, q: z.output<typeof GroupMemberInput>) {
  const group = await db.group.findFirst({ where: { id: q.groupId, orgId }, select: { id: true } });
  if (!group) throw groupNotFound();
  const user = await db.user.findFirst({ where: { id: q.userId, orgId }, select: { id: true, email: true, isService: true } });
  if (!user) throw new AppError('not_found', 'This user does not exist (any more). Reload the page to see the current list.');
  return { group, user };
}

/**
 * Adds a person to a group (as an admin's own addition: single sign-on never removes it). Service accounts get their
 * role directly, never through a group, so a group's role can never make one an admin.
 */
export async function addGroupMember(db: Db, orgId: string, input: GroupMemberInput): Promise<GroupView> {
  const q = parseInput(GroupMemberInput, input);
  const { group, user } = await both(db, orgId, q);
  if (user.isService) throw new AppError('invalid', `${user.email} is a service account: set its role on the account itself, not through a group.`);
  await db.groupMember.upsert({
    where: { groupId_userId: { groupId: group.id, userId: user.id } },
    create: { groupId: group.id, userId: user.id, source: 'manual' },
    update: { source: 'manual' },
  });
  return loadGroupView(db, orgId, group.id);
}

/** Removes a member; the role the group granted them ends at their next request. */
export async function removeGroupMember(db: Db, orgId: string, input: GroupMemberInput): Promise<GroupView> {
  const q = parseInput(GroupMemberInput, input);
  const { group, user } = await both(db, orgId, q);
  const { count } = await db.groupMember.deleteMany({ where: { groupId: group.id, userId: user.id } });
  if (count === 0) throw new AppError('conflict', `${user.email} is not a member of this group.`);
  return loadGroupView(db, orgId, group.id);
}
