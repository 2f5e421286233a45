import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { Role } from '../auth/roles';
import { loadUserView, userNotFound, type UserView } from './user-view';

export const SetUserRoleInput = z.object({ id: z.uuid({ error: 'That is not a user id.' }), role: Role });
export const SetUserDisabledInput = z.object({ id: z.uuid({ error: 'That is not a user id.' }), disabled: z.boolean() });

interface Actor {
  id: string;
  orgId: string;
}

async function target(db: Db, actor: Actor, id: string, what: string) {
  const row = await db.user.findFirst({ where: { id, orgId: actor.orgId }, select: { id: true, isService: true } });
  if (!row) throw userNotFound();
  // an admin locking themselves out is never what they meant; another admin can do it
  if (row.id === actor.id) throw new AppError('forbidden', `You cannot ${what} your own account; ask another admin.`);
  return row;
}

/** Sets the user's own role (their groups may add more). Takes effect on their next request, web or gateway. */
export async function setUserRole(db: Db, actor: Actor, input: z.input<typeof SetUserRoleInput>): Promise<UserView> {
  const q = parseInput(SetUserRoleInput, input);
  const row = await target(db, actor, q.id, 'change the role of');
  if (row.isService && q.role === 'admin') throw new AppError('invalid', 'Service accounts are never admins: give it the developer, reviewer or auditor role.');
  await db.user.update({ where: { id: row.id }, data: { role: q.role } });
  return loadUserView(db, actor.orgId, row.id);
}

/**
 * Disables or enables an account. A disabled user's web session ends and every one of their API tokens is refused
 * from the next request on (the web app and the gateway check on each call); enabling them again restores the tokens
 * that have not expired or been revoked.
 */
export async function setUserDisabled(db: Db, actor: Actor, input: z.input<typeof SetUserDisabledInput>): Promise<UserView> {
  const q = parseInput(SetUserDisabledInput, input);
  const row = await target(db, actor, q.id, q.disabled ? 'disable' : 'enable');
  await db.user.update({ where: { id: row.id }, data: { disabledAt: q.disabled ? new Date() : null } });
  return loadUserView(db, actor.orgId, row.id);
}
