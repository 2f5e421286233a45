/**
 * A model API (anthropic) connection from the web app: an admin adds it in the connection form with the org's key as a
 * stored secret, Test has the agent ask the API for its models with that key, and a Claude Code request through the
 * gateway reaches the API with the sealed key (the scripted Anthropic-compatible API of the test kit records it).
 */
import { randomBytes } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { decryptSecret, parseEncryptionKey } from '@hoop/db';
import { type FakeAnthropic, startFakeAnthropic, type TestStack } from '@hoop/devstack';
import { startWebStack, stopWebStack, type WebStack } from './web-steps';

const KEY = `sk-ant-api03-${randomBytes(12).toString('hex')}`;

let ws: WebStack;
let stack: TestStack;
let api: FakeAnthropic;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  api = await startFakeAnthropic();
  ws = await startWebStack();
  stack = ws.stack;
});

test.afterAll(async () => {
  await stopWebStack(ws);
  await api?.stop();
});

const openAsAdmin = (page: Page, where: string) => ws.openAsAdmin(page, where);

test('an admin adds a model API connection with the org key; Test and a Claude Code request reach the API with it', async ({ page }) => {
  await openAsAdmin(page, '/connections/new');
  const form = page.getByTestId('connection-form');
  await form.getByRole('radio', { name: /Claude \(model API\)/ }).click();
  await expect(form.getByLabel('API base URL')).toHaveValue('https://api.anthropic.com');
  await form.getByLabel('Name').fill('claude-api');
  await form.getByLabel('API base URL').fill('ftp://nowhere');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form.locator('#an-base-url')).toHaveAttribute('aria-invalid', 'true');
  expect(await stack.db.connection.count({ where: { name: 'claude-api' } })).toBe(0);

  await form.getByLabel('API base URL').fill(api.url);
  await form.getByLabel('Stored API key').fill(KEY);
  await form.getByLabel('Agent', { exact: true }).selectOption({ label: 'test-agent · online' });
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?created=1$/);
  expect(await page.content()).not.toContain(KEY);
  const stored = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'claude-api' } });
  expect(stored).toMatchObject({ type: 'anthropic', secretRef: 'stored', config: { baseUrl: api.url } });
  expect(decryptSecret(stored.secretEncrypted!, parseEncryptionKey(stack.encryptionKey))).toBe(KEY);

  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const report = page.getByTestId('connection-test-result');
  await expect(report).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(report.locator('[data-check="target"]')).toHaveAttribute('data-status', 'pass');
  await expect(report.locator('[data-testid="connection-target-step"][data-step="login"]')).toHaveAttribute('data-status', 'pass');
  expect(api.received.some((r) => r.url === '/v1/models' && r.headers['x-api-key'] === KEY)).toBe(true);

  const res = await fetch(`${stack.gatewayUrl}/anthropic/claude-api/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-scripted-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  expect(api.messages().at(-1)!.headers['x-api-key']).toBe(KEY);
});
