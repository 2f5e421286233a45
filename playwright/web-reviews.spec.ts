/**
 * The review inbox against the real stack: a gateway, an agent, a target database, the `hoop` CLI and the web app,
 * with nothing mocked. A developer's `hoop exec` is held by a guardrail; a reviewer watching /reviews sees it arrive,
 * approves or rejects it in the browser, and the waiting command runs or fails accordingly. The requester cannot
 * approve their own request, and an admin can revoke one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { cliCommand, createTargetDatabase, freePort, inheritedEnv, REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { startWebService } from '../scripts/web-service';
import { hydrated } from './hydration';
import { applyPolicy, LOGS, linkGatewayTo } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-reviews');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  dev: { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: password() },
  rita: { email: 'rita@test.local', name: 'Rita Reviewer', role: 'reviewer', password: password() },
  ada: { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: password() },
} as const;
type Who = keyof typeof PEOPLE;

const POLICY = {
  name: 'prod-reviewed',
  connections: { names: ['pg-prod'] },
  guardrails: { rules: [{ id: 'schema-change', action: 'review', message: 'schema changes on production need a reviewer', match: { kinds: ['ddl'] } }] },
  review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let web: Service;
let baseURL: string;
const tokens: Partial<Record<Who, string>> = {};
const running = new Set<ChildProcess>();

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  target = await createTargetDatabase('web_reviews');
  await target.query('create table t (id int primary key, name text)');
  stack = await startTestStack();
  const webPort = await freePort();
  baseURL = `http://127.0.0.1:${webPort}`;
  // the gateway links requesters to `<HOOP_WEB_URL>/reviews/<id>`: run it again, pointed at the web app under test
  await linkGatewayTo(stack, baseURL);
  await stack.addPostgresConnection('pg-prod', target.url);
  for (const [who, p] of Object.entries(PEOPLE) as [Who, (typeof PEOPLE)[Who]][]) {
    const u = await seedUser(stack.db, stack.orgId, p);
    tokens[who] = (await seedApiToken(stack.db, u.id)).token;
  }
  await stack.startAgent();
  await applyPolicy(stack, POLICY, { connection: 'pg-prod', statement: 'alter table t add column x int' });
  web = await startWebService({ databaseUrl: stack.dbUrl, port: webPort, gatewayUrl: stack.gatewayUrl, logDir: LOGS, build: false });
});

test.afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await web?.stop();
  await stack?.stop();
  await target?.drop();
});

/** `hoop exec pg-prod -i SQL --reason R` as one of the users, in the background until it exits. */
function execAs(who: Who, sql: string, reason: string) {
  const hoop = cliCommand(['exec', 'pg-prod', '-i', sql, '--reason', reason]);
  const child = spawn(hoop.command, hoop.args, {
    env: { ...inheritedEnv(), ...hoop.env, HOOP_CONFIG: stack.configFile, HOOP_GATEWAY_URL: stack.gatewayUrl, HOOP_TOKEN: tokens[who]! },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  /** the review link the CLI printed while it waits */
  const link = () => waitFor('hoop exec to wait for approval', async () => /waiting for approval: (\S+)/.exec(stderr)?.[1] ?? null, { timeoutMs: 30_000 });
  return { done, link };
}

async function columns(): Promise<string[]> {
  const r = await target.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = 't' order by ordinal_position");
  return r.rows.map((x) => x.column_name);
}

async function signIn(page: Page, who: Who): Promise<void> {
  await page.getByLabel('E-mail').fill(PEOPLE[who].email);
  await page.getByLabel('Password').fill(PEOPLE[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens a review link as a signed-out visitor: the login page, then back to the review, hydrated (its buttons work). */
async function openSignedOut(page: Page, url: string, who: Who): Promise<void> {
  const id = url.split('/').pop()!;
  await page.goto(url);
  await expect(page).toHaveURL(`${baseURL}/login?callbackUrl=${encodeURIComponent(`/reviews/${id}`)}`);
  await signIn(page, who);
  await expect(page).toHaveURL(`${baseURL}/reviews/${id}`);
  await expect(page.getByTestId('review-detail')).toBeVisible();
  await hydrated(page);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

test('a reviewer watching the inbox sees a held statement arrive, approves it, and the statement runs', async ({ page }) => {
  await page.goto(`${baseURL}/reviews`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Freviews$/);
  await signIn(page, 'rita');
  await expect(page).toHaveURL(`${baseURL}/reviews`);
  await hydrated(page);
  await expect(page.getByTestId('empty-state')).toContainText('No requests waiting for review');
  await shot(page, 'reviews-empty');

  const exec = execAs('dev', 'ALTER TABLE t ADD COLUMN note text', 'ticket 481');
  // no reload: the inbox polls
  const row = page.getByTestId('review-row');
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  const id = (await row.getAttribute('data-id'))!;
  expect(await exec.link()).toBe(`${baseURL}/reviews/${id}`);
  await expect(row).toContainText('Dev Eloper');
  await expect(row).toContainText('pg-prod');
  await expect(row).toContainText('ALTER TABLE t ADD COLUMN note text');
  await expect(row).toContainText('schema-change');
  await expect(row).toContainText('ticket 481');
  await expect(row.getByTestId('review-approvals')).toHaveText('0/1');
  await expect(row.getByTestId('review-countdown')).toHaveText(/^(29m|30m) \d\ds left$/);
  await expect(page.getByTestId('reviews-badge')).toHaveText('1');
  await shot(page, 'reviews-inbox');

  await row.click();
  await expect(page).toHaveURL(`${baseURL}/reviews/${id}`);
  await expect(page.getByTestId('review-statement')).toHaveText('ALTER TABLE t ADD COLUMN note text');
  await expect(page.getByTestId('review-reason')).toHaveText('ticket 481');
  await expect(page.getByTestId('review-rule')).toContainText('schema-change');
  await expect(page.getByTestId('review-rule')).toContainText('schema changes on production need a reviewer');
  await expect(page.getByTestId('review-status')).toHaveText('Pending');
  await shot(page, 'review-detail-pending');
  expect(await columns()).toEqual(['id', 'name']);

  await page.getByLabel(/Comment/).fill('looks fine');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('review-outcome')).toContainText('Approved by Rita Reviewer');
  const r = await exec.done;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('ALTER\n');
  expect(r.stderr).toContain(`approved: review ${id}`);
  expect(await columns()).toEqual(['id', 'name', 'note']);
  // the page follows the approval until the statement has run
  await expect(page.getByTestId('review-outcome')).toContainText('The statement ran');
  await expect(page.getByTestId('review-vote')).toContainText('via web');
  await expect(page.getByTestId('review-vote')).toContainText('looks fine');
  await shot(page, 'review-detail-approved');
  await page.getByRole('link', { name: 'Reviews' }).first().click();
  await expect(page.getByTestId('empty-state')).toContainText('No requests waiting for review');
  await expect(page.getByTestId('reviews-badge')).toHaveCount(0);
});

test('a reviewer follows the link from the CLI, signs in, rejects with a reason, and exec fails with it', async ({ page }) => {
  const exec = execAs('dev', 'ALTER TABLE t ADD COLUMN secret text', 'ticket 482');
  const url = await exec.link();
  await openSignedOut(page, url, 'rita');
  await expect(page.getByTestId('review-statement')).toHaveText('ALTER TABLE t ADD COLUMN secret text');
  await page.getByLabel(/Comment/).fill('not during the freeze');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByTestId('review-outcome')).toContainText('Rejected by Rita Reviewer');
  await expect(page.getByTestId('review-outcome')).toContainText('not during the freeze');
  await expect(page.getByTestId('review-status')).toHaveText('Rejected');
  const r = await exec.done;
  expect(r.code).toBe(4);
  expect(r.stderr).toContain('not during the freeze');
  expect(await columns()).not.toContain('secret');
  await shot(page, 'review-detail-rejected');
});

test('the requester cannot approve their own request; an admin revokes it', async ({ page, browser }) => {
  const exec = execAs('dev', 'CREATE INDEX t_name ON t (name)', 'speed up lookups');
  const url = await exec.link();
  const id = url.split('/').pop()!;
  await openSignedOut(page, url, 'dev');
  await expect(page.getByTestId('decision-refusal')).toHaveText('You cannot approve your own request; another approver must decide.');
  await expect(page.getByRole('button', { name: 'Approve' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Reject' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Revoke…' })).toHaveCount(0);
  await shot(page, 'review-detail-own-request');

  // the server refuses it too, whatever the page shows
  const api = await page.request.post(`${baseURL}/api/trpc/review.approve`, { data: { json: { id } } });
  expect(api.status()).toBe(403);
  expect(await api.text()).toContain('You cannot approve your own request');

  // in the inbox the developer can look, but it does not wait on them
  await page.getByRole('link', { name: 'Reviews' }).first().click();
  const row = page.locator(`[data-testid="review-row"][data-id="${id}"]`);
  await expect(row).toContainText('View');
  await expect(page.getByTestId('reviews-badge')).toHaveText('1');

  const admin = await signedInPage(browser, url, 'ada');
  await admin.getByRole('button', { name: 'Revoke…' }).click();
  await admin.getByLabel(/Why are you revoking it/).fill('wrong ticket');
  await admin.getByRole('button', { name: 'Revoke request' }).click();
  await expect(admin.getByTestId('review-outcome')).toContainText('Revoked by Ada Admin');
  const r = await exec.done;
  expect(r.code).toBe(4);
  expect(r.stderr).toContain('wrong ticket');
  await shot(admin, 'review-detail-revoked');
  await admin.context().close();
});

test('the history lists decided requests and filters them', async ({ page }) => {
  await page.goto(`${baseURL}/login?callbackUrl=${encodeURIComponent('/reviews?view=history')}`);
  await signIn(page, 'rita');
  await expect(page).toHaveURL(`${baseURL}/reviews?view=history`);
  // the filters below are selects that change the URL by script
  await hydrated(page);
  const rows = page.getByTestId('review-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'revoked');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'rejected');
  await expect(rows.nth(2)).toHaveAttribute('data-status', 'approved');
  await expect(rows.nth(2)).toContainText('ran');
  await shot(page, 'reviews-history');

  await page.getByRole('combobox', { name: 'Any outcome' }).selectOption('rejected');
  await expect(page).toHaveURL(/status=rejected/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('not during the freeze');
  await page.getByRole('combobox', { name: 'All requesters' }).selectOption('dev@test.local');
  await expect(page).toHaveURL(/status=rejected&requester=dev%40test.local|requester=dev%40test.local&status=rejected/);
  await expect(rows).toHaveCount(1);
  // back to the pending tab: the outcome filter goes, the requester filter stays
  await page.getByRole('link', { name: /^Pending/ }).click();
  await expect(page).toHaveURL(`${baseURL}/reviews?requester=dev%40test.local`);
  await expect(page.getByTestId('empty-state')).toContainText('No pending request matches these filters');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(`${baseURL}/reviews`);
  await expect(page.getByTestId('empty-state')).toContainText('No requests waiting for review');

  // a link to a review that is not there (or belongs to another org)
  await page.goto(`${baseURL}/reviews/00000000-0000-4000-8000-000000000000`);
  await expect(page.getByTestId('empty-state')).toContainText('This review does not exist');
  await shot(page, 'review-not-found');
});

async function signedInPage(browser: Browser, url: string, who: Who): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await openSignedOut(page, url, who);
  return page;
}
