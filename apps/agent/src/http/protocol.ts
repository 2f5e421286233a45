import { httpTargetConfigFrom } from '@hoop/protocol';
import type { Protocol } from '../session/protocol';
import { signerFor } from './aws-signer';
import { serveExchanges } from './session-base';
import { httpTarget, keptAliveAgents } from './upstream';

/**
 * HTTP API connections: a client's requests (hoop connect's local port, hoop exec, MCP) arrive as exchanges on the
 * session's stream and go to the connection's base URL with the credential only the agent holds (bearer token, a
 * named header or basic auth), judged by the policy's `http` section first, answers masked as they stream. One
 * session is one hoop connect or hoop exec; each request is recorded in it.
 */
export function httpProtocol(): Protocol {
  // kept-alive connections to the APIs, shared by the agent's sessions (one https agent per CA)
  const agents = keptAliveAgents();
  return {
    async serve(s) {
      const config = httpTargetConfigFrom(s.conn.config);
      if (typeof config === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${config}`);
      const signer = await signerFor(config);
      if (typeof signer === 'string') return s.reject('secret_unavailable', `connection "${s.conn.name}": ${signer}`);
      let secret: string | null = null;
      if (config.authType !== 'none' && !signer) {
        const c = await s.credential();
        if (!c) return;
        if (!c.value)
          return s.reject(
            'secret_unavailable',
            `connection "${s.conn.name}" sends a ${config.authType} credential but has none; an admin sets it as the connection's credential`,
          );
        secret = c.value;
      }
      const stream = s.accept({ baseUrl: config.baseUrl, auth: config.authType });
      serveExchanges(s, stream, { target: httpTarget(config, agents), config, secret, ...(signer ? { signer } : {}) });
    },
    async probe(conn, secret, rec) {
      const { probeHttp } = await import('./probe');
      return probeHttp(conn, secret, rec);
    },
  };
}
