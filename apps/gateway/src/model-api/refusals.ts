import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import type { AuditWriter } from '../audit/writer';
import type { UserIdentity } from '../auth';
import type { ConnectionLimits, LimitRefusal } from './limits';

/** What the gateway knows of a request it refused by policy. */
export interface RefusedRequest {
  user: UserIdentity;
  limits: ConnectionLimits;
  method: string;
  path: string;
  /** the model the request named, when it could be read */
  model: string | null;
  peer: string;
  /** Claude Code's conversation id, when it sent one */
  conversation: string;
  refusal: LimitRefusal;
}

/**
 * Records a request the gateway refused by the connection's policy (model allow-list, daily token budget) in the
 * trail: a session of its own on the connection — it never reached an agent, so no conversation's session holds it —
 * with `session.open`, `model.refused` (the rule, the model, the status and message Claude Code got) and
 * `session.close`, chained and sealed as the agents' sessions are (the gateway's audit writer stores them). The
 * refusal also counts in the day's usage figures (model_usage_days.refused), which the dashboard shows.
 */
export async function recordRefusal(db: Db, audit: AuditWriter, log: Logger, r: RefusedRequest): Promise<void> {
  const at = new Date();
  const clientInfo = { client: 'claude', peer: r.peer, refused: r.refusal.rule, ...(r.conversation ? { conversation: r.conversation } : {}) };
  const session = await db.session.create({
    data: {
      orgId: r.user.orgId,
      userId: r.user.id,
      connectionId: r.limits.connectionId,
      agentId: null,
      mode: 'claude',
      status: 'closed',
      clientInfo,
      error: r.refusal.message,
      startedAt: at,
      endedAt: at,
    },
  });
  const iso = at.toISOString();
  const events = [
    { type: 'session.open', data: { connection: r.limits.connection, type: 'anthropic', mode: 'claude', user: r.user.email, client: clientInfo } },
    {
      type: 'model.refused',
      data: {
        exchange: 1,
        method: r.method,
        path: r.path,
        model: r.model,
        rule: r.refusal.rule,
        policy: r.limits.policy,
        status: r.refusal.status,
        errorType: r.refusal.type,
        message: r.refusal.message,
        ...r.refusal.details,
      },
    },
    { type: 'session.close', data: { reason: `refused by policy ${r.limits.policy} (${r.refusal.rule})`, exchanges: 1, failed: 1, toolUses: 0 } },
  ];
  for (const [seq, e] of events.entries()) audit.enqueue({ sessionId: session.id, seq, event: { type: e.type, at: iso, data: e.data }, ack: () => undefined });
  log.info('model API request refused by policy', { session: session.id, user: r.user.email, connection: r.limits.connection, rule: r.refusal.rule });
}
