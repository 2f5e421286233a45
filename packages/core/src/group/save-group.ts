import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { Role } from '../auth/roles';
import { GroupIdInput, groupNotFound, type GroupView, loadGroupView } from './group-view';

const GroupFields = z.object({
  name: z.string().trim().min(1, { error: 'Give the group a name, such as db-reviewers.' }).max(100, { error: 'The name is at most 100 characters.' }),
  description: z.string().trim().max(500, { error: 'The description is at most 500 characters.' }).optional(),
  role: Role,
  /** blank: membership is managed here only */
  oidcClaim: z
    .string()
    .trim()
    .max(200, { error: 'The claim value is at most 200 characters.' })
    .regex(/^[^\s,]*$/, { error: 'The claim value is one group name as your identity provider sends it, without spaces or commas.' })
    .optional(),
});

export const CreateGroupInput = GroupFields;
export type CreateGroupInput = z.input<typeof CreateGroupInput>;
export const UpdateGroupInput = GroupIdInput.extend(GroupFields.shape);
export type UpdateGroupInput = z.input<typeof UpdateGroupInput>;

function taken(name: string, cause?: unknown): AppError {
  return new AppError('conflict', `A group named “${name}” already exists: choose another name.`, { cause });
}

function fields(q: z.output<typeof GroupFields>) {
  return { name: q.name, description: q.description || null, role: q.role, oidcClaim: q.oidcClaim || null };
}

/** A new group. Its role counts for its members from their next request on. */
export async function createGroup(db: Db, orgId: string, input: CreateGroupInput): Promise<GroupView> {
  const q = parseInput(CreateGroupInput, input);
  if (await db.group.findFirst({ where: { orgId, name: q.name }, select: { id: true } })) throw taken(q.name);
  try {
    const row = await db.group.create({ data: { orgId, ...fields(q) } });
    return loadGroupView(db, orgId, row.id);
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw taken(q.name, err);
    throw err;
  }
}

/** Renames a group, or changes the role it grants or the claim it maps (members synced from the old claim stay until their next sign-in). */
export async function updateGroup(db: Db, orgId: string, input: UpdateGroupInput): Promise<GroupView> {
  const q = parseInput(UpdateGroupInput, input);
  const row = await db.group.findFirst({ where: { id: q.id, orgId }, select: { id: true } });
  if (!row) throw groupNotFound();
  if (await db.group.findFirst({ where: { orgId, name: q.name, id: { not: q.id } }, select: { id: true } })) throw taken(q.name);
  try {
    await db.group.update({ where: { id: row.id }, data: fields(q) });
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw taken(q.name, err);
    throw err;
  }
  return loadGroupView(db, orgId, row.id);
}

export const DeletedGroup = z.object({ id: z.string(), name: z.string() });

/** Deletes a group; its members lose the role it granted at once. */
export async function deleteGroup(db: Db, orgId: string, input: z.input<typeof GroupIdInput>): Promise<z.infer<typeof DeletedGroup>> {
  const q = parseInput(GroupIdInput, input);
  const row = await db.group.findFirst({ where: { id: q.id, orgId }, select: { id: true, name: true } });
  if (!row) throw groupNotFound();
  await db.group.deleteMany({ where: { id: row.id, orgId } });
  return row;
}
