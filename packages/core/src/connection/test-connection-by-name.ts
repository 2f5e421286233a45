import type { Db } from '@hoop/db';
import { ProbeResult } from '@hoop/protocol';
import { AppError } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { unknownConnection } from './connection-summaries';

/**
 * `hoop connections test NAME`: the agent serving the connection reaches its target with its own credential and
 * reports each step, whichever gateway holds the agent's tunnel (the request goes through the database, see
 * packages/db/src/connection-tests.ts). The answer never carries the secret. Who made an agent reach a target is
 * recorded, as the web app records its Test.
 */
export async function testConnectionByName(db: Db, user: { id: string; orgId: string; email: string }, name: string) {
  const c = await db.connection.findUnique({
    where: { orgId_name: { orgId: user.orgId, name } },
    select: { id: true, name: true, type: true, agent: { select: { id: true, name: true, connectedAt: true, lastSeenAt: true } } },
  });
  if (!c) throw new AppError('not_found', unknownConnection(name));
  const { recordAdminAction, runConnectionTest } = await loadHoopDb();
  const outcome = await runConnectionTest(db, { orgId: user.orgId, connectionId: c.id, agent: c.agent, requestedBy: user.id });
  const parsed = outcome.state === 'done' ? ProbeResult.safeParse(outcome.result) : null;
  const target = parsed?.success ? parsed.data : null;
  await recordAdminAction(db, {
    orgId: user.orgId,
    actor: { id: user.id, email: user.email },
    action: 'connection.test',
    target: `connection:${c.name}`,
    data: { state: outcome.state, ok: target?.ok ?? false, code: target?.code ?? null, via: 'api' },
  });
  return {
    connection: c.name,
    type: c.type,
    agent: c.agent?.name ?? null,
    /** done: the agent tested the target (see target.ok); otherwise why it could not */
    state: outcome.state,
    ok: target?.ok ?? false,
    message: target?.summary ?? (outcome.message || 'the agent answered with a report this gateway cannot read'),
    gateway: outcome.gateway,
    ms: outcome.ms,
    target,
  };
}
