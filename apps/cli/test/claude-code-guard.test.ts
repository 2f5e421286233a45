/**
 * What the model asks to run, guarded, with the real Claude Code (`claude -p`): the scripted model asks Bash to
 * `rm -rf` a marker directory, which the policy denies — the directory is still there, Claude Code got the refusal
 * (its next request carries it back to the model), and the trail holds the blocked call; a command whose rule says
 * review is held, the answer kept alive, until a reviewer decides over the gateway's API — approved, it runs once;
 * rejected, never.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeForTests, claudeEnv, type FakeAnthropic, type StackUser, type TestStack, startFakeAnthropic, startTestStack, waitFor } from '@hoop/devstack';

// skipped only when npm test announced it could not install Claude Code (and said why)
const CLAUDE = (await claudeCodeForTests()) ?? '';

let stack: TestStack;
let api: FakeAnthropic;
let rita: StackUser;

const POLICY = {
  name: 'claude-guarded',
  connections: { names: ['claude-api'] },
  guardrails: {
    shell: {
      rules: [
        { id: 'no-rm', action: 'deny', message: 'deleting files is not allowed through Claude Code', match: { commands: ['rm'] } },
        { id: 'review-tee', action: 'review', message: 'writing with tee needs a reviewer', match: { commands: ['tee'] } },
      ],
    },
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

beforeAll(async () => {
  if (!CLAUDE) return;
  api = await startFakeAnthropic();
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '500' } });
  await stack.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, 'sk-ant-api03-guard-test');
  rita = await stack.addUser({ role: 'reviewer', email: 'rita@test.local' });
  const file = `${stack.configFile}.claude-policy.json`;
  writeFileSync(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

function claude(args: string[], home: string): Promise<{ code: number | null; out: string; err: string }> {
  const env = claudeEnv(home, `${stack.gatewayUrl}/anthropic/claude-api`, stack.adminToken);
  return new Promise((resolve) => {
    const child = execFile(CLAUDE, args, { env, timeout: 120_000, cwd: home }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) }),
    );
    child.stdin?.end();
  });
}

const home = () => mkdtempSync(path.join(tmpdir(), 'hoop-claude-guard-'));

/** the `model.tool_use` events of the trail */
async function toolUses(): Promise<Record<string, unknown>[]> {
  const events = await stack.db.auditEvent.findMany({ where: { type: 'model.tool_use' }, orderBy: { id: 'asc' } });
  return events.map((e) => e.data as Record<string, unknown>);
}

/** the pending review whose statement holds `like` */
function pendingReview(like: string) {
  return waitFor(
    `a pending review for ${like}`,
    async () => (await stack.db.review.findMany({ where: { status: 'pending', statement: { contains: like } } }))[0] ?? null,
    { timeoutMs: 60_000 },
  );
}

/** a reviewer's decision through the gateway's JSON API, as `hoop reviews approve|reject` sends it */
async function decide(reviewId: string, decision: 'approve' | 'reject') {
  const res = await fetch(`${stack.gatewayUrl}/api/reviews/${reviewId}/${decision}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rita.token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

// the real Claude Code CLI drives these: skipped only where npm test could not install it, and said why (CLAUDE above)
describe.skipIf(!CLAUDE)('tool calls the model asks for, guarded by hoop', () => {
  it('a denied rm -rf never reaches the laptop: the directory stays, Claude Code gets the refusal, the trail holds it', async () => {
    const h = home();
    const marker = path.join(h, 'keep-me');
    mkdirSync(marker);
    writeFileSync(path.join(marker, 'data.txt'), 'precious');
    const command = `rm -rf ${marker}`;
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command, description: 'remove the marker' }, text: 'I will delete the marker directory.' });
    const r = await claude(['-p', 'clean up the marker', '--allowedTools', 'Bash'], h);
    expect(r.code, r.err + r.out).toBe(0);
    expect(existsSync(path.join(marker, 'data.txt'))).toBe(true);
    expect(r.out).toContain('blocked by hoop guardrail "no-rm"');

    // the next turn of the conversation carries the refusal back to the model, and no tool result
    const before = api.messages().length;
    api.enqueue({ kind: 'text', text: 'understood' });
    const next = await claude(['-p', '--continue', 'why did that not work?', '--allowedTools', 'Bash'], h);
    expect(next.code, next.err + next.out).toBe(0);
    const sent = api.messages().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    const body = sent.at(-1)!.body;
    expect(body).toContain('blocked by hoop guardrail \\"no-rm\\": deleting files is not allowed through Claude Code');
    expect(body).toContain(`so it did not run: ${command}`);
    expect(body).not.toContain('"tool_result"');
    expect(existsSync(marker)).toBe(true);

    const blocked = await waitFor('the blocked call in the trail', async () => (await toolUses()).find((t) => t.outcome === 'blocked') ?? null);
    expect(blocked).toMatchObject({ tool: 'Bash', verdict: 'deny', rule: 'no-rm', outcome: 'blocked' });
    expect(String(blocked.input)).toContain(command);
    expect(blocked.toolUseId).toMatch(/^toolu_/);
  });

  it('a reviewed command waits while the answer is kept alive, and runs exactly once when approved', async () => {
    const h = home();
    const counter = path.join(h, 'approved.txt');
    const command = `echo ran | tee -a ${counter}`;
    const intent = 'I need to record that the job ran.';
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command, description: 'record' }, text: intent }, { kind: 'text', text: 'recorded it' });
    const run = claude(['-p', 'record the run', '--allowedTools', 'Bash'], h);
    const review = await pendingReview(counter);
    expect(review.statement).toContain(command);
    expect(review.statement).toContain(intent);
    expect(review.ruleId).toBe('review-tee');
    expect(existsSync(counter)).toBe(false);
    await decide(review.id, 'approve');
    const r = await run;
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('recorded it');
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    await waitFor('the approved call in the trail', async () => (await toolUses()).find((t) => t.outcome === 'approved') ?? null);
  });

  it('a reviewed command that is rejected never runs, and Claude Code is told why', async () => {
    const h = home();
    const counter = path.join(h, 'rejected.txt');
    const command = `echo ran | tee -a ${counter}`;
    api.enqueue({ kind: 'tool_use', name: 'Bash', input: { command, description: 'record' }, text: 'Recording the run.' });
    const run = claude(['-p', 'record the run', '--allowedTools', 'Bash'], h);
    const review = await pendingReview(counter);
    await decide(review.id, 'reject');
    const r = await run;
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain(`not approved by hoop review: review ${review.id} was rejected by rita@test.local`);
    expect(existsSync(counter)).toBe(false);
    const rejected = await waitFor('the rejected call in the trail', async () => (await toolUses()).find((t) => t.outcome === 'rejected') ?? null);
    expect(rejected).toMatchObject({ verdict: 'review', rule: 'review-tee', reviewId: review.id });
  });
});
