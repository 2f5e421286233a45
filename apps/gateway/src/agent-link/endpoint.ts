import type { WebSocket } from 'ws';
import type { Logger } from '@hoop/log';
import {
  afterWrites,
  CAPABILITIES,
  CLOSE_WRONG_GATEWAY,
  type GatewayAddress,
  type Payload,
  PROTOCOL_VERSION,
  type Transport,
  Tunnel,
  webSocketTransport,
} from '@hoop/protocol';
import type { AgentLink, AgentRegistry } from './registry';
import type { AuditIngest } from '../audit/ingest';
import type { AuditWriter } from '../audit/writer';
import type { AgentIdentity } from '../auth';
import { attachTunnel } from '../websocket';
import type { ProbeBroker } from './probes';
import type { ReviewCoordinator } from './reviews';

export interface AgentEndpointDeps {
  agents: AgentRegistry;
  reviews: ReviewCoordinator;
  probes: ProbeBroker;
  ingest: AuditIngest;
  audit: AuditWriter;
  log: Logger;
  /** this gateway and the other live ones, told to each agent in its welcome */
  peers: { id: string; list(): GatewayAddress[] };
  heartbeatMs: number;
}

/** the longest an acknowledgement waits for something else to go to the agent, which it then rides with */
const ACK_DELAY_MS = 20;

export interface AgentEndpoint {
  accept(ws: WebSocket, identity: AgentIdentity): void;
  /** stops the heartbeats (the links themselves end when the gateway terminates its WebSockets) */
  stop(): void;
}

/**
 * The agents' WebSocket endpoint (`/agent`): an agent's tunnel is registered once it says hello (it then gets its
 * configuration), pinged every heartbeat and closed after three missed ones; what it sends goes to the part that
 * owns it (reviews, connection tests, the audit trail), and its reviews and tests end with the link.
 */
export function agentEndpoint(deps: AgentEndpointDeps): AgentEndpoint {
  const { agents, reviews, probes, log, heartbeatMs } = deps;
  const timers = new Set<NodeJS.Timeout>();

  function accept(ws: WebSocket, identity: AgentIdentity): void {
    const link: AgentLink = {
      identity,
      ws,
      lastPong: Date.now(),
      sessions: new Set(),
      capabilities: [],
      software: null,
      tunnel: undefined as unknown as Tunnel,
      ack: () => undefined,
    };
    const acks = ackRider(webSocketTransport(ws), (sessionId, seq) => link.tunnel.send('audit_ack', { sessionId, seq }));
    link.ack = acks.ack;
    link.tunnel = new Tunnel(acks.transport, false, {
      onOpen: (o) => o.reject('unsupported', 'agents cannot open streams'),
      onMessage: (msg) => {
        switch (msg.type) {
          case 'hello':
            if (msg.payload.gateway && msg.payload.gateway !== deps.peers.id) {
              // its address led to this gateway (a load balancer in the way?): not registered, so it replaces no tunnel
              const why = `this is gateway ${deps.peers.id}, not ${msg.payload.gateway}`;
              log.warn('agent dialed another gateway at this address; refused', { agent: identity.name, wanted: msg.payload.gateway });
              ws.close(CLOSE_WRONG_GATEWAY, why);
              return;
            }
            link.capabilities = msg.payload.capabilities;
            link.software = msg.payload.software ?? null;
            link.tunnel.send('welcome', {
              version: PROTOCOL_VERSION,
              capabilities: [...CAPABILITIES],
              heartbeatMs,
              identity: { kind: 'agent', id: identity.id, name: identity.name },
              gatewayId: deps.peers.id,
              gateways: deps.peers.list(),
            });
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
          case 'audit':
            // after what else this turn brought is relayed and written (the answer the frame came with), in arrival order
            afterWrites(() => receiveAudit(deps, link, msg.payload));
            return;
          case 'audit_batch':
            // several of the agent's audit frames in one message, in the order it sent them
            afterWrites(() => receiveAuditBatch(deps, link, msg.payload.frames));
            return;
          default:
        }
      },
      onProtocolError: (err) => log.warn('agent protocol error', { agent: identity.name, error: err.message }),
    });
    attachTunnel(ws, link.tunnel, (err) => log.warn('agent link failed', { agent: identity.name, error: err.message }));
    const timer = setInterval(() => {
      if (Date.now() - link.lastPong > heartbeatMs * 3) {
        log.warn('agent missed heartbeats; closing', { agent: identity.name });
        ws.terminate();
        return;
      }
      link.tunnel.send('ping', { t: Date.now() });
    }, heartbeatMs);
    timers.add(timer);
    ws.on('close', () => {
      clearInterval(timer);
      acks.stop();
      timers.delete(timer);
      link.tunnel.shutdown('agent disconnected');
      reviews.dropLink(link);
      probes.dropLink(link);
      void agents.remove(link);
      log.info('agent disconnected', { agent: identity.name });
    });
  }

  return {
    accept,
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}

/**
 * An audit frame: checked to be for a session this agent serves, then stored and acknowledged (audit/). Answered in
 * the order the frames arrived, per session, so the writer gets them as the agent sent them.
 */
function receiveAudit(deps: AgentEndpointDeps, link: AgentLink, payload: Payload<'audit'>): void {
  const { identity } = link;
  const { sessionId, seq, event } = payload;
  deps.ingest.receive(identity, sessionId, (owner) => {
    if (owner === 'purged') {
      // its events were removed by the retention purge: a late resend is dropped, so the agent's spool empties
      return link.ack(sessionId, seq);
    }
    // not acknowledged: the agent keeps the frames and sends them again later
    if (owner !== 'own')
      return deps.log.warn(
        owner === 'unknown' ? 'could not check who serves a session; audit frame kept by the agent' : 'agent sent audit for a session it does not serve',
        { agent: identity.name, sessionId, seq },
      );
    deps.audit.enqueue({ sessionId, seq, event, link, agent: identity.id, ack: (s) => link.ack(sessionId, s) });
  });
}

function receiveAuditBatch(deps: AgentEndpointDeps, link: AgentLink, frames: Payload<'audit'>[]): void {
  for (const frame of frames) receiveAudit(deps, link, frame);
}

/**
 * Audit acknowledgements ride with what goes to the agent anyway (the next statement of a session): they wait until
 * something else is sent on the link, or ACK_DELAY_MS, instead of costing the agent a wake-up each. They are
 * cumulative, so of a session's waiting ones only the highest is sent.
 */
function ackRider(inner: Transport, send: (sessionId: string, seq: number) => void) {
  let waiting = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (waiting.size === 0) return;
    const due = waiting;
    waiting = new Map();
    for (const [sessionId, seq] of due) send(sessionId, seq);
  };
  const transport: Transport = {
    sendText(text) {
      flush();
      inner.sendText(text);
    },
    sendBinary(data) {
      flush();
      inner.sendBinary(data);
    },
    close: (code, reason) => inner.close(code, reason),
  };
  return {
    transport,
    ack(sessionId: string, seq: number) {
      waiting.set(sessionId, Math.max(seq, waiting.get(sessionId) ?? -1));
      timer ??= setTimeout(flush, ACK_DELAY_MS);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      waiting.clear();
    },
  };
}
