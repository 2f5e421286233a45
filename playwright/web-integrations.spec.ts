/**
 * The Integrations page against the real stack: an admin sets up the org's Slack app and a webhook in the browser, and
 * the gateway (started with the same HOOP_ENCRYPTION_KEY) opens what the web app sealed: it posts a blocked statement
 * to Slack with the bot token typed in the form, and signs the webhook delivery with the secret shown once. Secrets
 * are never shown back; a developer gets the admins-only page and the API refuses them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { decryptSecret, encryptSecret, parseEncryptionKey } from '@hoop/db';
import { seedUser } from '@hoop/db/testing';
import { createTargetDatabase, REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { hydrated, reloadHydrated } from './hydration';
import { startTestWeb, submitSignIn } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-integrations');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  ada: { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: password() },
  dev: { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: password() },
} as const;
type Who = keyof typeof PEOPLE;

const BOT_TOKEN = `xoxb-1234-5678-${randomBytes(6).toString('hex')}`;
const SIGNING_SECRET = randomBytes(16).toString('hex');

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server that records what it is sent and answers `reply(path)` as JSON (204 when that is null). */
async function recorder(reply: (path: string) => unknown): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const out = reply(req.url ?? '');
      if (out === null) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let web: Service;
let baseURL: string;
let slack: Awaited<ReturnType<typeof recorder>>;
let receiver: Awaited<ReturnType<typeof recorder>>;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  // Slack's Web API as far as posting a message goes
  slack = await recorder(() => ({ ok: true, channel: 'C0DBALERTS', ts: '1700000000.000100' }));
  receiver = await recorder(() => null);
  target = await createTargetDatabase('web_integrations');
  await target.query('create table customers (id int primary key, email text)');
  stack = await startTestStack({ gatewayEnv: { HOOP_SLACK_API_URL: `${slack.url}/api/` } });
  await stack.addPostgresConnection('pg-prod', target.url);
  for (const p of Object.values(PEOPLE)) await seedUser(stack.db, stack.orgId, p);
  await stack.startAgent();
  ({ web, baseURL } = await startTestWeb(stack, { encryptionKey: stack.encryptionKey }));
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  await target?.drop();
  await slack?.close();
  await receiver?.close();
});

const signIn = (page: Page, who: Who) => submitSignIn(page, PEOPLE[who]);

