import type { Db } from './client';
import type { Prisma } from './generated/client/index.js';

/**
 * Connection tests through the database, so that whoever asks (the web app, or a gateway serving `POST
 * /api/connections/:name/test`) needs no line to the gateway that holds the agent's tunnel, and several gateways can
 * run side by side: the asker writes a request row and NOTIFYs `hoop_connection_test` with its id; each gateway
 * LISTENs, and the one holding the agent claims the row (an UPDATE … WHERE status = 'pending', so exactly one does),
 * has the agent test the target and stores the report; the asker polls the row. Only a process that can write this
 * database can ask, which the web app and the gateways already are.
 */

export const CONNECTION_TEST_CHANNEL = 'hoop_connection_test';

export const CONNECTION_TEST = {
  /** a gateway claims a request within this time, or none holds the agent's tunnel */
  claimMs: 3_000,
  /** after the claim: the agent's own limit (10 s, PROBE_TIMEOUT_MS) and the way back */
  answerMs: 13_000,
  pollMs: 100,
  keepDays: 7,
  /** an agent whose last heartbeat is older is offline (as everywhere else) */
  onlineWindowMs: 15_000,
} as const;

export interface ConnectionTestAgent {
  id: string;
  name: string;
  connectedAt: Date | null;
  lastSeenAt: Date | null;
}

export interface ConnectionTestOutcome {
  /**
   * done: the agent answered (`result`, which may report a failure of the target); no_agent: the connection has none;
   * agent_offline: no recent heartbeat, so nothing was asked; no_gateway: no gateway took the request (none runs, or
   * none holds the agent's tunnel); timeout: a gateway took it but no answer came in time.
   */
  state: 'done' | 'no_agent' | 'agent_offline' | 'no_gateway' | 'timeout';
  /** the request row, when one was written */
  id: string | null;
  agent: { id: string; name: string } | null;
  /** the gateway instance that ran it */
  gateway: string | null;
  /** the agent's report, a ProbeResult of @hoop/protocol (validate it there), when state is done */
  result: unknown;
  /** what happened, in a sentence, for every state but done */
  message: string;
  /** from the request to the outcome */
  ms: number;
}

const ago = (ms: number) =>
  ms < 90_000 ? `${Math.round(ms / 1000)} s` : ms < 5_400_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;

export async function runConnectionTest(
  db: Db,
  req: { orgId: string; connectionId: string; agent: ConnectionTestAgent | null; requestedBy: string | null },
  opts: { claimMs?: number; answerMs?: number /** the moment heartbeats are judged against */; now?: Date } = {},
): Promise<ConnectionTestOutcome> {
  const started = Date.now();
  const base = { id: null, gateway: null, result: null };
  const { agent } = req;
  if (!agent) return { ...base, state: 'no_agent', agent: null, message: 'no agent serves this connection, so nothing can reach the target', ms: 0 };
  const who = { id: agent.id, name: agent.name };
  const seen = agent.lastSeenAt ? (opts.now?.getTime() ?? started) - agent.lastSeenAt.getTime() : null;
  if (!agent.connectedAt || seen === null || seen > CONNECTION_TEST.onlineWindowMs) {
    const when = seen === null ? 'it has never connected' : `its last heartbeat was ${ago(seen)} ago`;
    return {
      ...base,
      state: 'agent_offline',
      agent: who,
      message: `agent “${agent.name}” is offline (${when}), so the target was not tested: start the agent, or check that it reaches the gateway`,
      ms: 0,
    };
  }

  await db.connectionTest.deleteMany({ where: { createdAt: { lt: new Date(started - CONNECTION_TEST.keepDays * 86_400_000) } } });
  const row = await db.connectionTest.create({
    data: { orgId: req.orgId, connectionId: req.connectionId, agentId: agent.id, requestedBy: req.requestedBy },
    select: { id: true },
  });
  await db.$executeRaw`SELECT pg_notify(${CONNECTION_TEST_CHANNEL}, ${row.id})`;

  const claimBy = started + (opts.claimMs ?? CONNECTION_TEST.claimMs);
  let answerBy = Infinity;
  for (;;) {
    await new Promise((r) => setTimeout(r, CONNECTION_TEST.pollMs));
    const now = Date.now();
    const t = await db.connectionTest.findUnique({ where: { id: row.id }, select: { status: true, gateway: true, result: true, claimedAt: true } });
    if (!t)
      return {
        ...base,
        id: row.id,
        state: 'timeout',
        agent: who,
        message: 'the test request disappeared (the connection was deleted meanwhile?)',
        ms: now - started,
      };
    if (t.status === 'done') return { id: row.id, state: 'done', agent: who, gateway: t.gateway, result: t.result, message: '', ms: now - started };
    if (t.status === 'running' && answerBy === Infinity) answerBy = now + (opts.answerMs ?? CONNECTION_TEST.answerMs);
    if (t.status === 'pending' && now >= claimBy) {
      // only if still unclaimed: a gateway that claims it in the same instant wins
      const { count } = await db.connectionTest.updateMany({ where: { id: row.id, status: 'pending' }, data: { status: 'abandoned', finishedAt: new Date() } });
      if (count === 1) {
        return {
          ...base,
          id: row.id,
          state: 'no_gateway',
          agent: who,
          message:
            `no gateway took the test within ${(opts.claimMs ?? CONNECTION_TEST.claimMs) / 1000} s: ` +
            `none is running, or none holds the tunnel of agent “${agent.name}” (it may just have disconnected)`,
          ms: now - started,
        };
      }
    }
    if (now >= answerBy) {
      return {
        ...base,
        id: row.id,
        state: 'timeout',
        agent: who,
        gateway: t.gateway,
        message: `gateway ${t.gateway ?? '?'} asked agent “${agent.name}” but no answer came within ${(opts.answerMs ?? CONNECTION_TEST.answerMs) / 1000} s`,
        ms: now - started,
      };
    }
  }
}

/** A gateway takes a pending request; null when another one did, or the asker gave up. */
export async function claimConnectionTest(db: Db, id: string, gateway: string) {
  const { count } = await db.connectionTest.updateMany({
    where: { id, status: 'pending' },
    data: { status: 'running', gateway: gateway.slice(0, 200), claimedAt: new Date() },
  });
  if (count === 0) return null;
  return db.connectionTest.findUnique({ where: { id }, select: { id: true, orgId: true, connectionId: true, agentId: true } });
}

/** Requests waiting for a gateway, for these agents (after a gateway missed notifications). */
export function pendingConnectionTests(db: Db, agentIds: string[]) {
  return db.connectionTest.findMany({
    where: { status: 'pending', agentId: { in: agentIds }, createdAt: { gt: new Date(Date.now() - CONNECTION_TEST.claimMs) } },
    select: { id: true, agentId: true },
  });
}

export async function finishConnectionTest(db: Db, id: string, ok: boolean, result: Prisma.InputJsonValue): Promise<void> {
  await db.connectionTest.updateMany({ where: { id, status: 'running' }, data: { status: 'done', ok, result, finishedAt: new Date() } });
}
