import type { Duplex } from 'node:stream';
import type { Db } from '@hoop/db';
import { accessRefusal } from '@hoop/core/policy/access-rule';
import { reviewRules } from '@hoop/core/review/review-rules';
import { policyLimits } from '@hoop/pipeline/policy';
import { BLOCKED_PREFIX, type ConnectionMode, type IncomingOpen, OpenError, STREAM_WINDOW, type Tunnel, type TunnelStream } from '@hoop/protocol';
import { activeGrant } from '@hoop/core/review/reviews';
import type { AgentRegistry } from '../agent-link/registry';
import type { UserIdentity } from '../auth';
import type { Logger } from '@hoop/log';

const ONLINE_WINDOW_MS = 15_000;

export class RouteError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AgentSession {
  sessionId: string;
  connectionType: string;
  limits: { maxRows: number; maxBytes: number };
  /** time-boxed access: the approved grant this session runs under */
  grant: { reviewId: string; expiresAt: Date } | null;
  stream: TunnelStream;
  /** the bytes the agent lets this end send on `stream` before it grants more (its window) */
  agentWindow: number;
  /** what the agent serving the session said it can do (its hello's capabilities) */
  agentCapabilities: readonly string[];
  /** marks the session row closed (or failed) once; call when the stream is done */
  finish(error?: Error): void;
}

export type RouteDeps = { db: Db; agents: AgentRegistry; log: Logger };

/**
 * Opens a session for a user on a connection: checks the user may use it in this mode, finds the agent serving it,
 * records the session, and opens a stream to the agent. The gateway never sees the target's credentials. `window`: what
 * the agent may send before credit (a stream spliced to a client's passes on the client's, at most the tunnel's own).
 */
