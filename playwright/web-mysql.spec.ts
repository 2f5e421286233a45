/**
 * A MySQL/MariaDB connection from the web app against the real stack and the local MariaDB: an admin adds it in the
 * connection form (a bad port is shown at its field), it is stored with the names the agent reads, and Test shows the
 * agent's login and `SELECT VERSION()` with timings.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import type { TestStack } from '@hoop/devstack';
import { startWebStack, stopWebStack, type WebStack } from './web-steps';

const MYSQL_PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(MYSQL_PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });
const DB = `hoop_w_${randomBytes(4).toString('hex')}`;

let ws: WebStack;
let stack: TestStack;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  asRoot(`CREATE DATABASE ${DB}`);
  ws = await startWebStack();
  stack = ws.stack;
});

test.afterAll(async () => {
  await stopWebStack(ws);
  asRoot(`DROP DATABASE IF EXISTS ${DB}`);
});

const openAsAdmin = (page: Page, where: string) => ws.openAsAdmin(page, where);

test('an admin adds a MySQL/MariaDB connection in the form, and Test logs in and asks the version', async ({ page }) => {
  await openAsAdmin(page, '/connections/new');
  const form = page.getByTestId('connection-form');
  await form.getByRole('radio', { name: /MySQL \/ MariaDB/ }).click();
  await form.getByLabel('Name').fill('orders-mysql');
  await form.getByLabel('Port').fill('99999');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form.locator('#my-port')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('The port must be a number from 1 to 65535.')).toBeVisible();
  await expect(form.getByText('Enter the user the agent logs in as.')).toBeVisible();
  expect(await stack.db.connection.count({ where: { name: 'orders-mysql' } })).toBe(0);

  await form.getByLabel('Host').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(MYSQL_PORT));
  await form.getByLabel('Database (optional)').fill(DB);
  await form.getByLabel('User', { exact: true }).fill('root');
  await form.getByLabel('TLS (ssl-mode)').selectOption('disabled');
  await form.getByRole('radio', { name: /^None/ }).click();
  await form.getByLabel('Agent', { exact: true }).selectOption({ label: 'test-agent · online' });
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?created=1$/);
  await expect(page.getByTestId('connection-saved')).toContainText('Added orders-mysql.');

  const stored = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'orders-mysql' } });
  expect(stored).toMatchObject({ type: 'mysql', secretRef: null });
  expect(stored.config).toEqual({ host: '127.0.0.1', port: MYSQL_PORT, database: DB, user: 'root', sslMode: 'disabled' });

  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const report = page.getByTestId('connection-test-result');
  await expect(report).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(report.locator('[data-check="target"]')).toHaveAttribute('data-status', 'pass');
  await expect(report.locator('[data-check="target"]')).toContainText(
    new RegExp(`MariaDB [\\d.]+ at 127\\.0\\.0\\.1:${MYSQL_PORT} accepted root and answered SELECT VERSION\\(\\) in \\d+ ms`),
  );
  for (const [step, status] of [
    ['connect', 'pass'],
    ['tls', 'skip'],
    ['login', 'pass'],
    ['query', 'pass'],
  ] as const)
    await expect(report.locator(`[data-testid="connection-target-step"][data-step="${step}"]`)).toHaveAttribute('data-status', status);

  // the saved connection opens in the same form, and an edit is stored as the agent reads it
  const edit = page.getByTestId('connection-form');
  await expect(edit.locator('#my-host')).toHaveValue('127.0.0.1');
  await expect(edit.locator('#my-database')).toHaveValue(DB);
  await edit.getByLabel('TLS (ssl-mode)').selectOption('preferred');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('connection-saved')).toContainText('Saved.');
  const edited = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'orders-mysql' } });
  expect(edited.config).toMatchObject({ sslMode: 'preferred', user: 'root', database: DB });
});
