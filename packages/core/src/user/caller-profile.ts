import type { Db } from '@hoop/db';

/** Who a token belongs to, as `hoop login` and `hoop whoami` show it (`GET /api/me`). */
export interface Caller {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: string;
  roles: string[];
  scope: string;
}

export async function callerProfile(db: Db, user: Caller) {
  const org = await db.org.findUnique({ where: { id: user.orgId }, select: { slug: true } });
  return { id: user.id, email: user.email, name: user.name, role: user.role, roles: user.roles, scope: user.scope, org: org?.slug ?? null };
}
