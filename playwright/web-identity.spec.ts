/**
 * Identity against the real stack: an admin manages users, groups and tokens in the browser; a person signs in with
 * single sign-on through a real OpenID provider (its own login and consent pages) and lands with the role their group
 * claim maps to; `hoop login` in a terminal waits while the signed-in user approves it in the browser, then the CLI
 * works with the token it was handed. Nothing is mocked: gateway, web app, CLI and provider are real processes.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { freePort, REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { startTestIssuer, type TestIssuer } from '../apps/web/test/oidc-issuer';
import { startWebService, webSettingsFrom, webSettingsProblem } from '../scripts/web-service';
import { gotoHydrated, hydrated, reloadHydrated } from './hydration';
import { LOGS, linkGatewayTo } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-identity');
const ADA = { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: `pw-${randomBytes(9).toString('base64url')}` };

let stack: TestStack;
let issuer: TestIssuer;
let web: Service;
let baseURL: string;

test.describe.configure({ mode: 'serial' });

/**
 * The web app as `npm start` runs it: the single sign-on settings go through the same filter as that command's own
 * environment (`webSettingsFrom`), so what is tested here is what a user who sets HOOP_OIDC_* gets.
 */
async function startWeb(port: number, oidc: Record<string, string>): Promise<Service> {
  const settings = webSettingsFrom({ ...oidc, NEXTAUTH_URL: baseURL, PATH: process.env.PATH, HOOP_GATEWAY_PORT: '1' });
  expect(webSettingsProblem(settings)).toBeNull();
  return startWebService({ databaseUrl: stack.dbUrl, port, gatewayUrl: stack.gatewayUrl, logDir: LOGS, settings, build: false });
}

test.beforeAll(async () => {
  stack = await startTestStack();
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  // `hoop login` links to `<HOOP_WEB_URL>/cli-login`: run the gateway again, pointed at the web app under test
  await linkGatewayTo(stack, baseURL);
  await seedUser(stack.db, stack.orgId, ADA);
  await seedUser(stack.db, stack.orgId, { email: 'claude-bot@service.hoop', name: 'claude-bot', isService: true });
  issuer = await startTestIssuer({
    redirectUri: `${baseURL}/api/auth/callback/oidc`,
    accounts: { olivia: { email: 'olivia@test.local', name: 'Olivia Oidc', groups: ['hoop-reviewers', 'everyone'] } },
  });
  web = await startWeb(port, {
    HOOP_OIDC_ISSUER: issuer.issuer,
    HOOP_OIDC_CLIENT_ID: issuer.clientId,
    HOOP_OIDC_CLIENT_SECRET: issuer.clientSecret,
    HOOP_OIDC_SCOPES: 'openid email profile groups',
    HOOP_OIDC_NAME: 'Acme ID',
  });
});

