import type { WebSocket } from 'ws';
import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { CAPABILITIES, PROTOCOL_VERSION, Tunnel, webSocketTransport } from '@hoop/protocol';
import type { AgentRegistry } from '../agent-link/registry';
import type { UserIdentity } from '../auth';
import { attachTunnel } from '../websocket';
import { routeClientStream } from './routing';

export interface ClientEndpointDeps {
  db: Db;
  agents: AgentRegistry;
  log: Logger;
  heartbeatMs: number;
}

/**
 * The clients' WebSocket endpoint (`/client`: `hoop connect`, `hoop exec`, `hoop mcp`): a person's tunnel, whose every
 * stream is a session on one connection, routed to the agent serving it (routing.ts).
 */
export function clientEndpoint(deps: ClientEndpointDeps): { accept(ws: WebSocket, user: UserIdentity): void } {
  const { db, agents, log, heartbeatMs } = deps;
  return {
    accept(ws, user) {
      const tunnel: Tunnel = new Tunnel(webSocketTransport(ws), false, {
        onOpen: (o) => {
          routeClientStream({ db, agents, log }, user, o).catch((err: Error) => {
            log.error('routing failed', { error: err.message });
            o.reject('internal', 'the gateway could not open the session; see its log');
          });
        },
        onMessage: (msg) => {
          if (msg.type === 'hello') {
            tunnel.send('welcome', {
              version: PROTOCOL_VERSION,
              capabilities: [...CAPABILITIES],
              heartbeatMs,
              identity: { kind: 'user', id: user.id, name: user.email },
            });
          } else if (msg.type === 'ping') tunnel.send('pong', msg.payload);
        },
      });
      attachTunnel(ws, tunnel, (err) => log.warn('client link failed', { user: user.email, error: err.message }));
      ws.on('close', () => tunnel.shutdown('client disconnected'));
    },
  };
}
