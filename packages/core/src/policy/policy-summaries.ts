import type { Db } from '@hoop/db';
import { defaultPolicy } from '@hoop/pipeline/policy';
import { AppError } from '../errors';
import { unknownConnection } from '../connection/connection-summaries';

/** The org's policies as `hoop policy list` shows them: every member reads them (they decide what members may do). */
export async function policySummaries(db: Db, orgId: string) {
  const rows = await db.policy.findMany({ where: { orgId }, orderBy: { name: 'asc' }, include: { connections: { select: { name: true } } } });
  return { policies: rows.map((p) => ({ name: p.name, version: p.version, updatedAt: p.updatedAt, connections: p.connections.map((c) => c.name) })) };
}

/** One policy by name, its document as stored (`hoop policy get`). */
export async function policyByName(db: Db, orgId: string, name: string) {
  const p = await db.policy.findUnique({ where: { orgId_name: { orgId, name } } });
  if (!p) throw new AppError('not_found', `policy "${name}" does not exist`);
  return { name: p.name, version: p.version, document: p.document };
}

/**
 * The policy a connection runs under (its own, or the default), with its read-only flag and its type (`hoop policy test
 * -c` judges a mysql connection's statements with the MySQL grammar, as its agent does).
 */
export async function connectionPolicy(db: Db, orgId: string, connection: string) {
  const c = await db.connection.findUnique({ where: { orgId_name: { orgId, name: connection } }, include: { policy: true } });
  if (!c) throw new AppError('not_found', unknownConnection(connection));
  return {
    connection: c.name,
    type: c.type,
    readOnly: c.readOnly,
    policy: c.policy
      ? { name: c.policy.name, version: c.policy.version, document: c.policy.document }
      : { name: 'default', version: 1, document: defaultPolicy() },
  };
}
