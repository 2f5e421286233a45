import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { createHoopMcpServer, mysqlClientOver, pgClientOver } from '@hoop/mcp';
import type { AgentRegistry } from '../agent-link/registry';
import { connectionSummaries } from '@hoop/core/connection/connection-summaries';
import { listReviews, reviewUrl } from '@hoop/core/review/reviews';
import { sessionWithEvents } from '@hoop/core/session/session-summaries';
import { agentOnline, caller } from './api-route';
import { authenticateUser, bearer } from '../auth';
import { openAgentSession, RouteError } from '../client-link/routing';

const VERSION = '0.1.0';

/**
 * `POST /mcp`: the hoop MCP server over streamable HTTP (stateless: one server per request), for agents that cannot
 * run `hoop mcp`. The bearer token decides who the agent acts as; every tool call is a recorded session.
 */
export async function handleMcp(
  deps: { db: Db; agents: AgentRegistry; log: Logger; webUrl: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const token = bearer(req);
  const user = token ? await authenticateUser(deps.db, token) : null;
  if (!user) {
    res
      .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'missing, invalid or expired token' }, id: null }));
    return;
  }
  if (req.method !== 'POST') {
    res
      .writeHead(405, { 'content-type': 'application/json', allow: 'POST' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'use POST (stateless streamable HTTP)' }, id: null }));
    return;
  }
  type ClientInfo = Parameters<typeof openAgentSession>[4];
  /** A recorded session on `connection` for a tool that works on connections of `types`; another type is refused, saying `use`. */
  const openFor = async (connection: string, clientInfo: ClientInfo, types: readonly string[], use: string) => {
    let session;
    try {
      session = await openAgentSession(deps, user, connection, 'mcp', clientInfo);
    } catch (err) {
      throw err instanceof RouteError ? new Error(err.message) : err;
    }
    const s = session;
    s.stream.once('close', () => s.finish());
    if (!types.includes(s.connectionType)) {
      s.stream.destroy();
      throw new Error(`connection "${connection}" is of type ${s.connectionType}; ${use}`);
    }
    return s;
  };
  const server = createHoopMcpServer(
    {
      caller: user.id,
      listConnections: async () => (await connectionSummaries(deps.db, user.orgId, agentOnline(deps.agents))).connections,
      openSql: async (connection, clientInfo) => {
        const use = 'run_query works on databases (use run_command for ssh and command connections)';
        const session = await openFor(connection, clientInfo, ['postgres', 'mysql'], use);
        if (session.connectionType === 'mysql') {
          const mysql = await mysqlClientOver(session.stream).catch((err: unknown) => {
            session.stream.destroy();
            throw err;
          });
          return { mysql, stream: session.stream, sessionId: session.sessionId, limits: session.limits };
        }
        const client = await pgClientOver(session.stream, clientInfo.client ?? 'hoop mcp');
        client.once('end', () => session.stream.destroy());
        return { client, sessionId: session.sessionId, limits: session.limits };
      },
      getSession: (id) => sessionWithEvents(deps.db, caller(user), id),
      heldReview: async (session) => {
        const [r] = await listReviews(deps.db, user.orgId, { status: 'pending', kind: 'statement', session, requester: user.email, limit: 1 });
        return r ? { reviewId: r.id, url: reviewUrl(deps.webUrl, r.id), expiresAt: r.expiresAt } : null;
      },
      openCommand: async (connection, clientInfo) => {
        const use = 'run_command works on ssh and command connections (use run_query for databases)';
        const session = await openFor(connection, clientInfo, ['ssh', 'command'], use);
        return { stream: session.stream, sessionId: session.sessionId, limits: session.limits };
      },
      openHttp: async (connection, clientInfo) => {
        const session = await openFor(connection, clientInfo, ['http', 'kubernetes'], 'http_request works on http and kubernetes connections');
        return { stream: session.stream, sessionId: session.sessionId, limits: session.limits };
      },
    },
    VERSION,
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}
