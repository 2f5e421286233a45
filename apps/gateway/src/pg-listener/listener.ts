import net from 'node:net';
import type tls from 'node:tls';
import { loginSourceKey } from '@hoop/core/cli-login/login-requests';
import { acceptPostgres, type FrontDoorResult } from '@hoop/pgfront';
import { errorResponse } from '@hoop/pgwire';
import type { UserIdentity } from '../auth';
import { type AgentSession, holdSession, openAgentSession, RouteError, type RouteDeps } from '../client-link/routing';
import { scramCandidates, tokenUsed } from './accounts';
import { AuthAttempts } from './attempts';
import { backendKeyWatcher } from './backend-key';
import { CancelKeys } from './cancel-keys';
import type { ListenerCertificate } from './certificate';

export interface PgListenerOptions {
  host: string;
  port: number;
  certificate: ListenerCertificate;
  /** a failed login is answered this long after its startup message, whatever failed */
  failDelayMs: number;
  /** failed logins of one source within `failureWindowMs` after which it is refused for a while */
  maxFailures: number;
  failureWindowMs: number;
  handshakeTimeoutMs?: number;
  /** this gateway's id in `gateways`: its sessions' cancel keys are shared with the other gateways under it */
  gatewayId?: string;
}

export interface PgListener {
  port: number;
  close(): Promise<void>;
}

/** SQLSTATEs a Postgres client expects for the gateway's routing refusals. */
const ROUTE_SQLSTATE: Record<string, string> = {
  not_found: '3D000',
  forbidden: '42501',
  approval_required: '42501',
  no_agent: '57P03',
  agent_offline: '57P03',
  rate_limited: '53300',
};

const fatal = (code: string, message: string, hint?: string) => errorResponse({ severity: 'FATAL', code, message, ...(hint ? { hint } : {}) });

/** Ends a socket once what it holds is written, and for good a while later if the client does not close it. */
function closeSoon(s: net.Socket): void {
  if (s.destroyed) return;
  s.end();
  setTimeout(() => s.destroy(), 10_000).unref();
}

/**
 * The gateway's Postgres listener: `postgres://<e-mail or service account>@gateway:15432/<connection>` with a hoop token
 * as the password. The front door (@hoop/pgfront) requires TLS and checks the token with SCRAM-SHA-256 against the
 * verifiers of the user's tokens; the database name picks the connection, opened as `hoop connect` opens it (the same
 * access checks, agent, guard, review, masking and audit); the startup message then goes to the agent, which answers
 * it after logging into the target, and the two sides are relayed to each other as they are read. A cancel request
 * reaches the agent session whose BackendKeyData it carries.
 */
