import type { Duplex } from 'node:stream';
import { policyFor } from '../session/policy-hooks';
import type { SessionOpen } from '../session/protocol';
import type { ExchangeContext } from './context';
import { serveHttpSession } from './serve';

/**
 * Serves an accepted session's stream as HTTP exchanges (serve.ts) with what every connection type on the http
 * plumbing shares: the session's hooks, budget and trail, its policy read again when the gateway pushes a new one,
 * the connection's read-only flag as it stands, and the session's close recorded with its totals.
 */
export function serveExchanges(
  s: SessionOpen,
  stream: Duplex,
  own: Pick<ExchangeContext, 'target' | 'config' | 'secret'> & Partial<Pick<ExchangeContext, 'signer' | 'plugin'>>,
): void {
  const started = Date.now();
  let seen = s.current();
  let resolved = policyFor(seen);
  serveHttpSession(
    stream,
    {
      ...own,
      hooks: s.hooks,
      policy() {
        const now = s.current();
        if (now !== seen) {
          seen = now;
          resolved = policyFor(now);
        }
        return resolved;
      },
      readOnly: () => s.current().readOnly,
      budget: s.budget,
      log: s.log,
      audit: (type, data) => s.audit(type, data),
    },
    (reason, totals) => s.audit('session.close', { reason, ...totals, durationMs: Date.now() - started }),
  );
}
