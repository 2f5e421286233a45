import 'server-only';
import { getServerSession } from 'next-auth';
import { cache } from 'react';
import { db } from '../db';
import { loadSessionUser, type SessionUser } from '@hoop/core/auth/load-session-user';
import { authOptions } from './options';

/** The signed-in user for this request (server components, route handlers), or null. Read once per request. */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getServerSession(authOptions());
  if (!session?.user?.id) return null;
  return loadSessionUser(await db(), session.user.id);
});