/** Signs in on the way to the Integrations page and waits there until it is hydrated (its buttons work). */
async function openAs(page: Page, who: Who): Promise<void> {
  await page.goto(`${baseURL}/integrations`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fintegrations$/);
  await signIn(page, who);
  await expect(page).toHaveURL(`${baseURL}/integrations`);
  await hydrated(page);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/**
 * Runs a statement the default guardrails block until `seen()` holds: the gateway caches integration settings for up to
 * 10 seconds, so the first blocked statement after a change may still find the old ones.
 */
async function blockUntil(what: string, seen: () => boolean): Promise<void> {
  await waitFor(
    what,
    async () => {
      const r = await stack.cli(['exec', 'pg-prod', '-i', 'delete from customers']);
      expect(r.code, r.stderr).toBe(3);
      for (let i = 0; i < 20 && !seen(); i++) await new Promise((res) => setTimeout(res, 250));
      return seen() ? true : null;
    },
    { timeoutMs: 45_000 },
  );
}

test('an admin sets up Slack: the secrets are sealed with the gateway key, never shown back, and the gateway posts with them', async ({ page }) => {
  await openAs(page, 'ada');
  await expect(page.getByRole('link', { name: 'Integrations' })).toHaveAttribute('aria-current', 'page');
  const panel = page.getByTestId('slack-panel');
  await expect(panel.getByTestId('slack-status')).toHaveAttribute('data-state', 'none');
  await expect(page.getByTestId('slack-interactivity-url')).toHaveText(`${stack.gatewayUrl}/integrations/slack/interactivity`);
  await expect(page.getByTestId('slack-scopes')).toContainText('chat:write');
  await expect(page.getByTestId('slack-scopes')).toContainText('users:read.email');
  await expect(page.getByTestId('key-note')).toHaveCount(0);
  await shot(page, 'integrations-empty');

  // a webhook URL pasted where the bot token goes is refused, saying what to paste instead
  await page.getByLabel('Bot token', { exact: true }).fill('https://hooks.slack.com/services/T0/B0/abc');
  await page.getByLabel('Signing secret', { exact: true }).fill(SIGNING_SECRET);
  await page.getByLabel('Default channel', { exact: true }).fill('#db-alerts');
  await page.getByRole('button', { name: 'Save and turn on' }).click();
  await expect(panel.getByRole('alert')).toHaveText(
    'The bot token must be a Slack bot token (xoxb-…): copy the Bot User OAuth Token from OAuth & Permissions in your Slack app.',
  );
  await shot(page, 'integrations-slack-invalid');
  expect(await stack.db.slackSettings.count()).toBe(0);

  await page.getByLabel('Bot token', { exact: true }).fill(BOT_TOKEN);
  await page.getByRole('button', { name: 'Save and turn on' }).click();
  await expect(page.getByTestId('slack-notice')).toHaveText('Saved. The gateway picks up changes within 10 seconds.');
  await expect(panel.getByTestId('slack-status')).toHaveAttribute('data-state', 'on');
  await expect(page.getByTestId('slack-bot-token-state')).toContainText('Set');
  await expect(page.getByTestId('slack-signing-secret-state')).toContainText('Set');
  await shot(page, 'integrations-slack-saved');

  // stored sealed with HOOP_ENCRYPTION_KEY, as typed
  const row = await stack.db.slackSettings.findUniqueOrThrow({ where: { orgId: stack.orgId } });
  expect(row).toMatchObject({ defaultChannel: '#db-alerts', notifyBlocked: true, enabled: true });
  expect(row.botTokenEncrypted).not.toContain('xoxb');
  const key = parseEncryptionKey(stack.encryptionKey);
  expect(decryptSecret(row.botTokenEncrypted, key)).toBe(BOT_TOKEN);
  expect(decryptSecret(row.signingSecretEncrypted, key)).toBe(SIGNING_SECRET);

  // never echoed back: not in the page, not in what the API answers
  await reloadHydrated(page);
  await expect(page.getByTestId('slack-bot-token-state')).toContainText('Set');
  await expect(page.getByLabel('Default channel', { exact: true })).toHaveValue('#db-alerts');
  const html = await page.content();
  for (const secret of [BOT_TOKEN, SIGNING_SECRET, row.botTokenEncrypted, row.signingSecretEncrypted]) expect(html).not.toContain(secret);
  const api = await page.request.get(`${baseURL}/api/trpc/integration.getSlack?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
  expect(api.status()).toBe(200);
  const answered = await api.text();
  expect(answered).toContain('"botTokenSet":true');
  for (const secret of [BOT_TOKEN, SIGNING_SECRET, row.botTokenEncrypted]) expect(answered).not.toContain(secret);

  // the gateway opens the token the web app sealed: a blocked statement is posted with it
  const posted = () => slack.received.some((r) => r.path === '/api/chat.postMessage');
  await blockUntil('the blocked statement posted to Slack', posted);
  const post = slack.received.find((r) => r.path === '/api/chat.postMessage')!;
  expect(post.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  const args = String(post.headers['content-type']).includes('json')
    ? (JSON.parse(post.body) as Record<string, unknown>)
    : Object.fromEntries(new URLSearchParams(post.body));
  expect(args.channel).toBe('#db-alerts');

  // replacing a secret: the field opens empty, and "Keep current" leaves the stored one
  await page.getByRole('button', { name: 'Replace bot token' }).click();
  await expect(page.getByLabel('Bot token', { exact: true })).toHaveValue('');
  await page.getByRole('button', { name: 'Keep current' }).click();
  await page.getByRole('switch', { name: 'Enabled' }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(panel.getByTestId('slack-status')).toHaveAttribute('data-state', 'off');
  const paused = await stack.db.slackSettings.findUniqueOrThrow({ where: { orgId: stack.orgId } });
  expect(paused).toMatchObject({ enabled: false, botTokenEncrypted: row.botTokenEncrypted, signingSecretEncrypted: row.signingSecretEncrypted });

  await page.getByRole('button', { name: 'Remove…' }).click();
  await page.getByTestId('slack-remove-confirm').getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('slack-notice')).toContainText('Slack settings removed');
  await expect(panel.getByTestId('slack-status')).toHaveAttribute('data-state', 'none');
  expect(await stack.db.slackSettings.count()).toBe(0);
});

test('an admin adds a webhook, sees its secret once, the gateway signs with it; then pauses and deletes it', async ({ page }) => {
  await openAs(page, 'ada');
  const panel = page.getByTestId('webhooks-panel');
  await expect(panel.getByTestId('empty-state')).toContainText('No webhooks yet');
  await expect(page.getByTestId('webhook-signature-help')).toContainText('sha256=HMAC-SHA256(secret, "<X-Hoop-Timestamp>.<body>")');

  await page.getByRole('button', { name: 'Add webhook' }).click();
  const form = page.getByTestId('webhook-form');
  await form.getByLabel('Name').fill('siem');
  await form.getByLabel('URL').fill('ftp://files.example.com/in');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(form.getByRole('alert')).toHaveText('The URL must be a full http:// or https:// address, such as https://siem.example.com/hoop.');
  await expect(form.getByLabel(/Blocked statements/)).toBeChecked();
  await expect(form.getByLabel(/Held for review/)).toBeChecked();
  await shot(page, 'integrations-webhook-form');

  await form.getByLabel('URL').fill(`${receiver.url}/hoop`);
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const once = page.getByTestId('webhook-secret-once');
  await expect(once).toContainText('Copy the signing secret of “siem” now: it is not shown again.');
  const secret = (await page.getByTestId('webhook-secret').textContent())!;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
  const row = page.locator('[data-testid="webhook-row"][data-name="siem"]');
  await expect(row).toHaveAttribute('data-enabled', 'true');
  await expect(row).toContainText(`${receiver.url}/hoop`);
  await expect(row).toContainText('Active');
  await expect(row).toContainText('no deliveries yet');
  await shot(page, 'integrations-webhook-secret-once');

  const stored = await stack.db.webhook.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'siem' } });
  expect(stored.events).toEqual(['statement.blocked', 'statement.review']);
  expect(decryptSecret(stored.secretEncrypted!, parseEncryptionKey(stack.encryptionKey))).toBe(secret);

  // the gateway signs with the secret the page showed
  await blockUntil('a webhook delivery', () => receiver.received.length > 0);
  const hit = receiver.received[0]!;
  expect(JSON.parse(hit.body)).toMatchObject({
    type: 'statement.blocked',
    connection: 'pg-prod',
    statement: 'delete from customers',
    ruleId: 'delete-without-where',
  });
  const ts = String(hit.headers['x-hoop-timestamp']);
  expect(hit.headers['x-hoop-signature']).toBe(`sha256=${createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex')}`);

  // shown once: gone after a reload, and the list shows how the delivery went
  await reloadHydrated(page);
  await expect(page.getByTestId('webhook-secret-once')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await expect(row.getByTestId('webhook-last-delivery')).toContainText('HTTP 204', { timeout: 15_000 });
  await shot(page, 'integrations-webhook-delivered');

  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toHaveAttribute('data-enabled', 'false');
  await expect(row).toContainText('Paused');
  expect((await stack.db.webhook.findUniqueOrThrow({ where: { id: stored.id } })).enabled).toBe(false);
  await shot(page, 'integrations-webhook-paused');

  await row.getByRole('button', { name: 'Delete siem' }).click();
  await row.getByTestId('webhook-delete-confirm').getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  await expect(panel.getByTestId('empty-state')).toContainText('No webhooks yet');
  expect(await stack.db.webhook.count({ where: { orgId: stack.orgId } })).toBe(0);

  // a secret the web app's key cannot open (sealed with another key): the page says the keys differ
  const other = await stack.db.webhook.create({
    data: {
      orgId: stack.orgId,
      name: 'legacy',
      url: 'https://legacy.example.com/in',
      enabled: false,
      secretEncrypted: encryptSecret('sealed-elsewhere', randomBytes(32)),
    },
  });
  await page.reload();
  await expect(panel.getByTestId('key-note')).toHaveAttribute('data-state', 'mismatch');
  await expect(panel.getByTestId('key-note')).toContainText('The stored secrets were sealed with another key');
  await shot(page, 'integrations-key-mismatch');
  await stack.db.webhook.delete({ where: { id: other.id } });
});

test('a developer sees no Integrations entry, gets the admins-only page, and the API refuses them', async ({ page }) => {
  await page.goto(`${baseURL}/login`);
  await signIn(page, 'dev');
  await expect(page).toHaveURL(`${baseURL}/connections`);
  await expect(page.getByRole('link', { name: 'Integrations' })).toHaveCount(0);
  await page.goto(`${baseURL}/integrations`);
  await expect(page.getByTestId('empty-state')).toContainText('Admins only');
  await expect(page.getByTestId('slack-panel')).toHaveCount(0);
  await expect(page.getByTestId('webhooks-panel')).toHaveCount(0);
  await shot(page, 'integrations-developer');

  const get = await page.request.get(`${baseURL}/api/trpc/integration.listWebhooks?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
  expect(get.status()).toBe(403);
  const save = await page.request.post(`${baseURL}/api/trpc/integration.saveSlack`, {
    data: { json: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, defaultChannel: '#x' } },
  });
  expect(save.status()).toBe(403);
  expect(await save.text()).toContain('This needs the admin role');
  expect(await stack.db.slackSettings.count()).toBe(0);
});
