import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { MAX_TEXT_FRAME, messageBytes, type Tunnel } from '@hoop/protocol';
import { type AgentIdentity, authenticateAgent, authenticateUser, bearer, type UserIdentity } from './auth';
import { relayed } from './young-garbage';

/** Where an authenticated WebSocket goes: an agent's to the agent link, a person's to the client link. */
export interface WebSocketEndpoints {
  agent(ws: WebSocket, identity: AgentIdentity): void;
  client(ws: WebSocket, user: UserIdentity): void;
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\ncontent-type: ` +
      `text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

/**
 * The gateway's WebSocket endpoints, on the HTTP server's upgrades: `/agent` (an agent key) and `/client` (a user's
 * token). The bearer is checked before the handshake, so a refused peer gets a plain HTTP status and no WebSocket.
 * Returns the WebSocket server, whose clients the gateway terminates when it closes.
 */
export function acceptWebSockets(http: Server, db: Db, log: Logger, endpoints: WebSocketEndpoints): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_TEXT_FRAME, perMessageDeflate: false });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    const secret = bearer(req);
    if (path !== '/agent' && path !== '/client') return refuse(socket, 404, 'unknown endpoint');
    if (!secret) return refuse(socket, 401, 'missing bearer token');
    const auth = path === '/agent' ? authenticateAgent(db, secret) : authenticateUser(db, secret);
    auth.then(
      (identity) => {
        if (!identity) return refuse(socket, 401, path === '/agent' ? 'invalid agent key' : 'invalid or expired token');
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (identity.kind === 'agent') endpoints.agent(ws, identity);
          else endpoints.client(ws, identity);
        });
      },
      (err: Error) => {
        log.error('authentication failed', { error: err.message });
        refuse(socket, 503, 'gateway cannot reach its database');
      },
    );
  });
  return wss;
}

/**
 * Feeds a peer's frames to its tunnel. A frame the WebSocket layer refuses (over its size limit, malformed) ends that
 * one link with its reason, never the gateway; the link's 'close' then shuts the tunnel down.
 */
export function attachTunnel(ws: WebSocket, tunnel: Tunnel, onError: (err: Error) => void): void {
  ws.on('message', (data, isBinary) => {
    const buf = messageBytes(data);
    if (isBinary) {
      tunnel.handleBinary(buf);
      relayed(buf.length);
    } else tunnel.handleText(buf.toString('utf8'));
  });
  ws.on('error', (err) => {
    onError(err);
    ws.terminate();
  });
}
