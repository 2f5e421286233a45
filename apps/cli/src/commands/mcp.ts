import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createHoopMcpServer } from '@hoop/mcp';
import { initShellGuard } from '@hoop/pipeline';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { api, CLI_VERSION, connectGateway, type GatewayLink } from '../gateway';
import { openPgSession } from '../pg-session';
import type { ConnectionSummary } from './connect';

/** `hoop mcp`: the hoop MCP server on stdio, for Claude Code and other agents, acting as the logged-in user. */
export async function mcpCommand(env: CliEnv): Promise<number> {
  const config = await loadConfig(env);
  // statements and commands are read before they are sent (does a call need a reason?)
  await initShellGuard();
  let link: GatewayLink | null = null;
  const gateway = async () => {
    if (!link) {
      link = await connectGateway(config);
      link.onClose(() => (link = null));
    }
    return link;
  };
  const server = createHoopMcpServer(
    {
      listConnections: async () => (await api<{ connections: ConnectionSummary[] }>(config, '/api/connections')).connections,
      openSql: async (connection, clientInfo) => openPgSession(await gateway(), connection, 'mcp', clientInfo),
      getSession: (id) => api<Record<string, unknown>>(config, `/api/sessions/${encodeURIComponent(id)}`),
      openCommand: async (connection, clientInfo) => {
        const { stream, sessionId, type, limits } = await (await gateway()).open(connection, 'mcp', clientInfo);
        if (type !== 'ssh' && type !== 'command') {
          stream.destroy();
          throw new Error(
            `connection "${connection}" is of type ${type ?? 'unknown'}; run_command works on ssh and command connections (use run_query for databases)`,
          );
        }
        return { stream, ...(sessionId ? { sessionId } : {}), ...(limits ? { limits } : {}) };
      },
    },
    CLI_VERSION,
  );
  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  (link as GatewayLink | null)?.close();
  return 0;
}
