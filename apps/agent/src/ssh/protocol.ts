import { policyFor } from '../session/policy-hooks';
import type { Protocol } from '../session/protocol';

/**
 * `ssh` and `command` connections: the agent speaks SSH to the client and runs what it asks on the target, an SSH
 * server (ssh) or a program on the agent's own host (command: psql, kubectl…), judging each command and line typed
 * (serve.ts, server.ts). The SSH service and the shell parser are loaded with the first such session.
 */
export function shellProtocol(): Protocol {
  return {
    async serve(s) {
      const [mod] = await Promise.all([import('./serve'), import('@hoop/pipeline').then((p) => p.initShellGuard())]);
      const problem = mod.shellConfigError(s.conn);
      if (problem) return s.reject('bad_config', problem);
      const secret = await s.credential();
      if (!secret) return;
      const stream = s.accept();
      mod.serveShellConnection(stream, {
        conn: s.conn,
        sessionId: s.sessionId,
        secret: secret.value,
        dataDir: s.settings.dataDir,
        baseEnv: s.settings.baseEnv,
        hooks: s.hooks,
        budget: s.budget,
        allowForwarding: () => {
          const r = policyFor(s.current());
          return 'policy' in r && r.policy.ssh.portForwarding;
        },
        audit: (type, data) => s.audit(type, data),
        log: s.log,
      });
    },
    async probe(conn, secret, rec, run) {
      const { probeShell } = await import('./probe');
      return probeShell(conn, secret, rec, run);
    },
  };
}