test.afterAll(async () => {
  await web?.stop();
  await issuer?.close();
  await stack?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Signs in, lands on `to` and waits there until the page is hydrated (its buttons work). */
async function signIn(page: Page, email: string, password: string, to = '/connections'): Promise<void> {
  await page.goto(`${baseURL}/login?callbackUrl=${encodeURIComponent(to)}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(`${baseURL}${to}`);
  await hydrated(page);
}

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  return context.newPage();
}

const gatewayMe = (token: string) => fetch(`${stack.gatewayUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });

test('an admin adds a user with a one-time password, changes their role, and disabling stops their token at once', async ({ page, browser }) => {
  await signIn(page, ADA.email, ADA.password, '/users');
  await expect(page.locator('[data-testid="user-row"][data-email="claude-bot@service.hoop"]')).toContainText('service account');
  await page.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByTestId('user-form');
  await form.getByLabel('E-mail').fill('rita@test.local');
  await form.getByLabel('Name').fill('Rita Reviewer');
  await form.getByLabel('Role').selectOption('developer');
  await form.getByRole('button', { name: 'Add user' }).click();
  const once = page.getByTestId('user-password-once');
  await expect(once).toContainText('Password for rita@test.local');
  const password = (await page.getByTestId('user-password-once-value').textContent())!;
  expect(password).toMatch(/^[\w-]{6}-[\w-]{6}-[\w-]{6}$/);
  await shot(page, 'users-password-once');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(once).toHaveCount(0);

  const row = page.locator('[data-testid="user-row"][data-email="rita@test.local"]');
  await row.getByRole('combobox', { name: 'Role of rita@test.local' }).selectOption('reviewer');
  await expect(row.getByTestId('user-effective-role')).toHaveAttribute('data-role', 'reviewer');

  // Rita signs in with the password she was given, and has a token
  const rita = await freshPage(browser);
  await signIn(rita, 'rita@test.local', password);
  await expect(rita.getByTestId('current-user')).toHaveText('Rita Reviewer');
  const ritaId = (await stack.db.user.findFirstOrThrow({ where: { email: 'rita@test.local' } })).id;
  const { token } = await seedApiToken(stack.db, ritaId);
  expect((await gatewayMe(token)).status).toBe(200);

  await row.getByRole('button', { name: 'Disable rita@test.local' }).click();
  await expect(row).toHaveAttribute('data-disabled', 'true');
  expect((await gatewayMe(token)).status).toBe(401);
  await rita.reload();
  await expect(rita).toHaveURL(/\/login/);
  await shot(page, 'users-disabled');
  await row.getByRole('button', { name: 'Enable rita@test.local' }).click();
  await expect(row).toHaveAttribute('data-disabled', 'false');
  expect((await gatewayMe(token)).status).toBe(200);
  await rita.context().close();
});

test('groups map an OIDC claim to a role; single sign-on through the provider lands with that role', async ({ page, browser }) => {
  await signIn(page, ADA.email, ADA.password, '/users');
  await page.getByRole('button', { name: 'Add group' }).click();
  const form = page.getByTestId('group-form');
  await form.getByLabel('Name').fill('db-reviewers');
  await form.getByLabel('Role it grants').selectOption('reviewer');
  await form.getByLabel(/OIDC claim value/).fill('hoop-reviewers');
  await form.getByRole('button', { name: 'Add group' }).click();
  const group = page.locator('[data-testid="group-row"][data-name="db-reviewers"]');
  await expect(group).toContainText('claim: hoop-reviewers');
  await expect(group.getByTestId('group-members')).toContainText('no members');

  const olivia = await freshPage(browser);
  await olivia.goto(`${baseURL}/reviews`);
  await expect(olivia).toHaveURL(/\/login\?callbackUrl=%2Freviews$/);
  await expect(olivia.getByTestId('sso-sign-in')).toHaveText('Sign in with Acme ID');
  await shot(olivia, 'login-sso');
  await olivia.getByTestId('sso-sign-in').click();
  // the provider's own pages
  await expect(olivia).toHaveURL(new RegExp(`^${issuer.issuer}/interaction/`));
  await olivia.locator('input[name="login"]').fill('olivia');
  await olivia.locator('input[name="password"]').fill('any password');
  await olivia.getByRole('button', { name: 'Sign-in' }).click();
  await olivia.getByRole('button', { name: 'Continue' }).click();
  await expect(olivia).toHaveURL(`${baseURL}/reviews`);
  await expect(olivia.getByTestId('current-user')).toHaveText('Olivia Oidc');
  await expect(olivia.getByTestId('current-user').locator('..')).toContainText('reviewer');
  await shot(olivia, 'sso-landed');
  await olivia.context().close();

  await page.reload();
  await expect(group.getByTestId('group-member')).toContainText('Olivia Oidc');
  await expect(group.getByTestId('group-member')).toContainText('sso');
  const row = page.locator('[data-testid="user-row"][data-email="olivia@test.local"]');
  await expect(row).toContainText('SSO');
  await expect(row.getByTestId('user-effective-role')).toHaveAttribute('data-role', 'reviewer');
  await expect(row.getByTestId('user-effective-role')).toContainText('through db-reviewers');
  await shot(page, 'users-and-groups');
});

test('API tokens: created once, used by the gateway, listed with last use, revoked', async ({ page }) => {
  await signIn(page, ADA.email, ADA.password, '/tokens');
  await page.getByRole('button', { name: 'Create token' }).click();
  const form = page.getByTestId('token-form');
  await form.getByLabel('Name').fill('laptop');
  await form.getByLabel('Expires after').selectOption('90');
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('token-once-value').textContent())!;
  expect(token).toMatch(/^hoop_tok_/);
  await shot(page, 'tokens-once');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  const row = page.locator('[data-testid="token-row"][data-name="laptop"]');
  await expect(row.getByTestId('token-prefix')).toHaveText(`${token.slice(0, 13)}…`);
  await expect(row.getByTestId('token-last-used')).toHaveText('never');
  expect((await gatewayMe(token)).status).toBe(200);
  await reloadHydrated(page);
  await expect(row.getByTestId('token-last-used')).toHaveText(/just now|s ago/);
  await page.getByRole('button', { name: 'Everyone’s' }).click();
  await expect(page.locator('[data-testid="token-row"]').first()).toBeVisible();
  await page.getByRole('button', { name: 'My tokens' }).click();
  await row.getByRole('button', { name: 'Revoke laptop' }).click();
  await row.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(row).toHaveCount(0);
  expect((await gatewayMe(token)).status).toBe(401);
});

test('hoop login waits in the terminal while the signed-in user approves it in the browser', async ({ page }) => {
  const configFile = `${stack.configFile}.browser-login.json`;
  const cli = stack.spawnCli(['login', '--gateway', stack.gatewayUrl], { env: { HOOP_CONFIG: configFile, BROWSER: 'none', DISPLAY: '' } });
  const url = await waitFor('hoop login to print its link', async () => /(http\S+\/cli-login\?code=([A-Z]{4}-[A-Z]{4}))/.exec(cli.output()) ?? null, {
    timeoutMs: 30_000,
  });
  const [link, code] = [url[1]!, url[2]!];
  expect(link).toBe(`${baseURL}/cli-login?code=${code}`);

  // signed out, the link goes through the login page and back
  await page.goto(link);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(ADA.email);
  await page.getByLabel('Password').fill(ADA.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(link);
  await hydrated(page);
  await expect(page.getByTestId('cli-login-code')).toHaveText(code);
  await expect(page.getByTestId('cli-login-client')).toHaveText(/^hoop-cli\/\S+ on \S+@\S+ \(linux\)$/);
  await expect(page.getByTestId('cli-login-token-expiry')).toContainText('(30 days)');
  await shot(page, 'cli-login-pending');
  expect(cli.output()).not.toContain('logged in');

  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('cli-login-status')).toContainText('Approved. Go back to your terminal');
  const r = await cli.done;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('as ada@test.local (admin, org ');
  await shot(page, 'cli-login-approved');
  const saved = JSON.parse(await readFile(configFile, 'utf8')) as { token: string };
  const connections = await stack.cli(['connections'], { env: { HOOP_CONFIG: configFile } });
  expect(connections.code, connections.stderr).toBe(0);

  // the token is on the tokens page, named after the machine it went to
  await page.goto(`${baseURL}/tokens`);
  const row = page.locator('[data-testid="token-row"]').filter({ hasText: 'hoop login · hoop-cli' });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('token-prefix')).toHaveText(`${saved.token.slice(0, 13)}…`);

  // a denied request ends the CLI with exit code 2
  const denied = stack.spawnCli(['login', '--gateway', stack.gatewayUrl, '--no-browser'], { env: { HOOP_CONFIG: `${configFile}.2`, BROWSER: 'none' } });
  const second = await waitFor('the second code', async () => /cli-login\?code=([A-Z]{4}-[A-Z]{4})/.exec(denied.output())?.[1] ?? null, { timeoutMs: 30_000 });
  await gotoHydrated(page, `${baseURL}/cli-login?code=${second}`);
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByTestId('cli-login-status')).toContainText('Denied');
  const d = await denied.done;
  expect(d.code).toBe(2);
  expect(d.stderr).toContain('the login was denied in the browser');
});
