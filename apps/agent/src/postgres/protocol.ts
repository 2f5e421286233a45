import { limitsFor } from '../session/policy-hooks';
import type { Protocol } from '../session/protocol';
import { CancelRegistry } from './cancel';
import { pgHooks } from './masking';
import { servePostgres } from './session';
import { targetConfigFrom } from './target';

/**
 * Postgres connections: the agent answers the client's startup itself, logs into the target with the connection's
 * credential, and relays every message through the policy (session.ts, relay.ts). Cancel keys it gave clients are
 * kept for the life of the agent, so a CancelRequest on a new stream reaches the right target backend.
 */
export function postgresProtocol(): Protocol {
  const cancels = new CancelRegistry();
  return {
    async serve(s) {
      const target = targetConfigFrom(s.conn.config);
      if (typeof target === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${target}`);
      const secret = await s.credential();
      if (!secret) return;
      const stream = s.accept({ readOnly: s.conn.readOnly });
      servePostgres(stream, {
        sessionId: s.sessionId,
        target,
        password: secret.value,
        readOnly: s.conn.readOnly,
        ...(s.mode === 'mcp' ? { statementTimeoutMs: limitsFor(s.conn).statementTimeoutMs } : {}),
        maxMessage: s.settings.maxMessage,
        budget: s.budget,
        hooks: pgHooks(s.hooks),
        cancels,
        log: s.log,
        audit: (type, data) => s.audit(type, data),
      });
    },
    async probe(conn, secret, rec, run) {
      const { probePostgres } = await import('./probe');
      return probePostgres(conn, secret, rec, run);
    },
  };
}
