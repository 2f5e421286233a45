import type { Duplex } from 'node:stream';
import type { Logger } from '@hoop/log';
import type { AgentConnection } from '@hoop/protocol';
import { resolveSecret } from '../env';
import type { MemoryBudget } from '../session/memory-budget';
import type { SessionHooks } from '../session/hooks';
import { type Backend, commandBackend, commandConfigFrom, connectSshTarget, sshTargetFrom } from './backend';
import { loadHostKey, serveSsh } from './server';

let hostKey: string | null = null;

/** Checks a connection's settings before a stream is accepted; returns an error message or null. */
export function shellConfigError(conn: AgentConnection): string | null {
  const r = conn.type === 'ssh' ? sshTargetFrom(conn.config) : commandConfigFrom(conn.config);
  return typeof r === 'string' ? `connection "${conn.name}": ${r}` : null;
}

/** Serves one client stream of an `ssh` or `command` connection. */
export function serveShellConnection(
  stream: Duplex,
  o: {
    conn: AgentConnection;
    sessionId: string;
    secret: string | null;
    dataDir: string | undefined;
    /** PATH, HOME and LANG of the agent, for command connections */
    baseEnv: { PATH: string; HOME: string; LANG: string };
    hooks: SessionHooks;
    allowForwarding(): boolean;
    /** what all sessions of the agent may hold of client input not passed on yet */
    budget?: MemoryBudget;
    audit(type: string, data: Record<string, unknown>): void;
    log: Logger;
  },
): void {
  hostKey ??= loadHostKey(o.dataDir);
  const { conn } = o;
  const backend = async (): Promise<Backend> => {
    if (conn.type === 'ssh') {
      const cfg = sshTargetFrom(conn.config);
      if (typeof cfg === 'string') throw new Error(cfg);
      return connectSshTarget(cfg, o.secret, (fp) => o.audit('target.hostkey', { fingerprint: fp, pinned: Boolean(cfg.hostKeyFingerprint) }));
    }
    const cfg = commandConfigFrom(conn.config);
    if (typeof cfg === 'string') throw new Error(cfg);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(cfg.env)) {
      if (/^(env|file):/.test(v)) {
        const r = await resolveSecret(v, null);
        if (!r.ok) throw new Error(`${k}: ${r.error}`);
        env[k] = r.value ?? '';
      } else env[k] = v;
    }
    if (o.secret !== null) env.HOOP_SECRET = o.secret;
    return commandBackend(cfg, env, o.baseEnv);
  };
  serveSsh(stream, {
    sessionId: o.sessionId,
    connection: conn.name,
    hostKey,
    backend,
    judge: (command) => o.hooks.judge(command),
    allowForwarding: () => o.allowForwarding(),
    ...(o.hooks.requestReview ? { requestReview: o.hooks.requestReview } : {}),
    maskText: (t) => o.hooks.maskText(t),
    maskAudit: (t) => o.hooks.maskAudit(t),
    takeMaskCounts: () => o.hooks.takeMaskCounts(),
    budget: o.budget,
    audit: o.audit,
    log: o.log,
  });
}
