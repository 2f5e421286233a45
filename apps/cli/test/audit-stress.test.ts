import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, startSshd, type TestSshd, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import { MachineLoad, StressClients } from './stress-clients';

/**
 * A few hundred sessions of every mode, 30 at a time, while busy loops load the machine and the agent is killed with
 * SIGKILL and started again, and then the gateway is: Postgres clients through `hoop connect`, `hoop exec`, MCP
 * `run_query` over the gateway's HTTP endpoint; OpenSSH clients through `hoop connect` to an `ssh` connection (a
 * private sshd) and to a `command` connection (a shell on the agent host), `hoop exec` and MCP `run_command` on them.
 * Afterwards the trail must verify (what `hoop audit verify` runs), and every statement and command a client saw
 * complete must be recorded exactly once.
 */

const PG_SESSIONS = 300;
const STATEMENTS = 3;
const MCP_CALLS = 30;
const EXECS = 6;
/**
 * ssh clients through `hoop connect`, to the ssh connection and to the command connection, each running a few lines.
 * Fewer reach the private sshd: each of its logins starts the account's shell with its start-up files, which costs
 * a second or more of a loaded machine.
 */
const SSH_SESSIONS = 10;
const BOX_SESSIONS = 20;
const SHELL_LINES = 4;
/** MCP run_command calls, one in four on the ssh connection */
const MCP_COMMANDS = 20;
const BOX_EXECS = 3;
/**
 * a `hoop exec` whose result did not come (the stack was down, or the loaded machine starved its start) runs again
 * later with a marker of its own, while none of its kind got through
 */
const EXEC_ATTEMPTS = 3;
/** sessions at once: each holds a connection to the target, on a server other tests share */
const CONCURRENCY = 30;
/** busy loops that load the machine (2 cores) while the sessions run and the stack crashes */
const BUSY_LOOPS = 1;
/** without OpenSSH (announced by `npm test`), the ssh clients and the ssh connection are left out, and the run says so */
const noSsh = skipWithout('sshd', 'ssh');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let sshd: TestSshd | null = null;
const machine = new MachineLoad();

beforeAll(async () => {
  target = await createTargetDatabase('auditstress');
  stack = await startTestStack();
  await stack.addPostgresConnection('stress', target.url);
  await stack.addConnection('stress-box', 'command', { shell: ['bash', '--noprofile', '--norc'], exec: ['bash', '--noprofile', '--norc', '-c', '{}'] });
  if (!noSsh) {
    sshd = await startSshd();
    const config = sshd.target;
    await stack.addConnection('stress-ssh', 'ssh', config, sshd.privateKey);
  }
  await stack.startAgent();
});

afterAll(async () => {
  machine.stop();
  await stack?.stop();
  await sshd?.stop();
  await target?.drop();
});

