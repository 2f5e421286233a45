import path from 'node:path';
import { inheritedEnv } from './env';
import { httpOk, nodeTs, REPO_ROOT, type Service, startService, waitFor } from './process';

export interface GatewayOptions { databaseUrl: string; port: number; encryptionKey: string; webUrl: string; logDir?: string; heartbeatMs?: number; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }

export async function startGatewayService(o: GatewayOptions): Promise<Service> {
  const svc = startService({
    name: 'gateway',
    ...nodeTs(path.join(REPO_ROOT, 'apps/gateway/src/main.ts'), o.nodeArgs),
    logDir: o.logDir,
    env: {
      ...baseEnv(),
      ...o.env,
      DATABASE_URL: o.databaseUrl,
      HOOP_GATEWAY_PORT: String(o.port),
      HOOP_ENCRYPTION_KEY: o.encryptionKey,
      HOOP_WEB_URL: o.webUrl,
      ...(o.heartbeatMs ? { HOOP_HEARTBEAT_MS: String(o.heartbeatMs) } : {}),
    },
  });
  await waitFor('the gateway to answer /healthz', () => httpOk(`http://127.0.0.1:${o.port}/healthz`), { service: svc, timeoutMs: 60_000 });
  return svc;
}

export interface AgentOptions { gatewayUrl: string; key: string; logDir?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }

/** Starts an agent; callers wait for it to be online (see `waitAgentOnline`). */
export function startAgentService(o: AgentOptions): Service {
  return startService({
    name: 'agent',
    ...nodeTs(path.join(REPO_ROOT, 'apps/agent/src/main.ts'), o.nodeArgs),
    logDir: o.logDir,
    env: { ...baseEnv(), ...o.env, HOOP_GATEWAY_URL: o.gatewayUrl, HOOP_AGENT_KEY: o.key },
  });
}

/** Environment for child services: the caller's, minus anything that would change how they run. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = inheritedEnv();
  for (const k of Object.keys(env)) if (k.startsWith('HOOP_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') delete env[k];
  return env;
}
