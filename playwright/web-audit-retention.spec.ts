/**
 * Audit retention in the browser, against the real stack (a gateway purging every second, the web app, nothing
 * mocked): an auditor sees the trail kept for ever and cannot change it; an admin sets 30 days, is told first how
 * many sessions that removes, confirms; the gateway purges them on record; the page lists the purge and a
 * verification of the whole trail passes and says what was purged.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { seedConnection, seedUser } from '@hoop/db/testing';
import { freePort, REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { recordSession, sqlSessionEvents } from '@hoop/core/testing';
import { startWebService } from '../scripts/web-service';
import { hydrated, reloadHydrated } from './hydration';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-audit-retention');
const LOGS = path.join(REPO_ROOT, '.hoop', 'logs', 'playwright');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  ada: { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: password() },
  audrey: { email: 'audrey@test.local', name: 'Audrey Auditor', role: 'auditor', password: password() },
} as const;
type Who = keyof typeof PEOPLE;
const DAY = 86_400_000;

let stack: TestStack;
let web: Service;
let baseURL: string;
const sessions: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  stack = await startTestStack({ gatewayEnv: { HOOP_AUDIT_MAINTENANCE_MS: '1000' } });
  const ids: Record<string, string> = {};
  for (const [who, p] of Object.entries(PEOPLE)) ids[who] = (await seedUser(stack.db, stack.orgId, p)).id;
  const connectionId = (await seedConnection(stack.db, stack.orgId, { name: 'pg-prod' })).id;
  // two sessions of three months ago, one of yesterday
  for (const ago of [90, 89, 1])
    sessions.push(
      await recordSession(stack.db, {
        orgId: stack.orgId,
        userId: ids.audrey!,
        connectionId,
        startedAt: new Date(Date.now() - ago * DAY),
        events: sqlSessionEvents(),
      }),
    );
  const webPort = await freePort();
  baseURL = `http://127.0.0.1:${webPort}`;
  web = await startWebService({ databaseUrl: stack.dbUrl, port: webPort, gatewayUrl: stack.gatewayUrl, logDir: LOGS, build: false });
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
});

/** Signs in on the way to `to` and waits there until the page is hydrated (its buttons work). */
async function signIn(page: Page, who: Who, to: string): Promise<void> {
  await page.goto(`${baseURL}${to}`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(PEOPLE[who].email);
  await page.getByLabel('Password').fill(PEOPLE[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}${to}`);
  await hydrated(page);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

test('an auditor reads the retention but cannot change it', async ({ page }) => {
  await signIn(page, 'audrey', '/audit');
  const card = page.getByTestId('audit-retention');
  await expect(card.getByTestId('retention-setting')).toHaveText('Sessions are kept for ever.');
  await expect(card.getByRole('form', { name: 'Change retention' })).toHaveCount(0);
});

test('an admin sets 30 days after seeing what it removes; the gateway purges on record and the trail still verifies', async ({ page }) => {
  await signIn(page, 'ada', '/audit');
  const card = page.getByTestId('audit-retention');
  const days = card.getByLabel('Keep for (days)');
  await days.fill('3');
  await expect(card.getByRole('alert')).toHaveText('A whole number of days from 7 to 36,500.');
  await expect(card.getByRole('button', { name: 'Set' })).toBeDisabled();
  await days.fill('30');
  await card.getByRole('button', { name: 'Set' }).click();
  const confirm = page.getByTestId('retention-confirm');
  await expect(confirm.getByTestId('retention-preview')).toContainText('removes 2 session(s)');
  await shot(page, 'retention-confirm');
  await confirm.getByRole('button', { name: 'Purge 2 session(s)' }).click();
  await expect(card.getByTestId('retention-setting')).toHaveText('Sessions are kept 30 days.');

  await waitFor(
    'the gateway to purge the two old sessions',
    async () => ((await stack.db.session.count({ where: { id: { in: sessions.slice(0, 2) } } })) === 0 ? true : null),
    { timeoutMs: 20_000 },
  );
  await reloadHydrated(page);
  const purges = card.getByRole('table', { name: 'Purges' });
  await expect(purges.getByRole('row')).toHaveCount(2);
  await expect(purges.getByRole('row').nth(1)).toContainText('30 days');
  await expect(card).toContainText(`Purged so far: 2 session(s) and ${sqlSessionEvents().length * 2} event(s).`);
  await expect(page.getByTestId('audit-overview')).toContainText('1');

  await page.getByRole('button', { name: 'Verify the whole trail' }).click();
  const result = page.getByTestId('verify-result');
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(result.getByTestId('verify-purged')).toContainText(`2 sessions and ${sqlSessionEvents().length * 2} events were purged by retention in 1 purge`);
  await shot(page, 'retention-purged');

  const trail = await stack.db.adminEvent.findMany({
    where: { orgId: stack.orgId, action: { startsWith: 'audit.' }, NOT: { action: 'audit.verify' } },
    orderBy: { seq: 'asc' },
    select: { action: true, actor: true },
  });
  expect(trail).toEqual([
    { action: 'audit.retention', actor: 'ada@test.local' },
    { action: 'audit.purge', actor: 'system' },
  ]);
});
