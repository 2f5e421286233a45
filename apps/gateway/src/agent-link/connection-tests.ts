import { hostname } from 'node:os';
import { claimConnectionTest, type Db, finishConnectionTest, pendingConnectionTests, type Prisma } from '@hoop/db';
import type { Logger } from '@hoop/log';
import type { ProbeResult } from '@hoop/protocol';
import type { AgentRegistry } from './registry';
import type { ProbeBroker } from './probes';

/**
 * Runs the connection tests asked for in the database (see packages/db/src/connection-tests.ts) whose agent this
 * gateway holds: claims the request, has the agent test the connection as it is stored now, stores the answer.
 */
export class ConnectionTestRunner {
  /** this gateway, as named in the requests it runs */
  readonly name = `${hostname()}/${process.pid}`;

  constructor(
    private readonly db: Db,
    private readonly agents: AgentRegistry,
    private readonly probes: ProbeBroker,
    private readonly log: Logger,
  ) {}

  /** a `hoop_connection_test` notification: a request id, or `'*'` after notifications may have been missed */
  async requested(id: string): Promise<void> {
    if (id === '*') {
      const held = this.agents.all().map((l) => l.identity.id);
      if (held.length === 0) return;
      for (const r of await pendingConnectionTests(this.db, held)) void this.run(r.id);
      return;
    }
    if (!/^[0-9a-f-]{36}$/i.test(id)) return;
    const row = await this.db.connectionTest.findUnique({ where: { id }, select: { status: true, agentId: true } });
    if (row?.status === 'pending' && this.agents.get(row.agentId)) await this.run(id);
  }

  private async run(id: string): Promise<void> {
    const claim = await claimConnectionTest(this.db, id, this.name);
    if (!claim) return;
    let result: ProbeResult;
    try {
      result = await this.probe(claim.connectionId, claim.agentId);
    } catch (err) {
      this.log.error('connection test failed', { test: id, error: (err as Error).message });
      result = { ok: false, code: 'gateway_error', summary: 'the gateway could not run the test; see its log', latencyMs: 0, steps: [] };
    }
    await finishConnectionTest(this.db, id, result.ok, result as unknown as Prisma.InputJsonValue);
  }

  private async probe(connectionId: string, agentId: string): Promise<ProbeResult> {
    const fail = (code: string, summary: string): ProbeResult => ({ ok: false, code, summary, latencyMs: 0, steps: [] });
    const link = this.agents.get(agentId);
    if (!link) return fail('agent_offline', 'the agent disconnected before the test started');
    const conn = await this.db.connection.findUnique({ where: { id: connectionId }, include: { policy: true } });
    if (!conn) return fail('not_found', 'the connection was deleted meanwhile');
    if (conn.agentId !== agentId) return fail('agent_changed', 'the connection was given to another agent meanwhile: test it again');
    const result = await this.probes.ask(link, this.agents.agentConnection(conn));
    this.log.info('connection tested', { connection: conn.name, agent: link.identity.name, ok: result.ok, code: result.code, ms: result.latencyMs });
    return result;
  }
}
