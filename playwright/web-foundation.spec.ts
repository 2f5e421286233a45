/**
 * The web app's foundation, in a real browser against a real database: sign-in (and a refused one), the console
 * listing connections and agents with their online state, org isolation, and logged-out visitors sent to /login.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { freePort, REPO_ROOT, type Service } from '@hoop/devstack';
import { startWebService } from '../scripts/web-service';
import { hydrated } from './hydration';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'screenshots');
const ADMIN = { email: 'ada@acme.test', password: `pw-${randomBytes(9).toString('base64url')}` };
const DEVELOPER = { email: 'dev@empty.test', password: `pw-${randomBytes(9).toString('base64url')}` };

let database: TestDatabase;
let db: Db;
let web: Service;
let baseURL: string;
let heartbeat: ReturnType<typeof setInterval>;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  database = await createTestDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'web');
  db = createDb(database.url);
  const org = await seedOrg(db, { name: 'Acme Corp', slug: 'acme' });
  await seedUser(db, org.id, { email: ADMIN.email, name: 'Ada Lovelace', role: 'admin', password: ADMIN.password });
  const online = (await seedAgent(db, org.id, { name: 'eu-west-prod' })).agent;
  const offline = (await seedAgent(db, org.id, { name: 'us-east-staging' })).agent;
  const now = Date.now();
  await db.agent.update({
    where: { id: online.id },
    data: { connectedAt: new Date(now - 3_600_000), lastSeenAt: new Date(now), version: '0.1.0', hostname: 'ip-10-0-3-17' },
  });
  await db.agent.update({
    where: { id: offline.id },
    data: { connectedAt: new Date(now - 7_200_000), lastSeenAt: new Date(now - 600_000), version: '0.1.0', hostname: 'staging-1' },
  });
  // the online agent keeps sending heartbeats, as the gateway records them
  heartbeat = setInterval(() => void db.agent.update({ where: { id: online.id }, data: { lastSeenAt: new Date() } }).catch(() => undefined), 2_000);
  await seedConnection(db, org.id, {
    name: 'pg-prod',
    agentId: online.id,
    config: { host: 'db.internal', port: 5432, database: 'app', user: 'app_ro' },
    secretRef: 'env:PG_PROD_PASSWORD',
    tags: ['prod'],
    readOnly: true,
  });
  await seedConnection(db, org.id, {
    name: 'pg-staging',
    agentId: offline.id,
    config: { host: 'staging-db', port: 5432, database: 'app' },
    secretRef: 'stored',
    tags: ['staging'],
  });

  const other = await seedOrg(db, { name: 'Other Org', slug: 'other' });
  const otherAgent = (await seedAgent(db, other.id, { name: 'other-agent' })).agent;
  await seedConnection(db, other.id, { name: 'other-org-db', agentId: otherAgent.id, config: { host: 'elsewhere' } });

  const empty = await seedOrg(db, { name: 'Empty Co', slug: 'empty' });
  await seedUser(db, empty.id, { email: DEVELOPER.email, name: 'Dev Eloper', role: 'developer', password: DEVELOPER.password });

  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  web = await startWebService({
    databaseUrl: database.url,
    port,
    gatewayUrl: 'http://127.0.0.1:8009',
    logDir: path.join(REPO_ROOT, '.hoop', 'logs', 'playwright'),
    build: false,
  });
});

test.afterAll(async () => {
  clearInterval(heartbeat);
  await web?.stop();
  await db?.$disconnect();
  await database?.drop();
});

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('health endpoint answers when the database does', async ({ request }) => {
  const res = await request.get(`${baseURL}/healthz`);
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

test('a logged-out visitor is sent to the login page', async ({ page }) => {
  await page.goto(`${baseURL}/connections`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fconnections$/);
  await expect(page.getByRole('heading', { name: 'Sign in to the control plane' })).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'web-login.png') });

  const api = await page.request.get(`${baseURL}/api/trpc/connection.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
  expect(api.status()).toBe(401);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto(`${baseURL}/login`);
  await signIn(page, ADMIN.email, 'not-the-password');
  await expect(page.getByTestId('login-error')).toContainText('Wrong e-mail or password');
  await expect(page).toHaveURL(/\/login/);
  await page.screenshot({ path: path.join(SHOTS, 'web-login-refused.png') });
});

test('signing in needs the page’s script: until it runs the button is disabled, and the form would never put the password in the URL', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${baseURL}/login`);
  await expect(page.getByRole('heading', { name: 'Sign in to the control plane' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  await expect(page.locator('form')).toHaveAttribute('method', 'post');
  await context.close();
});

test('the admin signs in and sees the connections of their org with agent state', async ({ page }) => {
  await page.goto(`${baseURL}/connections`);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(`${baseURL}/connections`);
  // signing out, at the end, is done by script
  await hydrated(page);
  await expect(page.getByTestId('current-user')).toHaveText('Ada Lovelace');

  const rows = page.getByTestId('connection-row');
  await expect(rows).toHaveCount(2);
  const prod = page.locator('[data-testid="connection-row"][data-name="pg-prod"]');
  const staging = page.locator('[data-testid="connection-row"][data-name="pg-staging"]');
  await expect(prod).toContainText('eu-west-prod');
  await expect(prod.locator('[data-status]')).toHaveAttribute('data-status', 'online');
  await expect(prod).toContainText('read-only');
  await expect(prod).toContainText('app_ro@db.internal:5432/app');
  await expect(staging.locator('[data-status]')).toHaveAttribute('data-status', 'offline');
  // another org's connection is never listed
  await expect(page.getByText('other-org-db')).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'web-connections.png'), fullPage: true });

  await page.getByRole('link', { name: 'Agents' }).click();
  await expect(page).toHaveURL(`${baseURL}/agents`);
  const agents = page.getByTestId('agent-row');
  await expect(agents).toHaveCount(2);
  await expect(page.locator('[data-testid="agent-row"][data-name="eu-west-prod"] [data-status]')).toHaveAttribute('data-status', 'online');
  await expect(page.locator('[data-testid="agent-row"][data-name="us-east-staging"] [data-status]')).toHaveAttribute('data-status', 'offline');
  await expect(page.getByText('other-agent')).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'web-agents.png'), fullPage: true });

  // filters are server-side and live in the URL
  await page.getByRole('link', { name: /^Offline/ }).click();
  await expect(page).toHaveURL(/status=offline/);
  await expect(agents).toHaveCount(1);
  await expect(agents.first()).toHaveAttribute('data-name', 'us-east-staging');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`${baseURL}/agents`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fagents$/);
});

test('a developer of an org with nothing yet sees clear empty states and no admin pages', async ({ page }) => {
  await page.goto(`${baseURL}/login`);
  await signIn(page, DEVELOPER.email, DEVELOPER.password);
  await expect(page).toHaveURL(`${baseURL}/connections`);
  await expect(page.getByTestId('empty-state')).toContainText('No connections yet');
  await expect(page.getByRole('link', { name: 'Agents' })).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'web-connections-empty.png') });

  await page.goto(`${baseURL}/agents`);
  await expect(page.getByTestId('empty-state')).toContainText('Admins and auditors only');
  await expect(page.getByTestId('agent-row')).toHaveCount(0);
});
