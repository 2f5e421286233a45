import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

/**
 * A few hundred sessions of three kinds (Postgres clients through `hoop connect`, `hoop exec`, MCP tool calls over the
 * gateway's HTTP endpoint), 30 at a time, while the agent is killed with SIGKILL and started again, and then the
 * gateway is. Afterwards the trail must verify (what `hoop audit verify` runs), and every statement a client saw
 * complete must be recorded exactly once.
 */

const PG_SESSIONS = 300;
const STATEMENTS = 3;
const MCP_CALLS = 30;
const EXECS = 6;
/** sessions at once: each holds a connection to the target, on a server other tests share */
const CONCURRENCY = 30;

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  target = await createTargetDatabase('auditstress');
  stack = await startTestStack();
  await stack.addPostgresConnection('stress', target.url);
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

/** each statement carries a marker of its own; `done` holds those whose result reached the client */
const sent = new Set<string>();
const done = new Set<string>();
/** why jobs failed, with the time since the load began (shown when an expectation fails) */
const timeline: string[] = [];
let loadStart = Date.now();
const note = (what: string) => timeline.push(`${((Date.now() - loadStart) / 1000).toFixed(1)}s ${what}`);

const sql = (marker: string) => {
  sent.add(marker);
  return `select 'mk_${marker}' as marker`;
};

async function pgSession(url: string, n: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000, query_timeout: 15_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (let k = 0; k < STATEMENTS; k++) {
      const marker = `pg_${n}_${k}`;
      const r = await client.query(sql(marker));
      if (r.rows[0]?.marker === `mk_${marker}`) done.add(marker);
    }
    await client.end();
    return true;
  } catch (err) {
    note(`pg ${n}: ${(err as Error).message}`);
    await client.end().catch(() => undefined);
    return false;
  }
}

