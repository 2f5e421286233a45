import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { CONNECTION_TEST_CHANNEL, createDb, type Db, parseEncryptionKey } from '@hoop/db';
import { createLogger, type Logger } from '@hoop/log';
import { ConnectionTestRunner } from './agent-link/connection-tests';
import { agentEndpoint } from './agent-link/endpoint';
import { ProbeBroker } from './agent-link/probes';
import { ReviewCoordinator } from './agent-link/reviews';
import { AgentRegistry } from './agent-link/registry';
import { AlertDispatcher } from './alerts';
import { AuditIngest } from './audit/ingest';
import { startAuditMaintenance } from './audit/maintenance';
import { closeEndedSession, sessionRecords } from './audit/sessions';
import { announceAuditSigning } from './audit/signing';
import { AuditWriter } from './audit/writer';
import { clientEndpoint } from './client-link/endpoint';
import { endGrantSessions } from './client-link/routing';
import { listenForChanges } from './db-listener';
import type { GatewayEnv } from './env';
import type { ApiDeps } from './http/api';
import { httpHandler } from './http/handler';
import { MODEL_API_PREFIX, modelApiEndpoint } from './model-api/endpoint';
import { listenerCertificate } from './pg-listener/certificate';
import { GATEWAYS_CHANNEL, GatewayPeers, internalUrl } from './peers';
import { type PgListener, startPgListener } from './pg-listener/listener';
import { SlackIntegration } from './slack';
import { acceptWebSockets } from './websocket';

const GATEWAY_VERSION = '0.1.0';

export interface Gateway {
  port: number;
  /** the Postgres listener's port; null when it is off */
  pgPort: number | null;
  /** this gateway's id in the `gateways` table */
  id: string;
  close(): Promise<void>;
}

/**
 * Starts the gateway and wires its parts: the agents' link (agent-link/: their tunnels, reviews and connection tests),
 * the clients' link (client-link/: their tunnels, each stream routed to the agent serving its connection), the Postgres
 * listener (pg-listener/: psql and drivers with a token as the password, routed the same way), the audit
 * trail the agents' frames go to (audit/), alerts, the HTTP endpoints (http/), and Claude Code's model API requests
 * (model-api/: each conversation a session on an anthropic connection). Database notifications reach the
 * part they are for.
 */
