/**
 * Steps the browser specs share: the web app of a spec's test stack on a port of its own, and signing in on the way
 * to a page.
 */
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { freePort, REPO_ROOT, type Service, type TestStack } from '@hoop/devstack';
import { startWebService, type WebOptions } from '../scripts/web-service';
import { hydrated } from './hydration';

/** Where the web apps the specs start write their logs. */
export const LOGS = path.join(REPO_ROOT, '.hoop', 'logs', 'playwright');

/**
 * The web app on `stack`'s database and gateway, on a free port, from the build the global setup made; `o` adds
 * options (`encryptionKey`, `settings`, …).
 */
export async function startTestWeb(stack: TestStack, o: Partial<WebOptions> = {}): Promise<{ web: Service; baseURL: string }> {
  const port = await freePort();
  const web = await startWebService({ databaseUrl: stack.dbUrl, port, gatewayUrl: stack.gatewayUrl, logDir: LOGS, build: false, ...o });
  return { web, baseURL: `http://127.0.0.1:${port}` };
}

/** Fills the login page's form as `who` and submits it. */
export async function submitSignIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `url` signed out, signs in as `who` on the login page it leads to, and waits back at `url` until it is hydrated. */
export async function signInAt(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await submitSignIn(page, who);
  await expect(page).toHaveURL(url);
  await hydrated(page);
}
