import { hostname } from 'node:os';
import WebSocket from 'ws';
import {
  CAPABILITIES,
  CLOSE_KEY_REVOKED,
  CLOSE_REPLACED,
  CLOSE_WRONG_GATEWAY,
  type Envelope,
  type IncomingOpen,
  type Payload,
  MAX_TEXT_FRAME,
  messageBytes,
  PROTOCOL_VERSION,
  ridingTransport,
  Tunnel,
  webSocketTransport,
  zeroMask,
} from '@hoop/protocol';
import type { Logger } from '@hoop/log';

export const AGENT_VERSION = '0.1.0';
/** longest wait between tries once the gateway refused this agent's key (the first is `keyRetryMs`) */
const KEY_RETRY_MAX_MS = 10 * 60_000;
/** the longest an audit frame waits to ride with the next frame to the gateway (the gateway's acknowledgements wait as long) */
const AUDIT_RIDE_MS = 20;
/**
 * how long audit frames gather before a data frame to the gateway takes them along (texts take them at once): the
 * frames of several statements then go as one `audit_batch`, one message for the gateway to read instead of one each
 */
const AUDIT_GATHER_MS = 5;
/**
 * wait before dialing again a gateway that gave this agent's tunnel to a newer one: another process runs with the same
 * key (replicas of one agent) and holds that gateway now; dialing back at once would take it back, and so on
 */
const REPLACED_RETRY_MS = 30_000;

export type Welcome = Payload<'welcome'>;

export interface GatewayLinkOptions {
  /** ws:// or wss:// address of the gateway */
  url: string;
  /** the id of the gateway meant (from a gateways list): another one reached at `url` refuses the tunnel */
  expect?: string;
  /** HOOP_AGENT_KEY */
  key: string;
  /** wait before trying again once the gateway refused the key (doubled on each refusal, up to 10 minutes) */
  keyRetryMs: number;
  log: Logger;
  /** a gateway welcomed the agent on `tunnel`; null: that tunnel is lost (the link dials again, unless `redial` says no) */
  onTunnel(tunnel: Tunnel | null, welcome?: Welcome): void;
  /** the gateway opened a stream: a session to serve */
  onOpen(open: IncomingOpen, tunnel: Tunnel): void;
  /**
   * asked each time the tunnel is lost: false stops the link (its gateway is no longer live); default: always dial
   * again. `wrongGateway`: another gateway answered at this address (the one meant is gone, e.g. restarted there)
   */
  redial?(wrongGateway: boolean): boolean;
  /** any other message from the gateway: configuration, review updates, audit acknowledgements, connection tests */
  onMessage(msg: Envelope, tunnel: Tunnel): void;
}

export interface GatewayLink {
  /** closes the tunnel and dials no more */
  stop(): void;
  /** dials this address (and means this gateway) from the next try on */
  retarget(url: string, expect: string): void;
  /** whether a gateway welcomed the agent on the current socket */
  readonly up: boolean;
}

/**
 * The agent's link to its gateway: dials it, keeps the tunnel up (jittered exponential backoff, heartbeat watchdog),
 * answers its pings, and hands the streams it opens and the messages it sends to the agent.
 */
export function dialGateway(o: GatewayLinkOptions): GatewayLink {
  const { log } = o;
  let url = o.url;
  let expect = o.expect;
  let up = false;
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  /** consecutive refusals of this agent's key: retried slowly, since only a restart with a new key helps */
  let keyRefusals = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  /** the last tunnel was given to another process of this agent */
  let replaced = false;

  const connect = () => {
    if (stopped) return;
    const socket = new WebSocket(`${url.replace(/\/$/, '')}/agent`, {
      headers: { authorization: `Bearer ${o.key}` },
      maxPayload: MAX_TEXT_FRAME,
      perMessageDeflate: false,
      generateMask: zeroMask,
      handshakeTimeout: 10_000,
    });
    ws = socket;
    let lastPing = Date.now();
    let heartbeatMs = 5000;
    let watchdog: NodeJS.Timeout | null = null;
    const transport = ridingTransport(webSocketTransport(socket), AUDIT_RIDE_MS, AUDIT_GATHER_MS);
    const tunnel = new Tunnel(transport, true, {
      onOpen: (open) => o.onOpen(open, tunnel),
      onMessage: (msg) => {
        switch (msg.type) {
          case 'welcome':
            attempt = 0;
            keyRefusals = 0;
            heartbeatMs = msg.payload.heartbeatMs;
            // a gateway of a version before audit_batch would ignore one: it gets its audit frames one by one
            transport.batchAudit = msg.payload.capabilities.includes('audit-batch');
            log.info('connected to gateway', { as: msg.payload.identity.name, gateway: msg.payload.gatewayId, url });
            up = true;
            o.onTunnel(tunnel, msg.payload);
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
          case 'error':
            log.error('gateway error', msg.payload);
            return;
          default:
            o.onMessage(msg, tunnel);
        }
      },
      onProtocolError: (err) => log.error('protocol error from gateway', { error: err.message }),
    });
    socket.on('open', () => {
      tunnel.send('hello', {
        role: 'agent',
        version: PROTOCOL_VERSION,
        capabilities: [...CAPABILITIES],
        software: `hoop-agent/${AGENT_VERSION}`,
        hostname: hostname(),
        ...(expect ? { gateway: expect } : {}),
      });
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
        log.error(
          'the gateway refused HOOP_AGENT_KEY: the key is wrong, was rotated, or the agent was deleted; ' +
            'start the agent with the key shown in the web app (Agents)',
        );
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
        log.error(
          `the gateway closed the tunnel: this agent's key was revoked (${reason.toString() || 'rotated or agent deleted'}); ` +
            `start the agent with its new HOOP_AGENT_KEY from the web app (Agents)`,
        );
      }
      replaced = code === CLOSE_REPLACED;
      if (replaced)
        log.warn(`another process of this agent (same HOOP_AGENT_KEY) took over its tunnel to ${url}; trying again in about ${REPLACED_RETRY_MS / 1000} s`);
      const wrongGateway = code === CLOSE_WRONG_GATEWAY;
      if (wrongGateway) log.error(`${url} leads to another gateway than the one it is registered for (${reason.toString()}): check HOOP_GATEWAY_INTERNAL_URL`);
      // counted until a gateway welcomes the agent again
      if (refusedKey) keyRefusals++;
      if (watchdog) clearInterval(watchdog);
      const wasUp = up;
      up = false;
      if (wasUp) o.onTunnel(null);
      tunnel.shutdown('gateway connection lost');
      if (ws === socket) ws = null;
      if (o.redial && !o.redial(wrongGateway)) stopped = true;
      scheduleReconnect();
    });
  };

  const scheduleReconnect = () => {
    if (stopped) return;
    attempt++;
    // a refused key will not start working by itself: one try a minute at first (by default), then up to every 10 minutes
    const base =
      keyRefusals > 0
        ? Math.min(KEY_RETRY_MAX_MS, o.keyRetryMs * 2 ** Math.min(keyRefusals - 1, 4))
        : replaced
          ? REPLACED_RETRY_MS
          : Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    if (keyRefusals > 0) log.error(`not connected: key refused; trying again in ${Math.round(delay / 1000)} s`, { attempt });
    else log.info('reconnecting', { inMs: delay, attempt, url });
    retryTimer = setTimeout(connect, delay);
  };

  connect();
  return {
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      ws?.close(1001, 'agent stopping');
    },
    retarget(next: string, id: string) {
      url = next;
      expect = id;
    },
    get up() {
      return up;
    },
  };
}