export async function startGateway(env: GatewayEnv, log: Logger = createLogger('gateway', env.HOOP_LOG_LEVEL)): Promise<Gateway> {
  const db: Db = createDb(env.DATABASE_URL);
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  // an idle connection that drops (database restart) must not take the gateway down; the pool replaces it
  pool.on('error', (err) => log.warn('database connection dropped', { error: err.message }));
  const encryptionKey = parseEncryptionKey(env.HOOP_ENCRYPTION_KEY);
  const agents = new AgentRegistry(db, encryptionKey, log);
  const peers = new GatewayPeers(pool, log, {
    heartbeatMs: env.HOOP_GATEWAY_BEAT_MS,
    expiresAfterMs: env.HOOP_GATEWAY_EXPIRY_MS,
    version: GATEWAY_VERSION,
  });
  const slack = new SlackIntegration(db, encryptionKey, env.HOOP_WEB_URL, env.HOOP_SLACK_API_URL, log);
  const alerts = new AlertDispatcher(db, encryptionKey, log, slack);
  await announceAuditSigning(env.audit, pool, log);
  const audit = new AuditWriter(
    pool,
    log,
    1000,
    5,
    (sessionId, event) => {
      alerts.observe(sessionId, event);
      closeEndedSession(db, log, sessionId, event);
    },
    {},
    env.audit.signer,
  );
  const ingest = new AuditIngest(sessionRecords(db), log);
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
    // a gateway started or stopped: look now rather than at the next beat
    [GATEWAYS_CHANNEL]: () => void peers.beat(),
    [CONNECTION_TEST_CHANNEL]: (testId) => {
      connectionTests.requested(testId).catch((e: Error) => log.warn('connection test failed', { test: testId, error: e.message }));
    },
  });
  await listener.ready;
  const maintenance = startAuditMaintenance(db, pool, log, env.HOOP_AUDIT_MAINTENANCE_MS);

  // the Postgres listener, before the HTTP server: a gateway that answers /healthz takes Postgres clients too
  let pgListener: PgListener | null = null;
  let pgInfo: ApiDeps['pgListener'] = null;
  if (env.HOOP_GATEWAY_PG_PORT !== null) {
    const publicHosts = (env.HOOP_PUBLIC_HOST ?? '').split(',').map((h) => h.trim());
    const certificate = await listenerCertificate({
      db,
      encryptionKey,
      certFile: env.HOOP_GATEWAY_PG_TLS_CERT,
      keyFile: env.HOOP_GATEWAY_PG_TLS_KEY,
      hostNames: [...publicHosts, new URL(env.HOOP_WEB_URL).hostname, 'localhost', '127.0.0.1'],
      log,
    });
    pgListener = await startPgListener(
      { db, agents, log },
      {
        host: env.HOOP_GATEWAY_PG_HOST ?? env.HOOP_GATEWAY_HOST,
        port: env.HOOP_GATEWAY_PG_PORT,
        certificate,
        failDelayMs: env.HOOP_GATEWAY_PG_AUTH_DELAY_MS,
        maxFailures: env.HOOP_GATEWAY_PG_MAX_AUTH_FAILURES,
        failureWindowMs: env.HOOP_GATEWAY_PG_AUTH_WINDOW_MS,
        gatewayId: peers.id,
      },
    );
    pgInfo = { port: pgListener.port, tls: certificate.source, caCert: certificate.caCert, fingerprint: certificate.fingerprint };
    log.info('postgres listener', {
      port: pgListener.port,
      tls: certificate.source === 'provided' ? `certificate ${env.HOOP_GATEWAY_PG_TLS_CERT}` : 'certificate made by hoop (CA: hoop ca)',
      fingerprint: certificate.fingerprint,
      hostNames: certificate.hostNames,
    });
  }

  const api = { db, pool, agents, webUrl: env.HOOP_WEB_URL, encryptionKey, slack, auditKeys: env.audit.trusted, pgListener: pgInfo };
  const handler = httpHandler({ api, slack, log });
  // Claude Code's model API requests (ANTHROPIC_BASE_URL=<gateway>/anthropic/<connection>)
  const modelApi = modelApiEndpoint({ db, agents, log }, { idleMs: env.HOOP_CLAUDE_IDLE_MS, audit, pool });
  const http: Server = createServer((req, res) => (req.url?.startsWith(MODEL_API_PREFIX) ? modelApi.handle(req, res) : handler(req, res)));
  // an idle kept-alive connection is closed by its client (or a load balancer in front, whose idle timeout is often 60 s)
  // first: with Node's 5 s a request sent as the gateway closed the socket failed (MCP over HTTP between two calls)
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const agentLink = agentEndpoint({ agents, reviews, probes, ingest, audit, log, peers, heartbeatMs: env.HOOP_HEARTBEAT_MS });
  const clientLink = clientEndpoint({ db, agents, log, heartbeatMs: env.HOOP_HEARTBEAT_MS });
  const wss = acceptWebSockets(http, db, log, { agent: agentLink.accept, client: clientLink.accept });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(env.HOOP_GATEWAY_PORT, env.HOOP_GATEWAY_HOST, () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : env.HOOP_GATEWAY_PORT;
  // registered once it listens: agents told of it can dial it at once
  await peers.start(env.HOOP_GATEWAY_INTERNAL_URL ?? internalUrl(env.HOOP_GATEWAY_HOST, port));
  peers.changed((live) => agents.announceGateways(live));
  log.info('gateway listening', { port, gateway: peers.id, internalUrl: peers.url });

  return {
    port,
    pgPort: pgListener?.port ?? null,
    id: peers.id,
    async close() {
      // first out of the live list, so agents stop dialing it
      await peers.stop();
      agentLink.stop();
      reviews.stop();
      modelApi.close();
      for (const c of wss.clients) c.terminate();
      await pgListener?.close();
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
