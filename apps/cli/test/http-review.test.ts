/**
 * hoop exec on an http connection when a request is held for review: the review link is printed and the request
 * kept, `hoop exec --review ID` re-attaches to it (pending or approved) and runs it once, a gateway restart while it
 * waits is survived, a rejection ends it with exit code 4 — as for Postgres and MySQL.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StackUser, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { startTestApi } from './http-target';

const POLICY = {
  name: 'refunds-reviewed',
  connections: { names: ['billing-api'] },
  http: { rules: [{ id: 'big-refunds', action: 'review', match: { methods: ['POST'], paths: ['/v1/refunds'], body: [{ field: 'amount', above: 1000 }] } }] },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let stack: TestStack;
let api: Awaited<ReturnType<typeof startTestApi>>;
let dev: StackUser;
let rita: StackUser;

beforeAll(async () => {
  api = await startTestApi();
  stack = await startTestStack();
  await stack.addConnection('billing-api', 'http', { baseUrl: api.url, authType: 'bearer' }, 'sk_agent_only');
  dev = await stack.addUser({ role: 'developer', email: 'dev@test.local' });
  rita = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = `${stack.configFile}.policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await api?.close();
});

const refund = (amount: number, note: string) => `POST /v1/refunds\ncontent-type: application/json\n\n{"amount": ${amount}, "note": "${note}"}`;
const exec = (args: string[]) => stack.spawnCli(['exec', 'billing-api', ...args], { token: dev.token });
const sent = (note: string) => api.seen.filter((s) => s.body.includes(note)).length;
/** the review id once exec prints where the request waits */
const waitingOn = (run: ReturnType<typeof exec>) =>
  waitFor(
    'the waiting line',
    async () => {
      const m = /waiting for approval: (\S+\/reviews\/([0-9a-f-]{36}))/.exec(run.output());
      return m ? { url: m[1]!, id: m[2]! } : null;
    },
    { timeoutMs: 30_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; hoop exec printed:\n${run.output()}\n── gateway ──\n${stack.gateway.output().slice(-4000)}`);
  });

describe('hoop exec --review on an http connection', () => {
  it('prints the review link; a later --review ID runs the kept request once approved, and only that one', async () => {
    const first = exec(['-i', refund(5000, 'dup charge 1')]);
    const { url, id } = await waitingOn(first);
    expect(url).toMatch(/^http:\/\/localhost:3999\/reviews\//);
    expect(await stack.db.review.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'pending', ruleId: 'big-refunds' });
    first.kill('SIGINT');
    await first.done;
    await stack.vote(id, rita, 'approve');
    expect(sent('dup charge 1')).toBe(0);

    // the request is recalled from where exec kept it: no -i needed
    const again = await exec(['--review', id]).done;
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ method: 'POST', body: '{"amount": 5000, "note": "dup charge 1"}' });
    expect(sent('dup charge 1')).toBe(1);

    const replay = await exec(['--review', id, '-i', refund(5000, 'dup charge 1')]).done;
    expect(replay.code).toBe(4);
    expect(replay.stdout).toMatch(/its approval was already used/);
    const other = await exec(['--review', id, '-i', refund(9000, 'dup charge 1')]).done;
    expect(other.code).toBe(4);
    expect(other.stdout).toMatch(/requested for a different statement/);
    expect(sent('dup charge 1')).toBe(1);
  });

  it('re-attaches to a review still pending, and runs it once approved', async () => {
    const first = exec(['-i', refund(7000, 'dup charge 2')]);
    const { id } = await waitingOn(first);
    // killed the moment it says it waits: the request is kept on disk before that line is shown
    first.kill('SIGKILL');
    await first.done;
    const again = exec(['--review', id]);
    expect((await waitingOn(again)).id).toBe(id);
    await stack.vote(id, rita, 'approve');
    const r = await again.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ body: '{"amount": 7000, "note": "dup charge 2"}' });
    expect(r.stderr).toContain(`approved: review ${id}`);
    expect(sent('dup charge 2')).toBe(1);
    expect(await stack.db.review.count({ where: { statement: { contains: 'dup charge 2' } } })).toBe(1);
  });

  it('survives a gateway restart while pending: exec re-attaches to the same review, which runs once', async () => {
    const run = exec(['-i', refund(6000, 'dup charge 4')]);
    const { id } = await waitingOn(run);
    const before = await stack.db.review.findUniqueOrThrow({ where: { id } });
    await stack.crashGateway();
    await waitFor(
      'exec to re-attach through the new gateway',
      async () => ((await stack.db.review.findUniqueOrThrow({ where: { id } })).sessionId !== before.sessionId ? true : null),
      { timeoutMs: 60_000 },
    );
    await stack.vote(id, rita, 'approve');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/re-attaching to review/);
    expect(sent('dup charge 4')).toBe(1);
  });

  it("a rejection ends the wait with exit code 4 and the reviewer's words", async () => {
    const run = exec(['-i', refund(8000, 'dup charge 3')]);
    const { id } = await waitingOn(run);
    await stack.vote(id, rita, 'reject', 'not a duplicate');
    const r = await run.done;
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/not approved by hoop review: review [0-9a-f-]+ was rejected[\s\S]*not a duplicate/);
    expect(sent('dup charge 3')).toBe(0);
  });

  it('hoop sessions lists http sessions with their requests, and hoop sessions get says how each was answered', async () => {
    const list = await stack.cli(['sessions', '--connection', 'billing-api']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/\bREQUESTS\b/);
    // the rejected refund: one request, held for review
    expect(list.stdout).toMatch(/dev@test\.local +billing-api +exec +closed +\d+ +1 request \(1 reviewed\)/);
    const json = JSON.parse((await stack.cli(['sessions', '--connection', 'billing-api', '-o', 'json'])).stdout) as { id: string; http: unknown }[];
    expect(json.every((s) => s.http !== null)).toBe(true);
    const timelines: string[] = [];
    for (const s of json) {
      const got = await stack.cli(['sessions', 'get', s.id]);
      expect(got.code, got.stderr).toBe(0);
      timelines.push(got.stdout);
    }
    expect(timelines.some((t) => /statement +APPROVED .*POST \/v1\/refunds +→ 200 \d+ bytes \d+ ms/.test(t))).toBe(true);
  });
});
