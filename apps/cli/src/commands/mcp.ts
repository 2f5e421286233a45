import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createHoopMcpServer, mysqlClientOver, pgClientOver, type SqlSession } from '@hoop/mcp';
import { EXIT } from '@hoop/protocol';
import { initShellGuard } from '@hoop/pipeline';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError } from '../errors';
import { api, CLI_VERSION, connectGateway, type GatewayLink } from '../gateway';
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
      openSql: async (connection, clientInfo) => openSqlSession(await gateway(), connection, clientInfo),
      getSession: (id) => api<Record<string, unknown>>(config, `/api/sessions/${encodeURIComponent(id)}`),
      heldReview: async (session) => {
        const { reviews } = await api<{ reviews: { id: string; url?: string; expiresAt: string }[] }>(
          config,
          `/api/reviews?status=pending&kind=statement&mine=1&session=${encodeURIComponent(session)}&limit=1`,
        );
        const r = reviews[0];
        return r ? { reviewId: r.id, url: r.url ?? `review ${r.id}`, expiresAt: new Date(r.expiresAt) } : null;
      },
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
      openHttp: async (connection, clientInfo) => {
        const { stream, sessionId, type, limits } = await (await gateway()).open(connection, 'mcp', clientInfo);
        if (type !== 'http' && type !== 'kubernetes') {
          stream.destroy();
          throw new Error(`connection "${connection}" is of type ${type ?? 'unknown'}; http_request works on http and kubernetes connections`);
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

/** A SQL session for a tool call: node-postgres on a postgres connection, mysql2 on a mysql one, over the session's stream. */
async function openSqlSession(link: GatewayLink, connection: string, clientInfo: Record<string, string>): Promise<SqlSession> {
  const { stream, type, sessionId, limits } = await link.open(connection, 'mcp', clientInfo);
  if (type && type !== 'postgres' && type !== 'mysql') {
    stream.destroy();
    throw new Error(
      `connection "${connection}" is of type ${type}; run_query works on postgres and mysql connections (use run_command for ssh and command connections)`,
    );
  }
  const extra = { ...(sessionId ? { sessionId } : {}), ...(limits ? { limits } : {}) };
  try {
    if (type === 'mysql') return { mysql: await mysqlClientOver(stream), stream, ...extra };
    return { client: await pgClientOver(stream, clientInfo.client ?? 'hoop mcp'), ...extra };
  } catch (err) {
    stream.destroy();
    throw new CliError(EXIT.unreachable, `could not open a session on "${connection}": ${(err as Error).message}`);
  }
}
