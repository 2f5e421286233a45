import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type AgentConnection, CAPABILITIES, CLOSE_KEY_REVOKED, type IncomingOpen, MAX_TEXT_FRAME, messageBytes, type Payload, PROBE_CONCURRENCY, PROTOCOL_VERSION, Tunnel, webSocketTransport, zeroMask } from '@hoop/protocol';
import { AuditOutbox } from './session/audit';
import { type AgentEnv, resolveSecret } from './env';
import type { Logger } from '@hoop/log';
import { CancelRegistry } from './postgres/cancel';
import { MemoryBudget } from './session/memory-budget';
import { guardKind, hooksFor, limitsFor, policyFor } from './session/policy-hooks';
import { probeConnection } from './session/probe';
import { pgHooks } from './postgres/masking';
import { servePostgres } from './postgres/session';
import { targetConfigFrom } from './postgres/target';
import { ReviewBroker, reviewHook } from './session/reviews';

export const AGENT_VERSION = '0.1.0';
/** longest wait between tries once the gateway refused this agent's key (the first is HOOP_AGENT_KEY_RETRY_MS) */
const KEY_RETRY_MAX_MS = 10 * 60_000;

export interface AgentHandle {
  /** resolves once the agent has received its configuration from a gateway */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Dials the gateway, keeps the tunnel up (jittered exponential backoff, heartbeat watchdog), and serves the streams
 * the gateway opens for the connections assigned to this agent.
 */
export function startAgent(env: AgentEnv, log: Logger): AgentHandle {
  // the hash masking style needs a key that is stable for this agent and unknown to clients
  const maskHashKey = createHash('sha256').update(`hoop-mask:${env.HOOP_AGENT_KEY}`).digest('hex');
  const outbox = new AuditOutbox(env.HOOP_AGENT_DATA_DIR ? path.join(env.HOOP_AGENT_DATA_DIR, 'audit-spool') : null);
  const cancels = new CancelRegistry();
  const inputBudget = new MemoryBudget(env.HOOP_AGENT_INPUT_BUDGET_MB * 1024 * 1024);
  const reviews = new ReviewBroker();
  let connections = new Map<string, AgentConnection>();
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  /** consecutive refusals of this agent's key: retried slowly, since only a restart with a new key helps */
  let keyRefusals = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));

  const connect = () => {
    if (stopped) return;
    const socket = new WebSocket(`${env.HOOP_GATEWAY_URL.replace(/\/$/, '')}/agent`, {
      headers: { authorization: `Bearer ${env.HOOP_AGENT_KEY}` },
      maxPayload: MAX_TEXT_FRAME,
      perMessageDeflate: false,
      generateMask: zeroMask,
      handshakeTimeout: 10_000,
    });
    ws = socket;
    let lastPing = Date.now();
    let heartbeatMs = 5000;
    let watchdog: NodeJS.Timeout | null = null;
    const tunnel = new Tunnel(
      webSocketTransport(socket),
      true,
      {
        onOpen: (o) => serve(o),
        onMessage: (msg) => {
          switch (msg.type) {
            case 'welcome':
              attempt = 0;
              keyRefusals = 0;
              heartbeatMs = msg.payload.heartbeatMs;
              log.info('connected to gateway', { as: msg.payload.identity.name });
              outbox.attach(tunnel);
              reviews.attach(tunnel);
              watchdog = setInterval(() => {
                if (Date.now() - lastPing > heartbeatMs * 3) {
                  log.warn('gateway stopped sending heartbeats; reconnecting');
                  socket.terminate();
                }
              }, heartbeatMs);
              return;
            case 'ping':
              lastPing = Date.now();
              tunnel.send('pong', msg.payload);
              return;
            case 'config':
              connections = new Map(msg.payload.connections.map((c) => [c.id, c]));
              log.info('configuration received', { connections: msg.payload.connections.map((c) => c.name) });
              markReady();
              return;
            case 'review_update':
              reviews.update(msg.payload);
              return;
            case 'audit_ack':
              outbox.ack(msg.payload.sessionId, msg.payload.seq);
              return;
            case 'probe':
              probe(tunnel, msg.payload);
              return;
            case 'error':
              log.error('gateway error', msg.payload);
              return;
            default:
          }
        },
        onProtocolError: (err) => log.error('protocol error from gateway', { error: err.message }),
      },
    );
    socket.on('open', () => {
      tunnel.send('hello', { role: 'agent', version: PROTOCOL_VERSION, capabilities: [...CAPABILITIES], software: `hoop-agent/${AGENT_VERSION}`, hostname: hostname() });
    });
    socket.on('message', (data, isBinary) => {
      const buf = messageBytes(data);
      if (isBinary) tunnel.handleBinary(buf);
      else tunnel.handleText(buf.toString('utf8'));
    });
    let refusedKey = false;
    socket.on('unexpected-response', (_req, res) => {
      res.resume();
      if (res.statusCode === 401) {
        refusedKey = true;
        log.error('the gateway refused HOOP_AGENT_KEY: the key is wrong, was rotated, or the agent was deleted; start the agent with the key shown in the web app (Agents)');
      } else log.error(`the gateway refused the agent: HTTP ${res.statusCode}`);
      // ends the handshake, so the socket closes and the agent tries again later
      socket.terminate();
    });
    socket.on('error', (err) => {
      if (!refusedKey) log.warn('gateway connection error', { error: err.message });
    });
    socket.on('close', (code, reason) => {
      if (code === CLOSE_KEY_REVOKED) {
        refusedKey = true;
        log.error(`the gateway closed the tunnel: this agent's key was revoked (${reason.toString() || 'rotated or agent deleted'}); start the agent with its new HOOP_AGENT_KEY from the web app (Agents)`);
      }
      // counted until a gateway welcomes the agent again
      if (refusedKey) keyRefusals++;
      if (watchdog) clearInterval(watchdog);
      outbox.attach(null);
      reviews.attach(null);
      tunnel.shutdown('gateway connection lost');
      if (ws === socket) ws = null;
      scheduleReconnect();
    });
  };

  const scheduleReconnect = () => {
    if (stopped) return;
    attempt++;
    // a refused key will not start working by itself: one try a minute at first (by default), then up to every 10 minutes
    const base = keyRefusals > 0 ? Math.min(KEY_RETRY_MAX_MS, env.HOOP_AGENT_KEY_RETRY_MS * 2 ** Math.min(keyRefusals - 1, 4)) : Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    if (keyRefusals > 0) log.error(`not connected: key refused; trying again in ${Math.round(delay / 1000)} s`, { attempt });
    else log.info('reconnecting', { inMs: delay, attempt });
    retryTimer = setTimeout(connect, delay);
  };

  /** a connection test asked for by the gateway: answered on the same tunnel, never with the secret */
  let probesRunning = 0;
  const probe = (tunnel: Tunnel, req: Payload<'probe'>) => {
    const { ref, connection: conn } = req;
    if (probesRunning >= PROBE_CONCURRENCY) {
      tunnel.send('probe_result', { ref, ok: false, code: 'busy', summary: `the agent is already testing ${probesRunning} connections; try again in a few seconds`, latencyMs: 0, steps: [] });
      return;
    }
    probesRunning++;
    void probeConnection(conn, { timeoutMs: req.timeoutMs, maxMessage: env.HOOP_PG_MAX_MESSAGE, baseEnv: { PATH: env.PATH, HOME: env.HOME, LANG: env.LANG } })
      .then((result) => {
        log.info('connection tested', { connection: conn.name, ok: result.ok, code: result.code, ms: result.latencyMs });
        tunnel.send('probe_result', { ...result, ref });
      })
      .finally(() => probesRunning--);
  };

  const sessionHooks = (conn: AgentConnection, sessionId: string, reattach: string | undefined) => {
    const current = () => connections.get(conn.id) ?? conn;
    const hooks = hooksFor(current, maskHashKey, guardKind(conn));
    const requestReview = reviewHook(reviews, {
      sessionId,
      policyVersion: () => current().policyVersion ?? null,
      maskAudit: (t) => hooks.maskAudit(t),
      ...(reattach ? { reattach } : {}),
    });
    return { ...hooks, requestReview };
  };

  const serve = (o: IncomingOpen) => {
    const req = o.request;
    const conn = (req.connectionId && connections.get(req.connectionId)) || [...connections.values()].find((c) => c.name === req.connection);
    if (!conn || !req.sessionId) return o.reject('not_served', `this agent does not serve "${req.connection}"`);
    const sessionId = req.sessionId;
    const audit = (type: string, data: Record<string, unknown>) => {
      outbox.emit(sessionId, type, data);
      if (type === 'session.close') outbox.endSession(sessionId);
    };
    if (conn.type === 'ssh' || conn.type === 'command') return serveShell(o, conn, sessionId, audit);
    if (conn.type !== 'postgres') return o.reject('unsupported', `connection type ${conn.type} is not supported by this agent yet`);
    const target = targetConfigFrom(conn.config);
    if (typeof target === 'string') return o.reject('bad_config', `connection "${conn.name}": ${target}`);
    void resolveSecret(conn.secretRef, conn.secret).then((secret) => {
      if (!secret.ok) return o.reject('secret_unavailable', `connection "${conn.name}": ${secret.error}`);
      const stream = o.accept({ connectionType: 'postgres' });
      audit('session.open', { connection: conn.name, type: conn.type, mode: req.mode, user: req.user?.email ?? null, readOnly: conn.readOnly, client: req.clientInfo ?? {} });
      servePostgres(stream, {
        sessionId,
        target,
        password: secret.value,
        readOnly: conn.readOnly,
        ...(req.mode === 'mcp' ? { statementTimeoutMs: limitsFor(conn).statementTimeoutMs } : {}),
        maxMessage: env.HOOP_PG_MAX_MESSAGE,
        budget: inputBudget,
        hooks: pgHooks(sessionHooks(conn, sessionId, req.clientInfo?.review)),
        cancels,
        log,
        audit,
      });
    });
  };

  /** ssh and command connections: the agent speaks SSH to the client (loaded on first use) */
  const serveShell = (o: IncomingOpen, conn: AgentConnection, sessionId: string, audit: (type: string, data: Record<string, unknown>) => void) => {
    const req = o.request;
    void (async () => {
      // the SSH service and the shell parser are loaded with the first shell session
      const [mod] = await Promise.all([import('./ssh/serve'), import('@hoop/pipeline').then((p) => p.initShellGuard())]);
      const problem = mod.shellConfigError(conn);
      if (problem) return o.reject('bad_config', problem);
      const secret = await resolveSecret(conn.secretRef, conn.secret);
      if (!secret.ok) return o.reject('secret_unavailable', `connection "${conn.name}": ${secret.error}`);
      const stream = o.accept({ connectionType: conn.type });
      audit('session.open', { connection: conn.name, type: conn.type, mode: req.mode, user: req.user?.email ?? null, client: req.clientInfo ?? {} });
      mod.serveShellConnection(stream, {
        conn,
        sessionId,
        secret: secret.value,
        dataDir: env.HOOP_AGENT_DATA_DIR || undefined,
        baseEnv: { PATH: env.PATH, HOME: env.HOME, LANG: env.LANG },
        hooks: sessionHooks(conn, sessionId, req.clientInfo?.review),
        budget: inputBudget,
        allowForwarding: () => {
          const r = policyFor(connections.get(conn.id) ?? conn);
          return 'policy' in r && r.policy.ssh.portForwarding;
        },
        audit,
        log,
      });
    })().catch((err: Error) => {
      log.error('could not serve the session', { connection: conn.name, error: err.message });
      o.reject('agent_error', `the agent could not serve "${conn.name}": ${err.message}`);
    });
  };

  connect();
  return {
    ready,
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      ws?.close(1001, 'agent stopping');
    },
  };
}
