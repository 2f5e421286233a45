/**
 * Steps the browser specs share: the web app of a spec's test stack on a port of its own, a stack with an admin, its
 * agent and the web app, the gateway's links pointed at the web app, a policy applied, and signing in on the way to a
 * page.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { seedUser } from '@hoop/db/testing';
import { freePort, REPO_ROOT, type Service, startGatewayService, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
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

/** The admin a spec signs in as, with a password of this run. */
export function newAdmin() {
  return { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: `pw-${randomBytes(9).toString('base64url')}` };
}

/** A spec's test stack with an admin to sign in as, its agent running, and the web app. */
export interface WebStack {
  stack: TestStack;
  web: Service;
  baseURL: string;
  admin: ReturnType<typeof newAdmin>;
  /** opens `where` (a path of the web app) signed in as the admin */
  openAsAdmin(page: Page, where: string): Promise<void>;
}

/**
 * Starts a test stack (`stack`: its options), adds the admin, runs `setUp` (connections, policies the spec needs), then
 * starts the agent and the web app (with the stack's encryption key). What started is stopped if a later step fails.
 */
export async function startWebStack(o: { stack?: Parameters<typeof startTestStack>[0]; setUp?: (stack: TestStack) => Promise<void> } = {}): Promise<WebStack> {
  const stack = await startTestStack(o.stack);
  try {
    const admin = newAdmin();
    await seedUser(stack.db, stack.orgId, admin);
    await o.setUp?.(stack);
    await stack.startAgent();
    const { web, baseURL } = await startTestWeb(stack, { encryptionKey: stack.encryptionKey });
    return { stack, web, baseURL, admin, openAsAdmin: (page, where) => signInAt(page, `${baseURL}${where}`, admin) };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** Stops the web app and the stack of startWebStack (nothing when it did not start). */
export async function stopWebStack(s: WebStack | undefined): Promise<void> {
  await s?.web.stop();
  await s?.stack.stop();
}

/** Runs the stack's gateway again with its links (reviews, CLI login) pointing at the web app at `baseURL`. */
export async function linkGatewayTo(stack: TestStack, baseURL: string): Promise<void> {
  await stack.gateway.stop();
  stack.gateway = await startGatewayService({
    databaseUrl: stack.dbUrl,
    port: stack.gatewayPort,
    encryptionKey: stack.encryptionKey,
    webUrl: baseURL,
    logDir: LOGS,
  });
}

/**
 * Applies `policy` with `hoop policy apply`, then waits until the agent judges by it: `hoop policy test` on `held`
 * (a statement the policy holds for review on `held.connection`) answers review.
 */
export async function applyPolicy(stack: TestStack, policy: object, held: { connection: string; statement: string }): Promise<void> {
  const file = `${stack.configFile}.policy.json`;
  await writeFile(file, JSON.stringify(policy));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await waitFor('the agent to have the policy', async () => {
    const r = await stack.cli(['policy', 'test', '-c', held.connection, held.statement]);
    return r.code === 3 ? true : null;
  });
}
