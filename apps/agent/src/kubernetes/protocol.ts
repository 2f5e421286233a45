import { kubernetesConfigFrom, kubernetesHttpTarget } from '@hoop/protocol';
import { serveExchanges } from '../http/session-base';
import { httpTarget, keptAliveAgents } from '../http/upstream';
import { policyFor } from '../session/policy-hooks';
import type { Protocol } from '../session/protocol';
import { kubernetesPlugin } from './exchange-plugin';
import { impersonating } from './headers';
import type { KubeUpgradeHandler } from './upgrade-hook';

/**
 * Kubernetes connections: kubectl, client libraries and hoop exec speak the API server's HTTP API through the
 * session's stream (the http connection's exchanges, http/), and the agent makes each request to the API server with
 * the service account's token as the hoop user (impersonation), so the cluster's RBAC applies to each person; the
 * policy's kubernetes section judges each request first, and Secret values are redacted from every answer.
 */
export function kubernetesProtocol(o: { upgrade?: KubeUpgradeHandler } = {}): Protocol {
  const agents = keptAliveAgents();
  return {
    async serve(s) {
      const server = kubernetesConfigFrom(s.conn.config);
      if (typeof server === 'string') return s.reject('bad_config', `connection "${s.conn.name}": ${server}`);
      if (!s.user) return s.reject('no_identity', `connection "${s.conn.name}": the gateway did not say who the user is, and every request is made as them`);
      const c = await s.credential();
      if (!c) return;
      if (!c.value)
        return s.reject('secret_unavailable', `connection "${s.conn.name}" has no service account token; an admin sets it as the connection's credential`);
      const token = c.value;
      const user = { email: s.user.email, groups: s.user.groups };
      const config = kubernetesHttpTarget(server);
      // the policy's revealSecrets, read again when the gateway pushes a new policy
      let seen: typeof s.conn | null = null;
      let reveal = false;
      const stream = s.accept({ server: server.server, impersonate: user.email, groups: user.groups });
      serveExchanges(s, stream, {
        target: impersonating(httpTarget(config, agents), user),
        config,
        secret: token,
        plugin: kubernetesPlugin({
          server,
          token,
          user,
          reveal: () => {
            const now = s.current();
            if (now !== seen) {
              seen = now;
              const p = policyFor(now);
              reveal = 'policy' in p && p.policy.kubernetes.revealSecrets;
            }
            return reveal;
          },
          ...(o.upgrade ? { upgrade: o.upgrade } : {}),
        }),
      });
    },
    async probe(conn, secret, rec) {
      const { probeKubernetes } = await import('./probe');
      return probeKubernetes(conn, secret, rec);
    },
  };
}
