/**
 * Claude Code's limits and figures in the web app: an admin edits a policy's Claude Code section (masking, tool rules,
 * models, a daily token budget; a wrong budget is shown by its field), saves it, and the gateway refuses a model the
 * allow-list leaves out at once; the dashboard shows each user's tokens, blocked tool calls and refusals per model.
 */
import { expect, type Page, test } from '@playwright/test';
import { recordSession } from '@hoop/core/testing';
import { type FakeAnthropic, startFakeAnthropic, type TestStack } from '@hoop/devstack';
import { startWebStack, stopWebStack, type WebStack } from './web-steps';

let ws: WebStack;
let stack: TestStack;
let api: FakeAnthropic;
let policyId: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  api = await startFakeAnthropic();
  ws = await startWebStack({
    setUp: async (s) => {
      await s.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, 'sk-ant-test');
      const policy = await s.db.policy.create({
        data: { orgId: s.orgId, name: 'claude-prod', document: { name: 'claude-prod', connections: { names: ['claude-api'], tags: [] } } },
      });
      policyId = policy.id;
      await s.db.connection.updateMany({ where: { orgId: s.orgId, name: 'claude-api' }, data: { policyId } });
    },
  });
  stack = ws.stack;
});

test.afterAll(async () => {
  await stopWebStack(ws);
  await api?.stop();
});

const openAsAdmin = (page: Page, where: string) => ws.openAsAdmin(page, where);

const ask = (model: string) =>
  fetch(`${stack.gatewayUrl}/anthropic/claude-api/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });

/** types `value` into a chips field and adds it */
async function addChip(page: Page, field: string, value: string) {
  const input = page.locator(`#${field}`);
  await input.fill(value);
  await input.press('Enter');
}

test('an admin edits the Claude Code section; the gateway applies the saved allow-list', async ({ page }) => {
  await openAsAdmin(page, '/policies');
  await page.locator('[data-testid="policy-row"][data-name="claude-prod"]').getByRole('link', { name: 'claude-prod' }).click();
  await expect(page.getByTestId('policy-editor')).toHaveAttribute('data-mode', 'form');
  const section = page.getByTestId('policy-section-claude');
  await section.scrollIntoViewIfNeeded();
  // the defaults, as they apply to a policy that sets nothing
  await expect(section.getByRole('switch', { name: /Mask the user’s own text/ })).toBeChecked();
  await expect(section.getByRole('switch', { name: /Mask the model’s answers/ })).not.toBeChecked();
  await expect(section.locator('#claude-tool-results').locator('..')).toContainText('mcp__*');

  await section.getByRole('switch', { name: /Mask the model’s answers/ }).click();
  await addChip(page, 'claude-models', 'claude-haiku-*');
  await page.locator('#claude-daily-tokens').fill('500');
  await expect(section.getByRole('alert')).toHaveText('Must be at least 1,000.');
  await page.locator('#claude-daily-tokens').fill('250000');
  await section.getByRole('button', { name: 'Add a tool rule' }).click();
  await addChip(page, 'claude-rule-0-tools', 'WebFetch');
  await section.getByLabel('Message of rule 1').fill('no fetching from production');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('policy-saved')).toContainText('Saved version 2');

  const saved = await stack.db.policy.findUniqueOrThrow({ where: { id: policyId } });
  expect(saved.document).toMatchObject({
    claude: {
      models: ['claude-haiku-*'],
      dailyTokensPerUser: 250000,
      mask: { modelOutput: true, userText: true },
      guard: { shellTools: ['Bash'], tools: [{ tools: ['WebFetch'], action: 'deny', message: 'no fetching from production' }] },
    },
  });
  // the gateway reads the policy again within two seconds
  await expect.poll(async () => (await ask('claude-opus-4')).status, { timeout: 15_000 }).toBe(403);
  expect((await ask('claude-haiku-4-5')).status).toBe(200);
});

test('the dashboard shows tokens, blocked tool calls and refusals per user and model', async ({ page }) => {
  const admin = await stack.db.user.findFirstOrThrow({ where: { orgId: stack.orgId, email: 'admin@test.local' } });
  const conn = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'claude-api' } });
  // a conversation whose tool calls were judged, as the agent records them
  await recordSession(stack.db, {
    orgId: stack.orgId,
    userId: admin.id,
    connectionId: conn.id,
    mode: 'claude',
    events: [
      { type: 'model.request', data: { exchange: 1, model: 'claude-haiku-4-5' } },
      ...['blocked', 'rejected', 'passed'].map((outcome, i) => ({
        type: 'model.tool_use',
        data: { exchange: 1, toolUseId: `toolu_${i}`, tool: 'Bash', input: '{}', verdict: 'deny', rule: 'rm-recursive-broad', outcome },
      })),
      { type: 'model.response', data: { exchange: 1, model: 'claude-haiku-4-5', usage: { inputTokens: 1200, outputTokens: 300 } } },
    ],
  });
  await expect
    .poll(async () => (await stack.db.modelUsageDay.findMany({ where: { userId: admin.id, model: 'claude-opus-4' } }))[0]?.refused ?? 0)
    .toBeGreaterThan(0);
  await openAsAdmin(page, '/dashboard');
  const panel = page.getByTestId('chart-models');
  await panel.scrollIntoViewIfNeeded();
  const haiku = panel.getByTestId('model-usage-row').filter({ hasText: 'claude-haiku-4-5' });
  await expect(haiku).toContainText('admin@test.local');
  // 1200 + 300 recorded here, and the 42 + 7 of the request the gateway let through
  await expect(haiku.locator('[data-column="budgetTokens"]')).toHaveAttribute('title', '1,549');
  await expect(haiku.locator('[data-column="blockedToolUses"]')).toHaveText('2');
  await expect(haiku.locator('[data-column="toolUses"]')).toHaveText('3');
  const opus = panel.getByTestId('model-usage-row').filter({ hasText: 'claude-opus-4' });
  await expect(opus.locator('[data-column="refused"]')).not.toHaveText('0');
  await expect(panel.getByTestId('model-usage-total').locator('[data-column="blockedToolUses"]')).toHaveText('2');
});