async function mcpCall(n: number): Promise<boolean> {
  const c = new McpClient({ name: 'stress', version: '1.0.0' });
  try {
    await c.connect(new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${stack.adminToken}` } } }), { timeout: 15_000 });
    const marker = `mcp_${n}`;
    // a call cut off by the gateway's crash is given up on like a client would, not after the SDK's minute
    const r = (await c.callTool({ name: 'run_query', arguments: { connection: 'stress', sql: sql(marker) } }, undefined, { timeout: 15_000 })) as { isError?: boolean; content?: { text?: string }[]; structuredContent?: { rows?: unknown[][] } };
    if (r.isError) note(`mcp ${n}: ${r.content?.[0]?.text}`);
    else if (r.structuredContent?.rows?.[0]?.[0] === `mk_${marker}`) done.add(marker);
    return !r.isError;
  } catch (err) {
    note(`mcp ${n}: ${(err as Error).message}`);
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

async function execCall(n: number): Promise<boolean> {
  const marker = `exec_${n}`;
  const r = await stack.cli(['exec', 'stress', '-i', sql(marker)], { timeoutMs: 30_000 });
  if (r.code === 0 && r.stdout.includes(`mk_${marker}`)) done.add(marker);
  else note(`exec ${n}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.code === 0;
}

/** resolves once the gateway answers with its agent connected */
let serving: Promise<unknown> | null = null;
function stackServing(): Promise<unknown> {
  serving ??= waitFor('the gateway to serve with its agent', async () => {
    const res = await fetch(`${stack.gatewayUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { agents: number }).agents > 0 ? true : null;
  }, { timeoutMs: 90_000 }).finally(() => (serving = null));
  return serving;
}

/** runs jobs `concurrency` at a time; after a failed one (the agent or gateway was down) a worker waits for the stack */
async function runAll(jobs: (() => Promise<boolean>)[], concurrency: number, progress: () => void): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const ok = await jobs[next++]!();
        progress();
        if (!ok) await stackServing();
      }
    }),
  );
}

describe('audit trail under load and crashes', () => {
  it('verifies after hundreds of concurrent sessions with the agent killed and the gateway restarted, each statement recorded once', async () => {
    const proxy = await stack.connect('stress');
    loadStart = Date.now();
    const jobs: (() => Promise<boolean>)[] = [];
    // interleaved, so every kind runs through both crashes
    for (let i = 0; i < PG_SESSIONS; i++) {
      jobs.push(() => pgSession(proxy.url, i));
      if (i % (PG_SESSIONS / MCP_CALLS) === 0) jobs.push(() => mcpCall(i));
      if (i % (PG_SESSIONS / EXECS) === 0) jobs.push(() => execCall(i));
    }
    let finished = 0;
    const reached = (share: number) => waitFor(`${Math.round(share * 100)}% of the sessions`, async () => (finished >= jobs.length * share ? true : null), { timeoutMs: 120_000 });
    let crashedGatewayLog = '';
    const crashes = (async () => {
      await reached(0.25);
      note('agent killed (SIGKILL)');
      await stack.agent!.stop('SIGKILL');
      await stack.startAgent();
      note('agent started');
      await reached(0.6);
      note('gateway killed (SIGKILL)');
      crashedGatewayLog = stack.gateway.output();
      await stack.crashGateway();
      note('gateway started');
    })();
    await runAll(jobs, CONCURRENCY, () => finished++);
    await crashes;
    await proxy.stop();
    note('load done');
    const why = () => timeline.join('\n');

    // everything the agent spooled is acknowledged: its spool folder empties once each session ended and was stored
    const spool = path.join(path.dirname(stack.configFile), 'agent', 'audit-spool');
    await waitFor('the agent to have every audit frame acknowledged', async () => ((await readdir(spool)).length === 0 ? true : null), { timeoutMs: 60_000, service: stack.agent! });

    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, `${verify.stdout}${verify.stderr}\n${why()}`).toBe(0);
    expect(verify.stdout).toMatch(/audit trail intact/);
    // every session with events starts with its session.open (verify checks that the seqs run whole from 0)
    const headless = await stack.db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT s.id::text AS id FROM sessions s WHERE s.event_count > 0 AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.session_id = s.id AND e.seq = 0 AND e.type = 'session.open')`,
    );
    expect(headless).toEqual([]);

    const rows = await stack.db.$queryRawUnsafe<{ marker: string; n: number }[]>(
      `SELECT substring(data->>'sql' from 'mk_([a-z]+_[0-9_]+)') AS marker, count(*)::int AS n FROM audit_events WHERE type = 'statement' AND data->>'sql' LIKE '%mk\\_%' GROUP BY 1`,
    );
    const recorded = new Map(rows.map((r) => [r.marker, r.n]));
    expect([...recorded].filter(([, n]) => n !== 1), why()).toEqual([]);
    expect([...recorded.keys()].filter((m) => !sent.has(m))).toEqual([]);
    expect([...done].filter((m) => !recorded.has(m)), why()).toEqual([]);
    // no frame reached a gateway with other content than the one stored at its seq
    const gatewayLog = crashedGatewayLog + stack.gateway.output();
    expect(gatewayLog).not.toMatch(/differs from the event stored/);

    // the load was real: most sessions of each kind ran whole despite the crashes
    const completed = (kind: string) => [...done].filter((m) => m.startsWith(`${kind}_`)).length;
    expect(completed('pg'), why()).toBeGreaterThan(PG_SESSIONS * STATEMENTS * 0.6);
    expect(completed('mcp'), why()).toBeGreaterThan(MCP_CALLS / 3);
    expect(completed('exec'), why()).toBeGreaterThan(0);
    const sessions = await stack.db.session.count({ where: { orgId: stack.orgId } });
    expect(sessions).toBeGreaterThan(PG_SESSIONS * 0.8);
    process.stdout.write(
      `audit stress: ${sessions} sessions; statements completed pg ${completed('pg')}, mcp ${completed('mcp')}, exec ${completed('exec')} of ${sent.size} sent, ${recorded.size} recorded; gateway: ${(gatewayLog.match(/dropped unacknowledged/g) ?? []).length} drops of held frames, ${(gatewayLog.match(/could not check who serves/g) ?? []).length} failed owner look-ups; ${timeline.filter((l) => !l.includes(':')).join(', ')}\n`,
    );
  }, 240_000);
});
