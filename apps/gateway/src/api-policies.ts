import { type Db, notifyConfigChanged, type Prisma, recordAdminAction } from '@hoop/db';
import { defaultPolicy, parsePolicy, PolicyError } from '@hoop/pipeline/policy';
import type { UserIdentity } from './auth';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function listPolicies(db: Db, user: UserIdentity) {
  const rows = await db.policy.findMany({ where: { orgId: user.orgId }, orderBy: { name: 'asc' }, include: { connections: { select: { name: true } } } });
  return { policies: rows.map((p) => ({ name: p.name, version: p.version, updatedAt: p.updatedAt, connections: p.connections.map((c) => c.name) })) };
}

export async function getPolicy(db: Db, user: UserIdentity, name: string) {
  const p = await db.policy.findUnique({ where: { orgId_name: { orgId: user.orgId, name } } });
  if (!p) throw new ApiError(404, `policy "${name}" does not exist`);
  return { name: p.name, version: p.version, document: p.document };
}

/**
 * Creates or replaces a policy from its document and attaches it to the connections it names (by name or tag).
 * Agents get the change at once, without reconnecting.
 */
export async function applyPolicy(db: Db, user: UserIdentity, input: unknown) {
  if (user.role !== 'admin') throw new ApiError(403, 'only admins can change policies');
  let policy;
  try {
    policy = parsePolicy(input);
  } catch (err) {
    throw new ApiError(400, err instanceof PolicyError ? err.message : String(err));
  }
  const existing = await db.policy.findUnique({ where: { orgId_name: { orgId: user.orgId, name: policy.name } } });
  const version = (existing?.version ?? 0) + 1;
  const document = { ...policy, version } as unknown as Prisma.InputJsonValue;
  const saved = existing
    ? await db.policy.update({ where: { id: existing.id }, data: { document, version } })
    : await db.policy.create({ data: { orgId: user.orgId, name: policy.name, document, version } });
  const { names, tags } = policy.connections;
  let attached: string[] = [];
  if (names.length > 0 || tags.length > 0) {
    const targets = await db.connection.findMany({ where: { orgId: user.orgId, OR: [{ name: { in: names } }, { tags: { hasSome: tags } }] }, select: { id: true, name: true } });
    await db.connection.updateMany({ where: { id: { in: targets.map((t) => t.id) } }, data: { policyId: saved.id } });
    attached = targets.map((t) => t.name);
  }
  await recordAdminAction(db, { orgId: user.orgId, actor: { id: user.id, email: user.email }, action: existing ? 'policy.update' : 'policy.create', target: `policy:${saved.name}`, data: { version: saved.version, attached, via: 'api' } });
  await notifyConfigChanged(db, user.orgId);
  return { name: saved.name, version: saved.version, created: !existing, attached };
}

/** The policy a connection runs under (its own, or the default), with its read-only flag. */
export async function connectionPolicy(db: Db, user: UserIdentity, connection: string) {
  const c = await db.connection.findUnique({ where: { orgId_name: { orgId: user.orgId, name: connection } }, include: { policy: true } });
  if (!c) throw new ApiError(404, `connection "${connection}" does not exist; run \`hoop connections\` to list yours`);
  return { connection: c.name, readOnly: c.readOnly, policy: c.policy ? { name: c.policy.name, version: c.policy.version, document: c.policy.document } : { name: 'default', version: 1, document: defaultPolicy() } };
}
