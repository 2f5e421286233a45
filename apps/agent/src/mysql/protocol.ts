import { limitsFor } from '../session/policy-hooks';
import type { Protocol } from '../session/protocol';
import { mysqlTargetConfigFrom } from './config';
import { MysqlThreads } from './threads';
import { serveMysql } from './session';

/**
 * MySQL/MariaDB connections: the agent greets the client with the target's greeting, logs in to the target with the
 * connection's credential, and relays every command through the policy (session.ts, relay.ts).
 */
export function mysqlProtocol(): Protocol {
  const threads = new MysqlThreads();
  return {
    async serve(s) {
      const target = mysqlTargetConfigFrom(s.conn.config);
      if (typeof target === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${target}`);
      // the MySQL grammar loads in the guard's thread with the first MySQL session (an agent that serves none does not
      // hold it); the session opens meanwhile — its statements wait for the grammar, and are refused saying why if it
      // cannot be loaded — so a load that takes seconds on a busy machine does not time the session's open out
      s.hooks.guardReady().catch(() => undefined);
      const secret = await s.credential();
      if (!secret) return;
      const stream = s.accept({ readOnly: s.conn.readOnly });
      serveMysql(stream, {
        sessionId: s.sessionId,
        target,
        password: secret.value,
        maxMessage: s.settings.maxMessage,
        budget: s.budget,
        hooks: s.hooks,
        readOnly: s.conn.readOnly,
        // an agent (MCP) session's statements are bounded by the policy's statement timeout, as on Postgres
        ...(s.mode === 'mcp' ? { statementTimeoutMs: limitsFor(s.conn).statementTimeoutMs } : {}),
        threads: { registry: threads, connectionId: s.conn.id },
        log: s.log,
        audit: (type, data) => s.audit(type, data),
      });
    },
    async probe(conn, secret, rec, run) {
      const { probeMysql } = await import('./probe');
      return probeMysql(conn, secret, rec, run);
    },
  };
}
