import type { Protocol } from '../session/protocol';
import { mysqlTargetConfigFrom } from './config';
import { serveMysql } from './session';

/**
 * MySQL/MariaDB connections: the agent greets the client with the target's greeting, logs in to the target with the
 * connection's credential, and relays every command through the policy (session.ts, relay.ts).
 */
export function mysqlProtocol(): Protocol {
  return {
    async serve(s) {
      const target = mysqlTargetConfigFrom(s.conn.config);
      if (typeof target === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${target}`);
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
