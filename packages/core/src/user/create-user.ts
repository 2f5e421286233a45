import { randomBytes } from 'node:crypto';
import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { Role } from '../auth/roles';
import { loadUserView, UserView } from './user-view';

export const CreateUserInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(320, { error: 'The e-mail address is at most 320 characters.' })
    .pipe(z.email({ error: 'Enter the e-mail address the person signs in with, such as rita@example.com.' })),
  name: z.string().trim().min(1, { error: 'Give the person’s name, as others should see it.' }).max(200, { error: 'The name is at most 200 characters.' }),
  role: Role.default('developer'),
});
export type CreateUserInput = z.input<typeof CreateUserInput>;

export const CreatedUser = z.object({
  user: UserView,
  /** the generated password: shown this once, stored only as a scrypt hash */
  password: z.string(),
});
export type CreatedUser = z.infer<typeof CreatedUser>;

/** A password people can type: 18 characters from a URL-safe alphabet (104 random bits), in three groups. */
export function generatePassword(): string {
  return randomBytes(13)
    .toString('base64url')
    .replace(/^(.{6})(.{6})(.{6})$/, '$1-$2-$3');
}

/** Adds a local account with a generated password, returned once for the admin to hand over. */
export async function createUser(db: Db, orgId: string, input: CreateUserInput): Promise<CreatedUser> {
  const q = parseInput(CreateUserInput, input);
  const taken = await db.user.findFirst({ where: { orgId, email: { equals: q.email, mode: 'insensitive' } }, select: { id: true } });
  if (taken) throw new AppError('conflict', `${q.email} already has an account in this organisation.`);
  const { hashPassword } = await loadHoopDb();
  const password = generatePassword();
  try {
    const row = await db.user.create({ data: { orgId, email: q.email, name: q.name, role: q.role, passwordHash: await hashPassword(password) } });
    return { user: await loadUserView(db, orgId, row.id), password };
  } catch (err) {
    if ((err as { code?: string }).code === 'P2002') throw new AppError('conflict', `${q.email} already has an account in this organisation.`, { cause: err });
    throw err;
  }
}

export const ResetPasswordInput = z.object({ id: z.uuid({ error: 'That is not a user id.' }) });

/** A new generated password for a local account (or a first one for a single sign-on account); shown once. */
export async function resetPassword(db: Db, actor: { id: string; orgId: string }, input: z.input<typeof ResetPasswordInput>): Promise<CreatedUser> {
  const q = parseInput(ResetPasswordInput, input);
  const row = await db.user.findFirst({ where: { id: q.id, orgId: actor.orgId }, select: { id: true, isService: true } });
  if (!row) throw new AppError('not_found', 'This user does not exist (any more). Reload the page to see the current list.');
  if (row.isService) throw new AppError('invalid', 'Service accounts have no password: they use API tokens.');
  const { hashPassword } = await loadHoopDb();
  const password = generatePassword();
  await db.user.update({ where: { id: row.id }, data: { passwordHash: await hashPassword(password) } });
  return { user: await loadUserView(db, actor.orgId, row.id), password };
}
