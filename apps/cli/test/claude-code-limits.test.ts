/**
 * The real Claude Code (`claude -p`) against the policy's limits on its model API through hoop: a model the allow-list
 * leaves out and a used-up daily token budget each reach the user as a clear error naming the rule, nothing of the
 * refused request reaches the scripted API, and an allowed model answers as usual.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeForTests, claudeEnv, type FakeAnthropic, type TestStack, startFakeAnthropic, startTestStack, waitFor } from '@hoop/devstack';

// skipped only when npm test announced it could not install Claude Code (and said why)
const CLAUDE = (await claudeCodeForTests()) ?? '';

let stack: TestStack;
let api: FakeAnthropic;

const policy = async (connection: string, name: string, claude: { models?: string[]; dailyTokensPerUser?: number }) => {
  const p = await stack.db.policy.create({ data: { orgId: stack.orgId, name, document: { name, version: 1, claude } } });
  await stack.db.connection.updateMany({ where: { orgId: stack.orgId, name: connection }, data: { policyId: p.id } });
};

beforeAll(async () => {
  if (!CLAUDE) return;
  api = await startFakeAnthropic();
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '500' } });
  await stack.addConnection('claude-haiku-only', 'anthropic', { baseUrl: api.url }, 'sk-ant-test');
  await stack.addConnection('claude-budget', 'anthropic', { baseUrl: api.url }, 'sk-ant-test');
  await policy('claude-haiku-only', 'haiku-only', { models: ['claude-haiku-*'] });
  await policy('claude-budget', 'small-budget', { dailyTokensPerUser: 1000 });
  await stack.startAgent();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

/** `claude -p PROMPT --model MODEL` through `connection`; never waits on a prompt (stdin is closed) */
function claude(connection: string, model: string, prompt: string): Promise<{ code: number | null; out: string }> {
  const home = mkdtempSync(path.join(tmpdir(), 'hoop-claude-home-'));
  const env = claudeEnv(home, `${stack.gatewayUrl}/anthropic/${connection}`, stack.adminToken);
  return new Promise((resolve) => {
    const child = execFile(CLAUDE, ['-p', prompt, '--model', model], { env, timeout: 90_000, cwd: home }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${String(out)}${String(err)}` }),
    );
    child.stdin?.end();
  });
}

describe.skipIf(!CLAUDE)('Claude Code against the policy limits', () => {
  it('shows a clear error for a model the allow-list leaves out, and answers with an allowed one', async () => {
    const before = api.messages().length;
    // (a model Claude Code does not remap to a newer one)
    const refused = await claude('claude-haiku-only', 'claude-sonnet-4-5', 'say something');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('hoop: model claude-sonnet-4-5 is not allowed on connection claude-haiku-only by policy haiku-only; allowed: claude-haiku-*');
    expect(
      api
        .messages()
        .slice(before)
        .some((m) => m.body.includes('claude-sonnet-4-5')),
    ).toBe(false);

    api.enqueue({ kind: 'text', text: 'haiku answered through hoop' });
    const allowed = await claude('claude-haiku-only', 'claude-haiku-4-5', 'say something');
    expect(allowed.code, allowed.out).toBe(0);
    expect(allowed.out).toContain('haiku answered through hoop');
  });

  it('shows when the daily budget resets once it is used up, without retrying', async () => {
    api.enqueue({ kind: 'text', text: 'that used the day up', usage: { input_tokens: 900, output_tokens: 100 } });
    const first = await claude('claude-budget', 'claude-haiku-4-5', 'use the budget');
    expect(first.code, first.out).toBe(0);
    const admin = await stack.db.user.findFirstOrThrow({ where: { orgId: stack.orgId, email: 'admin@test.local' } });
    await waitFor('the day to be used up', async () => {
      const rows = await stack.db.modelUsageDay.findMany({ where: { userId: admin.id } });
      return rows.reduce((n, r) => n + Number(r.inputTokens + r.outputTokens), 0) >= 1000 ? true : null;
    });
    const before = api.received.length;
    const refused = await claude('claude-budget', 'claude-haiku-4-5', 'one more');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/hoop: the daily token budget of 1,000 tokens per user on connection claude-budget \(policy small-budget\) is used up/);
    expect(refused.out).toMatch(/it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    expect(api.received.slice(before).filter((r) => r.url.startsWith('/v1/messages')).length).toBe(0);
  });
});
