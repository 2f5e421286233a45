import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSshd, type TestSshd, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';
import { skipWithout } from '@hoop/devstack/tools';
import { eachLimited, type LongSession, Markers, mcpSession, pgSession, psqlSession, sshRun } from './gateway-clients';

/**
 * Three gateways (separate processes) behind HAProxy, two agents given only the load balancer's address, one database.
 * Many long sessions of each kind are pinned to each gateway (node-postgres through `hoop connect` and straight to the
 * gateway's Postgres listener, psql, MCP over HTTP, OpenSSH through `hoop connect`); one gateway is killed with
 * SIGKILL while they run. No session on the other gateways may fail; each of the dead one's fails with an error and
 * its client, coming again through the load balancer, is served at once; the trail verifies, every statement a client
 * saw answered recorded exactly once (frames spooled for the dead gateway's sessions arrive through another).
 */

const GATEWAYS = 3;
const VICTIM = 1;
/**
 * per gateway: node-postgres through hoop connect, node-postgres to the listener, psql to the listener, MCP clients:
 * 201 sessions, the "200 concurrent sessions" the several-gateways design is held to, each kind on every gateway and
 * on both agents' connections.
 */
const PER_GATEWAY = { connect: 26, listener: 20, psql: 6, mcp: 15 };
const SESSIONS = GATEWAYS * (PER_GATEWAY.connect + PER_GATEWAY.listener + PER_GATEWAY.psql + PER_GATEWAY.mcp);
const ROUNDS = 4;
/** OpenSSH sessions per gateway (a private sshd as the target), when OpenSSH is there */
const SSH_PER_GATEWAY = 3;
// needs an OpenSSH server and the ssh client: npm test installs them (openssh-server, openssh-client); skipped only where it could not and said so
const noSsh = skipWithout('sshd', 'ssh');
// needs HAProxy and psql: npm test installs them (haproxy, postgresql-client); skipped only where it could not and said so
const noTools = skipWithout('haproxy', 'psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let sshd: TestSshd | null = null;
let caCert = '';
/** the MCP clients act as several users: a policy allows each user 60 agent calls a minute on a connection (counted across gateways) */
let mcpTokens: string[] = [];
let otherAgent: { id: string; service: import('@hoop/devstack').Service };
const CONNS = ['gw-one', 'gw-two'];

beforeAll(async () => {
  // a target of its own: the sessions hold ~200 connections at once, more than the shared test server allows
  target = await startEmbeddedPostgres({
    dir: await mkdtemp(path.join(tmpdir(), 'hoop-gw-target-')),
    port: await freePort(),
    password: 'target-pw',
    maxConnections: 400,
  });
  stack = await startTestStack({ gateways: GATEWAYS });
  await stack.addPostgresConnection('gw-one', target.url('postgres'));
  if (!noSsh) {
    sshd = await startSshd();
    await stack.addConnection('gw-ssh', 'ssh', sshd.target, sshd.privateKey);
  }
  await stack.startAgent();
  otherAgent = await stack.startOtherAgent('second-agent');
  await stack.addPostgresConnection('gw-two', target.url('postgres'), { agentId: otherAgent.id, sealed: true });
  await stack.notifyConfigChanged();
  await stack.fleet!.waitAgents(2);
  const rows = await stack.db.$queryRawUnsafe<{ ca_cert: string }[]>('SELECT ca_cert FROM gateway_certificates LIMIT 1');
  caCert = rows[0]!.ca_cert;
  mcpTokens = await Promise.all(Array.from({ length: PER_GATEWAY.mcp }, async () => (await stack.addUser({ role: 'admin' })).token));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await sshd?.stop();
  await target?.stop();
});

const fleet = () => stack.fleet!;
const pinned = (g: number) => ({ HOOP_GATEWAY_URL: stack.fleet!.gateways[g]!.url, HOOP_TOKEN: stack.adminToken });
const listenerConfig = (port: number, conn: string): pg.ClientConfig => ({
  host: '127.0.0.1',
  port,
  user: 'admin@test.local',
  password: stack.adminToken,
  database: conn,
  ssl: { ca: caCert, servername: 'localhost' },
});
const psqlUrl = (port: number, conn: string) =>
  `postgres://${encodeURIComponent('admin@test.local')}@localhost:${port}/${conn}?hostaddr=127.0.0.1&sslmode=require`;

describe.skipIf(noTools)('several gateways behind a load balancer', () => {
  it('the agents, given the load balancer, hold a tunnel to every gateway; each gateway reaches either agent', async () => {
    const live = await stack.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM gateways');
    expect(live[0]!.n).toBe(GATEWAYS);
    // every pair at once: each is a hoop exec of its own, waiting mostly on the network
    const pairs = Array.from({ length: GATEWAYS }, (_, g) => CONNS.map((conn) => ({ g, conn }))).flat();
    const runs = await Promise.all(pairs.map(({ g, conn }) => stack.cli(['exec', conn, '-i', `select 'via-${g}-${conn}' as v`], { env: pinned(g) })));
    pairs.forEach(({ g, conn }, i) => {
      expect(runs[i]!.code, `gateway ${g}, ${conn}: ${runs[i]!.stderr}`).toBe(0);
      expect(runs[i]!.stdout).toContain(`via-${g}-${conn}`);
    });
  }, 120_000);

  it("a query cancelled through another gateway's Postgres listener than the one serving its session is cancelled", async () => {
    const [a, b] = [fleet().gateways[0]!, fleet().gateways[2]!];
    const client = new pg.Client(listenerConfig(a.pgPort!, 'gw-one'));
    await client.connect();
    try {
      const sleeping = client.query('select pg_sleep(60)').then(
        () => null,
        (err: Error & { code?: string }) => err,
      );
      const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
      await waitFor('the query to run on the target', async () => {
        const r = await stack.cli(['exec', 'gw-two', '-i', "select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(60)'"]);
        return /\b1\b/.test(r.stdout) ? true : null;
      });
      // as libpq sends it: a CancelRequest on a connection of its own, here to the other gateway
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(80877102, 4);
      packet.writeInt32BE(processID, 8);
      packet.writeInt32BE(secretKey, 12);
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect(b.pgPort!, '127.0.0.1', () => sock.end(packet));
        sock.on('close', () => resolve());
        sock.on('error', reject);
      });
      const err = await sleeping;
      expect(err?.code).toBe('57014');
      // the cancel request's own session is recorded and closed like any other
      await waitFor("the cancel request's session to close", async () => {
        const rows = await stack.db.$queryRawUnsafe<{ open: number; closed: number }[]>(
          "SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'closed')::int AS closed " +
            "FROM sessions WHERE client_info->>'purpose' = 'cancel'",
        );
        return rows[0]!.open === 0 && rows[0]!.closed === 1 ? true : null;
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }, 120_000);

  it(`kill -9 of one gateway amid ${SESSIONS} concurrent sessions: the others' sessions go on, the dead one's clients get an error and are served \
again at once, the trail is whole`, async () => {
    const m = new Markers();
    const fleet = stack.fleet!;
    const proxies = await Promise.all(
      Array.from({ length: GATEWAYS }, (_, g) => Promise.all(CONNS.map((c) => stack.connect(c, { env: pinned(g), noPassword: true })))),
    );
    const sshProxies = noSsh ? [] : await Promise.all(Array.from({ length: GATEWAYS }, (_, g) => stack.connect('gw-ssh', { env: pinned(g) })));
    const lbProxies = await Promise.all(CONNS.map((c) => stack.connect(c, { noPassword: true })));
    const sessions: LongSession[] = [];
    for (let g = 0; g < GATEWAYS; g++) {
      const gw = fleet.gateways[g]!;
      for (let i = 0; i < PER_GATEWAY.connect; i++) {
        const proxy = proxies[g]![i % 2]!;
        sessions.push(pgSession(m, 'connect', g, `${g}_${i}`, { connectionString: proxy.url }));
      }
      for (let i = 0; i < PER_GATEWAY.listener; i++) sessions.push(pgSession(m, 'listener', g, `${g}_${i}`, listenerConfig(gw.pgPort!, CONNS[i % 2]!)));
      for (let i = 0; i < PER_GATEWAY.psql; i++)
        sessions.push(psqlSession(m, g, `${g}_${i}`, psqlUrl(gw.pgPort!, CONNS[i % 2]!), { PGPASSWORD: stack.adminToken }));
      for (let i = 0; i < PER_GATEWAY.mcp; i++) sessions.push(mcpSession(m, g, `${g}_${i}`, gw.url, mcpTokens[i]!, CONNS[i % 2]!));
    }
    const failed = new Map<LongSession, string>();
    const run = async (what: (s: LongSession) => Promise<void>, onDone?: (n: number) => void, limit = sessions.length) => {
      let n = 0;
      const live = sessions.filter((s) => !failed.has(s));
      const errors = await eachLimited(live, limit, async (s) => {
        try {
          await what(s);
        } finally {
          onDone?.(++n);
        }
      });
      errors.forEach((e, i) => e && failed.set(live[i]!, `${live[i]!.kind}@${live[i]!.gateway}: ${e.message}`));
    };
    // each gateway loads its MCP server on its first request: once, before the clients come (the gateways side by side)
    await Promise.all(
      fleet.gateways.map(async (gw, g) => {
        const warm = mcpSession(m, g, `warm_${g}`, gw.url, stack.adminToken, CONNS[0]!);
        await warm.open();
        await warm.close();
      }),
    );
    const started = Date.now();
    // the sessions open a dozen at a time (logins are not what this is about), then all run their statements at once
    await run((s) => s.open(), undefined, 12);
    expect([...failed.values()]).toEqual([]);
    await run((s) => s.step(0));
    expect([...failed.values()]).toEqual([]);

    // round 1 is under way on every session when the gateway dies: some statements in flight, some answered, some not yet sent
    let killed: Promise<void> | null = null;
    let sshRuns: Promise<(Error | null)[]> = Promise.resolve([]);
    const sshJobs = sshProxies.flatMap((p, g) => Array.from({ length: SSH_PER_GATEWAY }, (_, i) => ({ g, port: p.port, id: `${g}_${i}` })));
    const live1 = sessions.length;
    await run(
      (s) => s.step(1),
      (n) => {
        if (n === 1) sshRuns = eachLimited(sshJobs, sshJobs.length, (j) => sshRun(m, j.port, j.id, 3));
        if (n === Math.floor(live1 / 2)) killed ??= fleet.kill(VICTIM);
      },
    );
    await killed;
    const killedAt = Date.now();
    for (let round = 2; round < ROUNDS; round++) await run((s) => s.step(round));
    const sshErrors = await sshRuns;

    // no session of the other gateways failed; every session of the dead one did, with the error its client saw
    const others = [...failed].filter(([s]) => s.gateway !== VICTIM).map(([, why]) => why);
    expect(others).toEqual([]);
    expect(sshErrors.filter((e, i) => e && sshJobs[i]!.g !== VICTIM).map((e) => e!.message)).toEqual([]);
    const victims = sessions.filter((s) => s.gateway === VICTIM);
    expect(victims.filter((s) => !failed.has(s)).map((s) => s.kind)).toEqual([]);
    for (const s of victims) expect(failed.get(s)).toMatch(/\S/);
    // hoop connect said so, and will open new sessions on a new connection to its gateway
    for (const p of proxies[VICTIM]!)
      await waitFor('hoop connect to say its gateway is gone', async () => (/gateway connection lost/.test(p.output()) ? true : null));

    // the dead one's clients come again through the load balancer: each is served at once, at the first try (through a
    // hoop connect to the load balancer started before the kill: if its tunnel was on the dead gateway, it reconnects)
    const again: LongSession[] = victims.map((s, i) => {
      const conn = CONNS[i % 2]!;
      const id = `again_${i}`;
      if (s.kind === 'connect') return pgSession(m, 'connect', -1, id, { connectionString: lbProxies[i % 2]!.url });
      if (s.kind === 'listener') return pgSession(m, 'listener', -1, id, listenerConfig(stack.pgPort, conn));
      if (s.kind === 'psql') return psqlSession(m, -1, id, psqlUrl(stack.pgPort, conn), { PGPASSWORD: stack.adminToken });
      return mcpSession(m, -1, id, stack.gatewayUrl, mcpTokens[i % mcpTokens.length]!, conn);
    });
    const reconnectErrors = await eachLimited(again, again.length, async (s) => {
      await s.open();
      await s.step(0);
    });
    expect(reconnectErrors.filter(Boolean).map((e) => e!.message)).toEqual([]);
    const servedAgainMs = Date.now() - killedAt;

    // the dead gateway leaves the live list; the agents drop it
    await waitFor('the dead gateway to expire', async () => {
      const r = await stack.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM gateways');
      return r[0]!.n === GATEWAYS - 1 ? true : null;
    });
    for (const agent of [stack.agent!, otherAgent.service])
      await waitFor('the agent to drop the dead gateway', async () => (/no longer live; dropping it/.test(agent.output()) ? true : null), {
        timeoutMs: 20_000,
      });

    await Promise.all([...sessions, ...again].map((s) => s.close()));
    await Promise.all([...proxies.flat(), ...sshProxies, ...lbProxies].map((p) => p.stop()));

    // every frame spooled by both agents is acknowledged, those of the dead gateway's sessions through another gateway
    const spools = [
      path.join(path.dirname(stack.configFile), 'agent', 'audit-spool'),
      path.join(path.dirname(stack.configFile), 'agent-second-agent', 'audit-spool'),
    ];
    for (const spool of spools)
      await waitFor('the agent to have every audit frame acknowledged', async () => ((await readdir(spool)).length === 0 ? true : null), {
        timeoutMs: 60_000,
      }).catch(async (err: Error) => {
        const files = await readdir(spool);
        const frames = files.map(
          (f) =>
            `${f}: ${readFileSync(path.join(spool, f), 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => {
                const x = JSON.parse(l) as { seq: number; event: { type: string } };
                return `${x.seq} ${x.event.type}`;
              })
              .join(', ')}`,
        );
        const gatewayLines = fleet.gateways.flatMap((g) =>
          g.service
            .output()
            .split('\n')
            .filter((l) => /audit|could not check|session/.test(l) && /warn|error/.test(l))
            .slice(-20),
        );
        const agentLines = [stack.agent!, otherAgent.service].flatMap((a) =>
          a
            .output()
            .split('\n')
            .filter((l) => /warn|error/.test(l))
            .slice(-20),
        );
        throw new Error(`${err.message}\nstill spooled:\n${frames.join('\n')}\ngateways:\n${gatewayLines.join('\n')}\nagents:\n${agentLines.join('\n')}`);
      });
    // a session whose gateway died is closed by its stored session.close, an update made after that frame's
    // acknowledgement went out: so an empty spool comes just before the last rows are closed
    await waitFor(
      'every session row closed',
      async () => ((await stack.db.session.count({ where: { orgId: stack.orgId, status: 'open' } })) === 0 ? true : null),
      { timeoutMs: 15_000 },
    ).catch(async (err: Error) => {
      const open = await stack.db.session.findMany({ where: { orgId: stack.orgId, status: 'open' }, select: { id: true, mode: true, startedAt: true } });
      throw new Error(`${err.message}: ${JSON.stringify(open)}`);
    });
    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit trail intact/);
    const rows = await stack.db.$queryRawUnsafe<{ marker: string; n: number }[]>(
      `SELECT substring(t.text from 'mk_([a-z]+_[a-z0-9_]+)') AS marker, count(*)::int AS n
         FROM (SELECT CASE type WHEN 'statement' THEN data->>'sql' ELSE data->>'command' END AS text FROM audit_events
               WHERE type IN ('statement', 'command')) t WHERE t.text LIKE '%mk\\_%' GROUP BY 1`,
    );
    const recorded = new Map(rows.map((r) => [r.marker, r.n]));
    expect([...recorded].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...recorded.keys()].filter((x) => !m.sent.has(x))).toEqual([]);
    expect([...m.done].filter((x) => !recorded.has(x))).toEqual([]);
    const logs = fleet.gateways.map((g) => g.service.output()).join('\n');
    expect(logs).not.toMatch(/differs from the event stored/);
    process.stdout.write(
      `gateways: ${sessions.length} concurrent sessions (${Object.entries(PER_GATEWAY)
        .map(([k, v]) => `${k} ${v * GATEWAYS}`)
        .join(', ')}${noSsh ? ', no OpenSSH' : `, ssh ${sshJobs.length}`}) over ${GATEWAYS} gateways, ${ROUNDS} rounds; ` +
        `${failed.size} failed, all on the killed gateway; ${again.length} served again through the load balancer ${servedAgainMs} ms after the kill; ` +
        `${recorded.size} statements recorded once each; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }, 300_000);

  it("a gateway started again is dialed by both agents; a rotated key closes that agent's tunnels on every gateway", async () => {
    await fleet().restart(VICTIM);
    await fleet().waitAgents(2);
    const g = fleet().gateways[VICTIM]!;
    const r = await stack.cli(['exec', 'gw-two', '-i', "select 'back' as v"], { env: pinned(VICTIM) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('back');

    await stack.rotateAgentKey(otherAgent.id);
    for (const gw of fleet().gateways)
      await waitFor(`gateway ${gw.index} to close the rotated agent's tunnel`, async () => {
        const res = await fetch(`${gw.url}/healthz`, { signal: AbortSignal.timeout(2000) });
        return ((await res.json()) as { agents: number }).agents === 1 ? true : null;
      });
    await waitFor('the agent to say its key was revoked', async () =>
      /key was revoked|refused HOOP_AGENT_KEY/.test(otherAgent.service.output()) ? true : null,
    );
    const refused = await stack.cli(['exec', 'gw-two', '-i', 'select 1'], { env: pinned(g.index) });
    expect(refused.code).not.toBe(0);
  }, 120_000);

  it('a held statement whose gateway dies re-attaches to its review through another gateway, and runs once approved', async () => {
    const file = path.join(path.dirname(stack.configFile), 'review-policy.json');
    const policy = {
      name: 'gw-reviewed',
      connections: { names: ['gw-one'] },
      guardrails: { rules: [{ id: 'schema-change', action: 'review', message: 'schema changes need a reviewer', match: { kinds: ['ddl'] } }] },
      review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
    };
    writeFileSync(file, JSON.stringify(policy));
    const applied = await stack.cli(['policy', 'apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    const dev = await stack.addUser({ role: 'developer' });
    const reviewer = await stack.addUser({ role: 'reviewer' });
    // through the load balancer, as a user runs it
    const run = stack.spawnCli(['exec', 'gw-one', '-i', 'create table held_across_gateways (id int)'], { token: dev.token });
    const id = await waitFor('the waiting line', async () => /waiting for approval: \S+\/reviews\/([0-9a-f-]{36})/.exec(run.output())?.[1] ?? null);
    const review = await stack.db.review.findUniqueOrThrow({ where: { id } });
    // the gateway that holds it: the one whose log has its session
    const holder = fleet().gateways.find((g) => g.service.output().includes(review.sessionId!))!;
    expect(holder).toBeDefined();
    await fleet().kill(holder.index);
    await waitFor('exec to re-attach through another gateway', async () => {
      const r = await stack.db.review.findUniqueOrThrow({ where: { id } });
      return r.sessionId !== review.sessionId ? true : null;
    });
    await stack.vote(id, reviewer, 'approve');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/re-attaching to review/);
    // the table is there: the statement ran (once: a second create would have failed, and there is one review)
    const ran = await stack.cli(['exec', 'gw-one', '-i', 'select count(*) as n from held_across_gateways']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(await stack.db.review.count({ where: { statement: { contains: 'held_across_gateways' } } })).toBe(1);
  }, 120_000);
});
