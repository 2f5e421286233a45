import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import { type WebSocket, WebSocketServer } from 'ws';
import { CONNECTION_TEST_CHANNEL, createDb, type Db, parseEncryptionKey } from '@hoop/db';
import { CAPABILITIES, MAX_TEXT_FRAME, messageBytes, PROTOCOL_VERSION, Tunnel, webSocketTransport } from '@hoop/protocol';
import { type AgentLink, AgentRegistry } from './agents';
import { handleApi } from './api';
import { AlertDispatcher } from './alerts';
import { AuditIngest, type SessionRecord } from './audit-ingest';
import { AuditWriter } from './audit-writer';
import { startAuditMaintenance } from './audit-maintenance';
import { ConnectionTestRunner } from './connection-tests';
import { listenForChanges } from './db-listener';
import { ProbeBroker } from './probes';
import { ReviewCoordinator } from './reviews';
import { SlackIntegration } from './slack';
import { type AgentIdentity, authenticateAgent, authenticateUser, bearer, type UserIdentity } from './auth';
import type { GatewayEnv } from './env';
import { createLogger, type Logger } from '@hoop/log';
import { endGrantSessions, routeClientStream } from './routing';

export interface Gateway {
  port: number;
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

/**
 * Feeds a peer's frames to its tunnel. A frame the WebSocket layer refuses (over its size limit, malformed) ends that
 * one link with its reason, never the gateway; the link's 'close' then shuts the tunnel down.
 */
function attachTunnel(ws: WebSocket, tunnel: Tunnel, onError: (err: Error) => void): void {
  ws.on('message', (data, isBinary) => {
    const buf = messageBytes(data);
    if (isBinary) tunnel.handleBinary(buf);
    else tunnel.handleText(buf.toString('utf8'));
  });
  ws.on('error', (err) => {
    onError(err);
    ws.terminate();
  });
}


/** Says once, at start, whether audit chain links are signed and which keys `hoop audit verify` trusts. */
async function announceAuditSigning(env: GatewayEnv, pool: pg.Pool, log: Logger): Promise<void> {
  const trusted = [...env.audit.trusted.keys()];
  if (env.audit.signer) {
    log.info('audit chain links are signed', { keyId: env.audit.signer.keyId, trustedKeys: trusted });
    return;
  }
  const signed = await pool
    .query<{ signed: boolean }>('SELECT EXISTS (SELECT 1 FROM audit_chain WHERE signature IS NOT NULL) AS signed')
    .then((r) => r.rows[0]?.signed === true, () => false);
  const then = signed ? ' The chain already has signed links: each link sealed now, unsigned, makes "hoop audit verify" report the trail as broken.' : '';
  log.warn(
    `HOOP_AUDIT_SIGNING_KEY is not set: links of the global audit chain are sealed unsigned, so whoever can write to the database could rewrite the audit trail, re-hash it and pass "hoop audit verify". Set it to an Ed25519 private key (PEM, or file:/path; openssl genpkey -algorithm ed25519).${then}`,
    { trustedKeys: trusted },
  );
}

export async function startGateway(env: GatewayEnv, log: Logger = createLogger('gateway', env.HOOP_LOG_LEVEL)): Promise<Gateway> {
  const db: Db = createDb(env.DATABASE_URL);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  // an idle connection that drops (database restart) must not take the gateway down; the pool replaces it
  pool.on('error', (err) => log.warn('database connection dropped', { error: err.message }));
  const encryptionKey = parseEncryptionKey(env.HOOP_ENCRYPTION_KEY);
  const agents = new AgentRegistry(db, encryptionKey, log);
  const slack = new SlackIntegration(db, encryptionKey, env.HOOP_WEB_URL, env.HOOP_SLACK_API_URL, log);
  const alerts = new AlertDispatcher(db, encryptionKey, log, slack);
  await announceAuditSigning(env, pool, log);
  const audit = new AuditWriter(pool, log, 1000, 5, (sessionId, event) => {
    alerts.observe(sessionId, event);
    // the agent's word on how a session ended also closes sessions a restarted gateway no longer relays
    if (event.type === 'session.close') {
      db.session
        .updateMany({ where: { id: sessionId, status: 'open' }, data: { status: 'closed', endedAt: new Date(event.at) } })
        .catch((e: Error) => log.warn('could not close session row', { error: e.message }));
    }
  }, {}, env.audit.signer);
  const ingest = new AuditIngest(async (sessionId): Promise<SessionRecord> => {
    const s = await db.session.findUnique({ where: { id: sessionId }, select: { agentId: true } });
    if (s) return { kind: 'session', agentId: s.agentId };
    const purged = await db.auditPurgedSession.findUnique({ where: { sessionId }, select: { orgId: true } });
    return purged ? { kind: 'purged', orgId: purged.orgId } : { kind: 'none' };
  }, log);
  const probes = new ProbeBroker();
  const connectionTests = new ConnectionTestRunner(db, agents, probes, log);
  const reviews = new ReviewCoordinator(db, env.HOOP_WEB_URL, log);
  reviews.onChange((r) => {
    if (r.kind === 'access' && r.status === 'revoked') endGrantSessions(r.id, 'the access grant was revoked');
    slack.reviewChanged(r).catch((e: Error) => log.warn('Slack update failed', { review: r.id, error: e.message }));
  });
  const listener = listenForChanges(env.DATABASE_URL, log, {
    hoop_config: (orgId) => {
      // a rotated key or a deleted agent ends its tunnel first; the others get their new configuration
      agents
        .revalidate(orgId)
        .catch((e: Error) => log.warn('agent key check failed', { error: e.message }))
        .then(() => agents.pushConfigToOrg(orgId))
        .catch((e: Error) => log.warn('config push failed', { error: e.message }));
    },
    hoop_review: (reviewId) => {
      reviews.changed(reviewId).catch((e: Error) => log.warn('review update failed', { review: reviewId, error: e.message }));
    },
    [CONNECTION_TEST_CHANNEL]: (testId) => {
      connectionTests.requested(testId).catch((e: Error) => log.warn('connection test failed', { test: testId, error: e.message }));
    },
  });
  await listener.ready;
  const maintenance = startAuditMaintenance(db, pool, log, env.HOOP_AUDIT_MAINTENANCE_MS);

  // the MCP server (and the SQL parser it uses) is loaded on the first /mcp request: gateways that serve no agents
  // over HTTP do not carry it
  let mcp: Promise<typeof import('./mcp-http').handleMcp> | null = null;
  const mcpHandler = () =>
    (mcp ??= Promise.all([import('./mcp-http'), import('@hoop/pipeline').then((p) => p.initShellGuard())]).then(([m]) => m.handleMcp));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_TEXT_FRAME, perMessageDeflate: false });
  const http: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, agents: agents.all().length }));
      return;
    }
    if (req.url === '/mcp' || req.url?.startsWith('/mcp?')) {
      mcpHandler()
        .then((handleMcp) => handleMcp({ db, agents, log }, req, res))
        .catch((err: Error) => {
          log.error('mcp request failed', { error: err.message });
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error; see the gateway log' }, id: null }));
        });
      return;
    }
    if (req.url === '/integrations/slack/interactivity') {
      slack.handleInteractivity(req, res).catch((err: Error) => {
        log.error('Slack interactivity failed', { error: err.message });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error' }));
      });
      return;
    }
    if (req.url?.startsWith('/api/')) {
      handleApi({ db, pool, agents, webUrl: env.HOOP_WEB_URL, encryptionKey, slack, auditKeys: env.audit.trusted }, req, res).catch((err: Error) => {
        log.error('api request failed', { error: err.message, url: req.url });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal error; see the gateway log' }));
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });

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
          if (identity.kind === 'agent') onAgent(ws, identity);
          else onClient(ws, identity);
        });
      },
      (err: Error) => {
        log.error('authentication failed', { error: err.message });
        refuse(socket, 503, 'gateway cannot reach its database');
      },
    );
  });

  const timers = new Set<NodeJS.Timeout>();

  function onAgent(ws: WebSocket, identity: AgentIdentity): void {
    const link: AgentLink = { identity, ws, lastPong: Date.now(), sessions: new Set(), capabilities: [], software: null, tunnel: undefined as unknown as Tunnel };
    link.tunnel = new Tunnel(webSocketTransport(ws), false, {
      onOpen: (o) => o.reject('unsupported', 'agents cannot open streams'),
      onMessage: (msg) => {
        switch (msg.type) {
          case 'hello':
            link.capabilities = msg.payload.capabilities;
            link.software = msg.payload.software ?? null;
            link.tunnel.send('welcome', { version: PROTOCOL_VERSION, capabilities: [...CAPABILITIES], heartbeatMs: env.HOOP_HEARTBEAT_MS, identity: { kind: 'agent', id: identity.id, name: identity.name } });
            agents
              .add(link)
              .then((added) => {
                if (!added) return;
                log.info('agent connected', { agent: identity.name, version: msg.payload.software });
                return agents.seen(link, { version: msg.payload.software, hostname: msg.payload.hostname });
              })
              .catch((e: Error) => {
                log.error('could not register the agent', { agent: identity.name, error: e.message });
                ws.close(1011, 'the gateway could not register the agent');
              });
            return;
          case 'pong':
            void agents.seen(link);
            return;
          case 'ping':
            link.tunnel.send('pong', msg.payload);
            return;
          case 'review_request':
            void reviews.request(link, msg.payload);
            return;
          case 'probe_result':
            probes.answered(link, msg.payload);
            return;
          case 'review_cancel':
            reviews.cancel(link, msg.payload).catch((e: Error) => log.warn('review cancel failed', { error: e.message }));
            return;
          case 'audit': {
            const { sessionId, seq, event } = msg.payload;
            // answered in the order the frames arrived, per session: the writer then gets them as the agent sent them
            ingest.receive(identity, sessionId, (owner) => {
              if (owner === 'purged') {
                // its events were removed by the retention purge: a late resend is dropped, so the agent's spool empties
                return link.tunnel.send('audit_ack', { sessionId, seq });
              }
              // not acknowledged: the agent keeps the frames and sends them again later
              if (owner !== 'own') return log.warn(owner === 'unknown' ? 'could not check who serves a session; audit frame kept by the agent' : 'agent sent audit for a session it does not serve', { agent: identity.name, sessionId, seq });
              audit.enqueue({ sessionId, seq, event, link, agent: identity.id, ack: (s) => link.tunnel.send('audit_ack', { sessionId, seq: s }) });
            });
            return;
          }
          default:
        }
      },
      onProtocolError: (err) => log.warn('agent protocol error', { agent: identity.name, error: err.message }),
    });
    attachTunnel(ws, link.tunnel, (err) => log.warn('agent link failed', { agent: identity.name, error: err.message }));
    const timer = setInterval(() => {
      if (Date.now() - link.lastPong > env.HOOP_HEARTBEAT_MS * 3) {
        log.warn('agent missed heartbeats; closing', { agent: identity.name });
        ws.terminate();
        return;
      }
      link.tunnel.send('ping', { t: Date.now() });
    }, env.HOOP_HEARTBEAT_MS);
    timers.add(timer);
    ws.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      link.tunnel.shutdown('agent disconnected');
      reviews.dropLink(link);
      probes.dropLink(link);
      void agents.remove(link);
      log.info('agent disconnected', { agent: identity.name });
    });
  }

  function onClient(ws: WebSocket, user: UserIdentity): void {
    const tunnel: Tunnel = new Tunnel(webSocketTransport(ws), false, {
      onOpen: (o) => {
        routeClientStream({ db, agents, log }, user, o).catch((err: Error) => {
          log.error('routing failed', { error: err.message });
          o.reject('internal', 'the gateway could not open the session; see its log');
        });
      },
      onMessage: (msg) => {
        if (msg.type === 'hello') {
          tunnel.send('welcome', { version: PROTOCOL_VERSION, capabilities: [...CAPABILITIES], heartbeatMs: env.HOOP_HEARTBEAT_MS, identity: { kind: 'user', id: user.id, name: user.email } });
        } else if (msg.type === 'ping') tunnel.send('pong', msg.payload);
      },
    });
    attachTunnel(ws, tunnel, (err) => log.warn('client link failed', { user: user.email, error: err.message }));
    ws.on('close', () => tunnel.shutdown('client disconnected'));
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(env.HOOP_GATEWAY_PORT, env.HOOP_GATEWAY_HOST, () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : env.HOOP_GATEWAY_PORT;
  log.info('gateway listening', { port });

  return {
    port,
    async close() {
      for (const t of timers) clearInterval(t);
      reviews.stop();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => http.close(() => r()));
      await audit.drain();
      audit.close();
      await maintenance.stop();
      await listener.stop();
      await pool.end();
      await db.$disconnect();
    },
  };
}