/** resolves once the gateway answers with its agent connected */
let serving: Promise<unknown> | null = null;
function stackServing(): Promise<unknown> {
  serving ??= waitFor(
    'the gateway to serve with its agent',
    async () => {
      const res = await fetch(`${stack.gatewayUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      return ((await res.json()) as { agents: number }).agents > 0 ? true : null;
    },
    { timeoutMs: 90_000 },
  ).finally(() => (serving = null));
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

/** the sessions whose audit frames the agent still keeps in its spool, and which events they hold */
async function spooled(dir: string): Promise<string> {
  const files = await readdir(dir);
  return files
    .map((f) => {
      const frames = readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { seq: number; event: { type: string } });
      return `${f}: ${frames.map((x) => `${x.seq} ${x.event.type}`).join(', ')}`;
    })
    .join('\n');
}

describe('audit trail under load and crashes', () => {
  it('verifies after hundreds of concurrent sessions of every mode with the machine loaded, ' +
    'the agent killed and the gateway restarted, each statement and command recorded once', async () => {
    const clients = new StressClients(stack);
    const { done, sent } = clients;
    const proxy = await stack.connect('stress');
    const sshProxy = noSsh ? null : await stack.connect('stress-ssh');
    const boxProxy = noSsh ? null : await stack.connect('stress-box');
    const kinds = ['pg', 'mcp', 'exec', 'mcpbox', 'boxexec', ...(noSsh ? [] : ['ssh', 'box', 'mcpssh'])];
    const jobs: (() => Promise<boolean>)[] = [];
    const retried =
      (kind: string, run: (n: string) => Promise<boolean>, i: number, attempt = 0): (() => Promise<boolean>) =>
      async () => {
        const ok = await run(`${i}_${attempt}`);
        if (clients.completed(kind) === 0 && attempt + 1 < EXEC_ATTEMPTS) jobs.push(retried(kind, run, i, attempt + 1));
        return ok;
      };
    // interleaved, so every kind runs through both crashes
    const every = (count: number, i: number, offset = 0) => (i + offset) % (PG_SESSIONS / count) === 0;
    for (let i = 0; i < PG_SESSIONS; i++) {
      jobs.push(() => clients.pgSession(proxy.url, i, STATEMENTS));
      if (every(MCP_CALLS, i)) jobs.push(() => clients.mcpQuery('stress', i));
      if (every(EXECS, i)) jobs.push(retried('exec', (n) => clients.execQuery('stress', n), i));
      if (every(BOX_EXECS, i, PG_SESSIONS / BOX_EXECS / 2)) jobs.push(retried('boxexec', (n) => clients.execCommand('stress-box', 'boxexec', n), i));
      if (every(MCP_COMMANDS, i)) {
        const onSsh = !noSsh && (i / (PG_SESSIONS / MCP_COMMANDS)) % 4 === 1;
        jobs.push(onSsh ? () => clients.mcpCommand('stress-ssh', 'mcpssh', i) : () => clients.mcpCommand('stress-box', 'mcpbox', i));
      }
      if (sshProxy && every(SSH_SESSIONS, i, 1)) jobs.push(() => clients.sshSession(sshProxy.port, 'ssh', i, SHELL_LINES));
      if (boxProxy && every(BOX_SESSIONS, i, 2)) jobs.push(() => clients.sshSession(boxProxy.port, 'box', i, SHELL_LINES));
    }
    clients.begin();
    machine.start(BUSY_LOOPS);
    let finished = 0;
    const reached = (share: number) =>
      waitFor(`${Math.round(share * 100)}% of the sessions`, async () => (finished >= jobs.length * share ? true : null), { timeoutMs: 120_000 });
    let crashedGatewayLog = '';
    const crashes = (async () => {
      await reached(0.25);
      clients.note('agent killed (SIGKILL)');
      await stack.agent!.stop('SIGKILL');
      await stack.startAgent();
      clients.note('agent started');
      await reached(0.6);
      clients.note('gateway killed (SIGKILL)');
      crashedGatewayLog = stack.gateway.output();
      await stack.crashGateway();
      clients.note('gateway started');
    })();
    let loopsRunning = 0;
    let loadCpu = 0;
    try {
      await runAll(jobs, CONCURRENCY, () => finished++);
      await crashes;
    } finally {
      loopsRunning = machine.running();
      loadCpu = machine.stop();
    }
    // the machine stayed loaded all along: no busy loop ended early
    expect(loopsRunning).toBe(BUSY_LOOPS);
    await proxy.stop();
    await sshProxy?.stop();
    await boxProxy?.stop();
    clients.note('load done');
    const why = () => clients.timeline.join('\n');

    // everything the agent spooled is acknowledged: its spool folder empties once each session ended and was stored
    const spool = path.join(path.dirname(stack.configFile), 'agent', 'audit-spool');
    await waitFor('the agent to have every audit frame acknowledged', async () => ((await readdir(spool)).length === 0 ? true : null), {
      timeoutMs: 60_000,
      service: stack.agent!,
    }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nstill spooled:\n${await spooled(spool)}`);
    });

    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, `${verify.stdout}${verify.stderr}\n${why()}`).toBe(0);
    expect(verify.stdout).toMatch(/audit trail intact/);
    // every session with events starts with its session.open (verify checks that the seqs run whole from 0)
    const headless = await stack.db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT s.id::text AS id FROM sessions s WHERE s.event_count > 0 AND NOT EXISTS (SELECT 1 ` +
        `FROM audit_events e WHERE e.session_id = s.id AND e.seq = 0 AND e.type = 'session.open')`,
    );
    expect(headless).toEqual([]);

    // the statements of the database sessions and the command lines of the shell sessions, by marker
    const rows = await stack.db.$queryRawUnsafe<{ marker: string; n: number }[]>(
      `SELECT substring(t.text from 'mk_([a-z]+_[0-9_]+)') AS marker, count(*)::int AS n
         FROM (SELECT CASE type WHEN 'statement' THEN data->>'sql' ELSE data->>'command' END AS text FROM audit_events WHERE type IN ('statement', 'command')) t
        WHERE t.text LIKE '%mk\\_%' GROUP BY 1`,
    );
    const recorded = new Map(rows.map((r) => [r.marker, r.n]));
    expect(
      [...recorded].filter(([, n]) => n !== 1),
      why(),
    ).toEqual([]);
    expect([...recorded.keys()].filter((m) => !sent.has(m))).toEqual([]);
    expect(
      [...done].filter((m) => !recorded.has(m)),
      why(),
    ).toEqual([]);
    // no frame reached a gateway with other content than the one stored at its seq
    const gatewayLog = crashedGatewayLog + stack.gateway.output();
    expect(gatewayLog).not.toMatch(/differs from the event stored/);

    // the load was real: most sessions of each kind ran whole despite the crashes
    const completed = (kind: string) => clients.completed(kind);
    expect(completed('pg'), why()).toBeGreaterThan(PG_SESSIONS * STATEMENTS * 0.6);
    expect(completed('mcp'), why()).toBeGreaterThan(MCP_CALLS / 3);
    expect(completed('exec'), why()).toBeGreaterThan(0);
    expect(completed('boxexec'), why()).toBeGreaterThan(0);
    expect(completed('mcpbox') + completed('mcpssh'), why()).toBeGreaterThan(MCP_COMMANDS / 3);
    if (!noSsh) {
      // few and long sessions: each one a crash cuts off is a larger share
      expect(completed('ssh'), why()).toBeGreaterThan((SSH_SESSIONS * SHELL_LINES) / 3);
      expect(completed('box'), why()).toBeGreaterThan(BOX_SESSIONS * SHELL_LINES * 0.6);
      expect(completed('mcpssh'), why()).toBeGreaterThan(0);
    }
    const sessions = await stack.db.session.count({ where: { orgId: stack.orgId } });
    expect(sessions).toBeGreaterThan(PG_SESSIONS * 0.8);
    const statements = [...recorded.keys()].filter((m) => /^(pg|mcp|exec)_/.test(m)).length;
    const count = (re: RegExp) => (gatewayLog.match(re) ?? []).length;
    process.stdout.write(
      `audit stress: ${sessions} sessions; completed ${kinds.map((k) => `${k} ${completed(k)}`).join(', ')} of ${sent.size} sent; ` +
        `recorded ${statements} statements, ${recorded.size - statements} commands${noSsh ? '; ssh clients left out (no OpenSSH)' : ''}; ` +
        `${BUSY_LOOPS} busy loop(s) used ${loadCpu.toFixed(1)} s CPU; gateway: ${count(/dropped unacknowledged/g)} drops of held frames, ` +
        `${count(/could not check who serves/g)} failed owner look-ups; ${clients.timeline.filter((l) => !l.includes(':')).join(', ')}\n`,
    );
  }, 240_000);
});
