import type { Logger } from '@hoop/log';
import type { AgentConnection, IncomingOpen } from '@hoop/protocol';
import { resolveSecret } from '../env';
import type { AuditOutbox } from './audit';
import type { MemoryBudget } from './memory-budget';
import { guardKind, hooksFor, limitsFor, type MysqlGuard } from './policy-hooks';
import type { AgentSettings, SessionOpen } from './protocol';
import { type ReviewBroker, reviewHook } from './reviews';

/** What the agent shares with every session it serves. */
export interface SessionServices {
  outbox: AuditOutbox;
  reviews: ReviewBroker;
  budget: MemoryBudget;
  /** the key of the hash masking style: stable for this agent and unknown to clients */
  maskHashKey: string;
  settings: AgentSettings;
  log: Logger;
  /** the connection as the gateway configured it last */
  current(conn: AgentConnection): AgentConnection;
  /** where MySQL texts are judged (the agent's guard process); absent, on the event loop */
  mysqlGuard?: MysqlGuard;
}

/**
 * Session `sessionId`, which `open` asks for on connection `conn`, as its protocol serves it (see Protocol): its policy
 * hooks (a review may re-attach to an earlier one: `hoop exec --review ID`), its credential, and its audit trail.
 */
export function openSession(open: IncomingOpen, conn: AgentConnection, sessionId: string, s: SessionServices): SessionOpen {
  const req = open.request;
  const current = () => s.current(conn);
  let closed = false;
  /**
   * A session's trail ends with its close: what a protocol reports after it (a target's exit status or a channel's
   * failure arriving as the session is torn down) is logged, not recorded — once the close is acknowledged its
   * sequence is forgotten, and a frame after it would start again at 0 and never be accepted.
   */
  const audit = (type: string, data: Record<string, unknown>) => {
    if (closed) {
      s.log.debug('event after the session closed, not recorded', { session: sessionId, type });
      return;
    }
    s.outbox.emit(sessionId, type, data);
    if (type === 'session.close') {
      closed = true;
      s.outbox.endSession(sessionId);
    }
  };
  // an agent (MCP) session's statements are bounded in time (the policy's limits), and it cannot change the bound
  const bound = req.mode === 'mcp' ? { statementTimeMs: limitsFor(conn).statementTimeoutMs } : {};
  const policy = hooksFor(current, s.maskHashKey, guardKind(conn), bound, s.mysqlGuard ? { mysqlGuard: s.mysqlGuard } : {});
  const reattach = req.clientInfo?.review;
  const requestReview = reviewHook(s.reviews, {
    sessionId,
    policyVersion: () => current().policyVersion ?? null,
    maskAudit: (t) => policy.maskAudit(t),
    ...(reattach ? { reattach } : {}),
  });
  return {
    conn,
    current,
    sessionId,
    mode: req.mode,
    user: req.user ? { ...req.user, groups: req.user.groups ?? [] } : null,
    hooks: { ...policy, requestReview },
    budget: s.budget,
    settings: s.settings,
    log: s.log,
    reject: (code, message) => open.reject(code, message),
    async credential() {
      const secret = await resolveSecret(conn.secretRef, conn.secret);
      if (secret.ok) return { value: secret.value };
      open.reject('secret_unavailable', `connection "${conn.name}": ${secret.error}`);
      return null;
    },
    accept(details = {}) {
      const stream = open.accept({ connectionType: conn.type });
      audit('session.open', {
        connection: conn.name,
        type: conn.type,
        mode: req.mode,
        user: req.user?.email ?? null,
        ...details,
        client: req.clientInfo ?? {},
      });
      return stream;
    },
    audit,
  };
}
