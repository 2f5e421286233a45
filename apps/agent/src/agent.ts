import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '@hoop/log';
import { type AgentConnection, type IncomingOpen, type Payload, PROBE_CONCURRENCY, type Tunnel } from '@hoop/protocol';
import type { AgentEnv } from './env';
import { dialGateways } from './link/gateways';
import { MysqlGuardThread } from './mysql/guard-thread';
import { servedProtocols } from './protocols';
import { AuditOutbox } from './session/audit';
import { MemoryBudget } from './session/memory-budget';
import { openSession, type SessionServices } from './session/open';
import { probeConnection } from './session/probe';
import { ReviewBroker } from './session/reviews';

export interface AgentHandle {
  /** resolves once the agent has received its configuration from a gateway */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Dials the gateways (link/: a tunnel to each live one) and serves the streams it opens for the connections assigned to this agent, each by the
 * protocol of its connection's type (protocols.ts), through the session's policy hooks, reviews and audit trail
 * (session/). Connection tests the gateway asks for go to the same protocols.
 */
export function startAgent(env: AgentEnv, log: Logger): AgentHandle {
  const protocols = servedProtocols();
  const outbox = new AuditOutbox(env.HOOP_AGENT_DATA_DIR ? path.join(env.HOOP_AGENT_DATA_DIR, 'audit-spool') : null, undefined, (session, err) =>
    log.error('audit spool not writable: frames of this session are kept in memory only until acknowledged', { session, error: err.message }),
  );
  const reviews = new ReviewBroker(outbox.routes);
  // MySQL texts are judged in a process of its own: the grammar's load and long reads never hold up the event loop
  const mysqlGuard = new MysqlGuardThread({ log });
  let connections = new Map<string, AgentConnection>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  const baseEnv = { PATH: env.PATH, HOME: env.HOME, LANG: env.LANG };
  const services: SessionServices = {
    outbox,
    reviews,
    budget: new MemoryBudget(env.HOOP_AGENT_INPUT_BUDGET_MB * 1024 * 1024),
    // the hash masking style needs a key that is stable for this agent and unknown to clients
    maskHashKey: createHash('sha256').update(`hoop-mask:${env.HOOP_AGENT_KEY}`).digest('hex'),
    settings: { maxMessage: env.HOOP_PG_MAX_MESSAGE, dataDir: env.HOOP_AGENT_DATA_DIR || undefined, baseEnv },
    log,
    current: (conn) => connections.get(conn.id) ?? conn,
    mysqlGuard,
  };

  const serve = (open: IncomingOpen, tunnel: Tunnel) => {
    const req = open.request;
    const conn = (req.connectionId && connections.get(req.connectionId)) || [...connections.values()].find((c) => c.name === req.connection);
    if (!conn || !req.sessionId) return open.reject('not_served', `this agent does not serve "${req.connection}"`);
    // its reviews and audit frames go to the gateway that opened it (its audit frames to another once that one is gone)
    outbox.routes.bind(req.sessionId, tunnel);
    const protocol = protocols[conn.type];
    if (!protocol) return open.reject('unsupported', `connection type ${conn.type} is not supported by this agent yet`);
    protocol.serve(openSession(open, conn, req.sessionId, services)).catch((err: Error) => {
      log.error('could not serve the session', { connection: conn.name, error: err.message });
      open.reject('agent_error', `the agent could not serve "${conn.name}": ${err.message}`);
    });
  };

  /** a connection test asked for by the gateway: answered on the same tunnel, never with the secret */
  let probesRunning = 0;
  const probe = (tunnel: Tunnel, req: Payload<'probe'>) => {
    const { ref, connection: conn } = req;
    if (probesRunning >= PROBE_CONCURRENCY) {
      tunnel.send('probe_result', {
        ref,
        ok: false,
        code: 'busy',
        summary: `the agent is already testing ${probesRunning} connections; try again in a few seconds`,
        latencyMs: 0,
        steps: [],
      });
      return;
    }
    probesRunning++;
    void probeConnection(conn, protocols[conn.type], { timeoutMs: req.timeoutMs, maxMessage: env.HOOP_PG_MAX_MESSAGE, baseEnv })
      .then((result) => {
        log.info('connection tested', { connection: conn.name, ok: result.ok, code: result.code, ms: result.latencyMs });
        tunnel.send('probe_result', { ...result, ref });
      })
      .finally(() => probesRunning--);
  };

  // a tunnel to every live gateway, learned from the one at HOOP_GATEWAY_URL (link/gateways.ts)
  const link = dialGateways({
    url: env.HOOP_GATEWAY_URL,
    key: env.HOOP_AGENT_KEY,
    keyRetryMs: env.HOOP_AGENT_KEY_RETRY_MS,
    log,
    onUp: (tunnel) => outbox.up(tunnel),
    onDown: (tunnel) => {
      outbox.down(tunnel);
      reviews.lost(tunnel);
    },
    onOpen: serve,
    onMessage: (msg, tunnel) => {
      switch (msg.type) {
        case 'config':
          connections = new Map(msg.payload.connections.map((c) => [c.id, c]));
          log.info('configuration received', { connections: msg.payload.connections.map((c) => c.name) });
          // a MySQL connection's guard loads now, in steps, rather than with its first session
          if (msg.payload.connections.some((c) => c.type === 'mysql'))
            mysqlGuard.start().catch((err: Error) => log.error('the MySQL guard could not be loaded', { error: err.message }));
          markReady();
          return;
        case 'review_update':
          reviews.update(msg.payload, tunnel);
          return;
        case 'audit_ack':
          outbox.ack(msg.payload.sessionId, msg.payload.seq);
          return;
        case 'probe':
          probe(tunnel, msg.payload);
          return;
        default:
      }
    },
  });
  return {
    ready,
    async stop() {
      link.stop();
      await mysqlGuard.close();
    },
  };
}