export async function startPgListener(deps: RouteDeps, o: PgListenerOptions): Promise<PgListener> {
  const { db, log } = deps;
  const attempts = new AuthAttempts(o.maxFailures, o.failureWindowMs);
  /** the sessions' cancel keys (as the agent made them): who may cancel there, and on which connection (any gateway's) */
  const cancelKeys = new CancelKeys(db, o.gatewayId ?? null, log);

  const serve = async (socket: net.Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const peer = `${ip}:${socket.remotePort}`;
    const source = loginSourceKey(ip);
    if (!attempts.beginHandshake(source)) {
      socket.end(fatal('53300', `too many connections from ${ip} are still logging in; try again later`));
      return;
    }
    let owners: UserIdentity[] = [];
    let checked = false;
    let result: FrontDoorResult;
    try {
      result = await acceptPostgres(socket, {
        tls: o.certificate.context,
        requireTls: true,
        failDelayMs: o.failDelayMs,
        timeoutMs: o.handshakeTimeoutMs,
        authenticate: async (info) => {
          const wait = attempts.blockedFor(source);
          if (wait > 0) return { method: 'refuse', code: '28000', message: `too many failed authentication attempts from ${ip}; try again in ${wait} s` };
          checked = true;
          try {
            const found = await scramCandidates(db, info.user);
            owners = found.owners;
            return { method: 'scram', salt: found.salt, iterations: 4096, verifiers: found.verifiers };
          } catch (err) {
            log.error('postgres login: cannot read the tokens', { error: (err as Error).message });
            checked = false;
            return { method: 'refuse', code: '08006', message: 'hoop cannot reach its database right now; try again shortly' };
          }
        },
      });
    } finally {
      attempts.endHandshake(source);
    }
    if (result.kind === 'cancel') return cancel(result.processId, result.secretKey, result.raw, socket, peer);
    if (result.kind === 'closed') {
      // a client that leaves before sending a proof learnt nothing: only a checked proof (or a stalled one) counts
      if (checked && !/^client (disconnected|connection failed)/.test(result.reason)) {
        attempts.failed(source);
        log.info('postgres login refused', { peer, reason: result.reason.replace(/user ".*"$/s, 'user') });
      }
      return;
    }
    const user = result.verifierIndex === null ? undefined : owners[result.verifierIndex];
    const s = result.socket;
    s.on('error', () => undefined);
    if (!user) return void s.end(fatal('28000', 'authentication did not name a token'));
    tokenUsed(db, user.tokenId);
    const connection = result.info.database;
    const application = result.info.params.application_name?.slice(0, 63);
    let session: AgentSession;
    try {
      session = await openAgentSession(deps, user, connection, 'connect', { client: 'pg listener', peer, ...(application ? { application } : {}) });
    } catch (err) {
      if (!(err instanceof RouteError)) {
        log.error('postgres listener: could not open the session', { user: user.email, connection, error: (err as Error).message });
        return void s.end(fatal('08006', 'the gateway could not open the session; see its log'));
      }
      const notFound = err.code === 'not_found';
      const message = notFound ? `database "${connection}" does not exist` : err.message;
      const hint = notFound ? 'the database name is the name of a hoop connection: `hoop connections` lists yours' : undefined;
      log.info('postgres listener: session refused', { user: user.email, connection: connection.slice(0, 100), code: err.code });
      return void s.end(fatal(ROUTE_SQLSTATE[err.code] ?? '08006', message, hint));
    }
    const agent = session.stream;
    log.info('postgres listener session', { session: session.sessionId, user: user.email, connection, peer });
    let key: string | null = null;
    // the socket and the agent's stream relayed to each other as they are read, without stream pipes (stream.ts)
    agent.relaySocket(
      s,
      result.pending.length ? Buffer.concat([result.startup, result.pending]) : result.startup,
      backendKeyWatcher((processId, secretKey) => {
        key = `${processId}:${secretKey}`;
        cancelKeys.set(key, { user, connection });
      }),
    );
    s.once('close', () => key && cancelKeys.delete(key));
    holdSession(
      deps,
      session,
      s,
      (why) => {
        agent.unrelaySocket();
        s.end(fatal('57P01', `terminating connection: ${why}`));
      },
      () => closeSoon(s),
    );
  };

  /** A cancel request, forwarded as `hoop connect` forwards one: on a stream of its own to the session's agent. */
  const cancel = async (processId: number, secretKey: number, raw: Buffer, socket: net.Socket | tls.TLSSocket, peer: string) => {
    socket.destroy();
    const target = await cancelKeys.get(`${processId}:${secretKey}`).catch((err: Error) => {
      log.warn('postgres listener: cancel key look-up failed', { error: err.message });
      return null;
    });
    // an unknown key cancels nothing, silently, as Postgres does
    if (!target) return;
    let session: AgentSession;
    try {
      session = await openAgentSession(deps, target.user, target.connection, 'connect', { client: 'pg listener', peer, purpose: 'cancel' });
    } catch (err) {
      log.warn('postgres listener: cancel request not forwarded', { connection: target.connection, error: (err as Error).message });
      return;
    }
    const done = (error?: Error) => session.finish(error);
    session.stream.once('close', () => done());
    session.stream.once('error', (e) => done(e));
    session.stream.resume();
    session.stream.end(raw);
  };

  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    serve(socket).catch((err: Error) => {
      log.error('postgres listener: connection failed', { error: err.message });
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`HOOP_GATEWAY_PG_PORT: port ${o.port} on ${o.host} is in use; pick another, or set it to off`)
          : new Error(`HOOP_GATEWAY_PG_PORT: cannot listen on ${o.host}:${o.port}: ${err.message}`),
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // sessions end with the gateway, as the clients' tunnels do
        for (const c of connections) c.destroy();
      }),
  };
}
