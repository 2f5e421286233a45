import type { Db } from '@hoop/db';
import { loadHoopDb } from '../hoop-db';
import { savePolicy } from './save-policy';

/**
 * `hoop policy apply`: creates the policy the document names, or replaces the one of that name, as the web app's
 * editor saves it (savePolicy: validated with the agents' schema, next version, attached to the connections it names,
 * pushed to the agents at once). The change goes into the org's admin trail.
 */
export async function applyPolicy(db: Db, user: { id: string; orgId: string; email: string }, document: unknown) {
  const name = document && typeof document === 'object' && 'name' in document && typeof document.name === 'string' ? document.name : null;
  const existing = name ? await db.policy.findUnique({ where: { orgId_name: { orgId: user.orgId, name } }, select: { id: true } }) : null;
  const saved = await savePolicy(db, user.orgId, { ...(existing ? { id: existing.id } : {}), document });
  const { recordAdminAction } = await loadHoopDb();
  await recordAdminAction(db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action: saved.created ? 'policy.create' : 'policy.update',
    target: `policy:${saved.policy.name}`,
    data: { version: saved.policy.version, attached: saved.attached, via: 'api' },
  });
  return { name: saved.policy.name, version: saved.policy.version, created: saved.created, attached: saved.attached };
}