export async function openAgentSession(
  deps: RouteDeps,
  user: UserIdentity,
  connection: string,
  mode: ConnectionMode,
  clientInfo?: Record<string, string>,
  window = STREAM_WINDOW,
): Promise<AgentSession> {
  const { db, agents, log } = deps;
  const conn = await db.connection.findUnique({ where: { orgId_name: { orgId: user.orgId, name: connection } }, include: { agent: true, policy: true } });
  if (!conn) throw new RouteError('not_found', `connection "${connection}" does not exist; run \`hoop connections\` to list yours`);
  const refusal = accessRefusal(conn.policy?.document ?? null, conn.policy?.name ?? 'default', user, mode, conn.name);
  if (refusal) throw new RouteError('forbidden', refusal);
  // the model API is reached in mode claude alone, and mode claude reaches nothing else (its access list is its own)
  if ((mode === 'claude') !== (conn.type === 'anthropic'))
    throw new RouteError(
      'wrong_mode',
      mode === 'claude'
        ? `connection "${conn.name}" is not a model API connection`
        : `connection "${conn.name}" serves Claude Code's model API requests only (hoop claude)`,
    );
  if (!conn.agent) throw new RouteError('no_agent', `connection "${conn.name}" has no agent assigned; an admin can assign one in the web app`);
  const link = agents.get(conn.agent.id);
  if (!link) {
    const seen = conn.agent.lastSeenAt ? `last seen ${conn.agent.lastSeenAt.toISOString()}` : 'never seen';
    throw new RouteError('agent_offline', `agent "${conn.agent.name}" serving "${conn.name}" is offline (${seen}); start it or ask an admin`);
  }
  if (Date.now() - link.lastPong > ONLINE_WINDOW_MS)
    throw new RouteError('agent_offline', `agent "${conn.agent.name}" serving "${conn.name}" stopped answering heartbeats`);
  let grant: AgentSession['grant'] = null;
  if (mode === 'connect' && reviewRules(conn.policy)?.settings.access.required) {
    const g = await activeGrant(db, user.id, conn.id);
    if (!g?.grantExpiresAt) {
      throw new RouteError(
        'approval_required',
        `${BLOCKED_PREFIX}: connecting to "${conn.name}" needs an approved access request; ` +
          `\`hoop connect ${conn.name} --duration 30m --reason "…"\` asks for one`,
      );
    }
    grant = { reviewId: g.id, expiresAt: g.grantExpiresAt };
  }
  const limits = policyLimits(conn.policy?.document ?? null);
  const data = { orgId: user.orgId, userId: user.id, connectionId: conn.id, agentId: conn.agent.id, mode, clientInfo: clientInfo ?? {} };
  const session =
    mode !== 'mcp'
      ? await db.session.create({ data })
      : // counted in the database, so the limit holds across gateways; one call of a user on a connection is counted
        // at a time (a lock held to the end of the transaction), so concurrent calls cannot all pass the count
        await db.$transaction(
          async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`mcp-calls:${user.id}:${conn.id}`}))`;
            const recent = await tx.session.count({
              where: { userId: user.id, connectionId: conn.id, mode: 'mcp', startedAt: { gt: new Date(Date.now() - 60_000) } },
            });
            if (recent >= limits.callsPerMinute)
              throw new RouteError(
                'rate_limited',
                `${BLOCKED_PREFIX}: at most ${limits.callsPerMinute} agent calls a minute on "${conn.name}"; wait a little and try again`,
              );
            return tx.session.create({ data });
          },
          { maxWait: 15_000, timeout: 15_000 },
        );
  // a kubernetes connection makes each request as the user: their groups (and roles, as hoop:<role>) go with them
  const groups =
    conn.type === 'kubernetes'
      ? [
          ...(await db.groupMember.findMany({ where: { userId: user.id }, select: { group: { select: { name: true } } } })).map((m) => m.group.name),
          ...user.roles.map((r) => `hoop:${r}`),
        ]
      : undefined;
  let opened;
  try {
    opened = await link.tunnel.openStream(
      {
        connection: conn.name,
        connectionId: conn.id,
        sessionId: session.id,
        mode,
        user: { id: user.id, email: user.email, name: user.name, ...(groups ? { groups } : {}) },
        clientInfo,
      },
      undefined,
      Math.min(window, STREAM_WINDOW),
    );
  } catch (err) {
    const e = err as Error;
    await db.session.update({ where: { id: session.id }, data: { status: 'failed', error: e.message, endedAt: new Date() } });
    throw new RouteError(err instanceof OpenError ? err.code : 'agent_error', e.message);
  }
  link.sessions.add(session.id);
  let finished = false;
  log.info('session opened', { session: session.id, user: user.email, connection: conn.name, mode });
  return {
    sessionId: session.id,
    connectionType: conn.type,
    limits: { maxRows: limits.maxRows, maxBytes: limits.maxBytes },
    grant,
    stream: opened.stream,
    agentWindow: Math.min(opened.opened.window, STREAM_WINDOW),
    agentCapabilities: link.capabilities,
    finish(error?: Error) {
      if (finished) return;
      finished = true;
      link.sessions.delete(session.id);
      void db.session
        .update({ where: { id: session.id }, data: { status: error ? 'failed' : 'closed', error: error?.message ?? null, endedAt: new Date() } })
        .catch((e: Error) => log.warn('could not close session row', { session: session.id, error: e.message }));
    },
  };
}

/** A client's stream to a connection: open the agent session and splice the two streams frame by frame. */
export async function routeClientStream(deps: RouteDeps, user: UserIdentity, open: IncomingOpen): Promise<void> {
  const req = open.request;
  let session: AgentSession;
  try {
    // the two streams are spliced, credit passing straight through: each end is told the window of the other
    session = await openAgentSession(deps, user, req.connection, req.mode, req.clientInfo, req.window);
  } catch (err) {
    if (err instanceof RouteError) return open.reject(err.code, err.message);
    throw err;
  }
  const clientSide = open.accept(
    {
      sessionId: session.sessionId,
      connectionType: session.connectionType as 'postgres',
      ...(req.mode === 'mcp' ? { limits: session.limits } : {}),
    },
    session.agentWindow,
  );
  clientSide.splice(session.stream);
  holdSession(deps, session, clientSide, (why) => clientSide.destroy(new Error(why)));
}

/**
 * Ties a client's side of a session (a spliced tunnel stream, or a socket of the gateway's Postgres listener) to the
 * session's agent stream: either one closing or failing ends both and the session row, and a session under an access
 * grant ends when the grant does (its time is up, or it is revoked). `endClient` tells the client why, its own way;
 * `closeClient` closes it once the session is over (a socket lets what it still holds drain first).
 */
export function holdSession(
  deps: RouteDeps,
  session: AgentSession,
  clientSide: Duplex,
  endClient: (why: string) => void,
  closeClient: () => void = () => clientSide.destroy(),
): void {
  const agentStream = session.stream;
  const finish = (error?: Error) => {
    closeClient();
    agentStream.destroy();
    session.finish(error);
  };
  clientSide.once('close', () => finish());
  agentStream.once('close', () => finish());
  if (session.grant) {
    const { reviewId, expiresAt } = session.grant;
    const end = (why: string) => {
      deps.log.info('ending session: access grant over', { session: session.sessionId, review: reviewId, why });
      endClient(why);
      agentStream.destroy();
      session.finish();
    };
    const timer = setTimeout(() => end(`the access grant ended at ${expiresAt.toISOString()}`), Math.max(0, expiresAt.getTime() - Date.now()));
    const sessions = grantSessions.get(reviewId) ?? new Set();
    grantSessions.set(reviewId, sessions);
    sessions.add(end);
    // a revocation between the grant's lookup and this registration found nothing to end: look once more, now that
    // a revocation would find this session
    deps.db.review.findUnique({ where: { id: reviewId }, select: { status: true } }).then(
      (r) => {
        if (r?.status !== 'approved') end('the access grant was revoked');
      },
      (err: Error) => deps.log.warn('could not check the access grant again', { session: session.sessionId, error: err.message }),
    );
    clientSide.once('close', () => {
      clearTimeout(timer);
      sessions.delete(end);
      if (sessions.size === 0) grantSessions.delete(reviewId);
    });
  }
  clientSide.once('error', (e) => finish(e));
  agentStream.once('error', (e) => finish(e));
}

export type { Tunnel };

/** Sessions running under an access grant, by review id, so revoking the grant ends them. */
const grantSessions = new Map<string, Set<(why: string) => void>>();

export function endGrantSessions(reviewId: string, why: string): void {
  for (const end of [...(grantSessions.get(reviewId) ?? [])]) end(why);
}
