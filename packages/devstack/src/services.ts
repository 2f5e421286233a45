import { type BundledApp, bundleOf } from './bundles';
import { homeDir, inheritedEnv, searchPath } from './env';
import { httpOk, REPO_ROOT, type Service, startService, waitFor } from './process';

/**
 * How the agent, the gateway or the CLI runs: as JavaScript bundled from its sources by scripts/service.mjs (as `pnpm
 * --filter @hoop/agent start` runs it), with the node flags and environment given there (see bundles.ts).
 */
function serviceCommand(app: BundledApp, nodeArgs: string[] = []): { command: string; args: string[]; env: Record<string, string> } {
  const b = bundleOf(app);
  return { command: process.execPath, args: [...b.nodeArgs, ...nodeArgs, b.file], env: b.env };
}

/**
 * `hoop ARGS` as the tests run it: the CLI bundled once per process, not its TypeScript through tsx, which compiles
 * the sources on every run (about 1.4 s of CPU per command against 0.3 s; the tests run hundreds of commands).
 */
export function cliCommand(args: string[]): { command: string; args: string[]; env: Record<string, string> } {
  const run = serviceCommand('cli');
  return { ...run, args: [...run.args, ...args] };
}

/**
 * `hoop mcp` as an MCP client (Claude Code) starts it, on the client's stdio: the parameters of the SDK's
 * StdioClientTransport, with `env` (HOOP_CONFIG, …) over a bare PATH and HOME.
 */
export function hoopMcpServer(env: Record<string, string>) {
  const hoop = cliCommand(['mcp']);
  return {
    command: hoop.command,
    args: hoop.args,
    cwd: REPO_ROOT,
    env: { PATH: searchPath(), HOME: homeDir(), ...hoop.env, ...env },
    stderr: 'pipe' as const,
  };
}

/** What an MCP tool call answers, as the tests read it. */
export type McpToolResult = { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: Record<string, unknown> };

/** Calls tool `name` with `args` on MCP client `c`. */
export const callMcpTool = (
  c: { callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown> },
  name: string,
  args: Record<string, unknown>,
) => c.callTool({ name, arguments: args }) as Promise<McpToolResult>;

export interface GatewayOptions {
  databaseUrl: string;
  port: number;
  encryptionKey: string;
  webUrl: string;
  /** HOOP_AUDIT_SIGNING_KEY: PEM or file:/path (`env` may override it, '' for none) */
  auditSigningKey?: string;
  logDir?: string;
  heartbeatMs?: number;
  /** HOOP_GATEWAY_PG_PORT, the Postgres listener's port (default off: tests and stacks side by side would share 15432) */
  pgPort?: number;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}

export async function startGatewayService(o: GatewayOptions): Promise<Service> {
  const run = serviceCommand('gateway', o.nodeArgs);
  const svc = startService({
    name: 'gateway',
    command: run.command,
    args: run.args,
    logDir: o.logDir,
    env: {
      ...baseEnv(),
      ...run.env,
      ...(o.auditSigningKey ? { HOOP_AUDIT_SIGNING_KEY: o.auditSigningKey } : {}),
      HOOP_GATEWAY_PG_PORT: o.pgPort ? String(o.pgPort) : 'off',
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

export interface AgentOptions {
  gatewayUrl: string;
  key: string;
  logDir?: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}

/** Starts an agent; callers wait for it to be online (see `waitAgentOnline`). */
export function startAgentService(o: AgentOptions): Service {
  const run = serviceCommand('agent', o.nodeArgs);
  return startService({
    name: 'agent',
    command: run.command,
    args: run.args,
    logDir: o.logDir,
    env: { ...baseEnv(), ...run.env, ...o.env, HOOP_GATEWAY_URL: o.gatewayUrl, HOOP_AGENT_KEY: o.key },
  });
}

/** Environment for child services: the caller's, minus anything that would change how they run. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = inheritedEnv();
  for (const k of Object.keys(env)) if (k.startsWith('HOOP_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') delete env[k];
  return env;
}
