/**
 * HTTP sessions in the web app: a developer calls an API through `hoop connect` (fetch on the local port) — a masked
 * JSON answer, a posted body with personal data, a binary answer, a large text answer, a request the policy denies
 * and one held for review and approved — and an auditor replays the session as a request timeline: method, path,
 * status, duration and sizes, the verdict with its rule or its review, bodies masked and cut at 64 KB, binary marked.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { REPO_ROOT, type Service, type StackUser, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { signInAt, startTestWeb } from './web-steps';

const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const AUDREY = { email: 'audrey@test.local', name: 'Audrey Auditor', role: 'auditor', password: password() };
const POLICY = {
  name: 'billing-guard',
  connections: { names: ['billing-api'] },
  http: {
    rules: [
      { id: 'no-admin', action: 'deny', match: { paths: ['/admin/**'] }, message: 'the admin API is off limits' },
      { id: 'big-refunds', action: 'review', match: { methods: ['POST'], paths: ['/v1/refunds'], body: [{ field: 'amount', above: 1000 }] } },
    ],
  },
  review: { approvers: { roles: ['reviewer'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let stack: TestStack;
let web: Service;
let baseURL: string;
let api: http.Server;

test.describe.configure({ mode: 'serial' });

/** The API: JSON with e-mails, an echo of what it was posted, 2 KB of binary, and 100 KB of text. */
async function startApi(): Promise<string> {
  api = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url.startsWith('/v1/customers')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            data: [
              { id: 'cu_1', email: 'ann@example.com' },
              { id: 'cu_2', email: 'carl@example.org' },
            ],
          }),
        );
      }
      if (url === '/v1/logo.png') {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': 2048 });
        return void res.end(Buffer.alloc(2048, 0x89));
      }
      if (url === '/v1/export.txt') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(`${'line of the export\n'.repeat(5500)}the end\n`);
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, got: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

test.beforeAll(async () => {
  const url = await startApi();
  stack = await startTestStack();
  await stack.addConnection('billing-api', 'http', { baseUrl: url, authType: 'bearer' }, 'sk_agent_only');
  await seedUser(stack.db, stack.orgId, AUDREY);
  const rita = await seedUser(stack.db, stack.orgId, { email: 'rita@test.local', name: 'Rita Reviewer', role: 'reviewer' });
  const reviewer: StackUser = { id: rita.id, email: rita.email, role: 'reviewer', token: (await seedApiToken(stack.db, rita.id)).token };
  const file = `${stack.configFile}.policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
  await stack.startAgent();
  ({ web, baseURL } = await startTestWeb(stack));

  // one hoop connect session, the requests one after the other
  const local = await stack.connect('billing-api');
  const base = `http://127.0.0.1:${local.port}`;
  expect(JSON.stringify(await (await fetch(`${base}/v1/customers?limit=2`)).json())).not.toContain('ann@example.com');
  const posted = await fetch(`${base}/v1/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'call ann@example.com back' }),
  });
  expect(posted.status).toBe(201);
  expect((await (await fetch(`${base}/v1/logo.png`)).arrayBuffer()).byteLength).toBe(2048);
  expect((await (await fetch(`${base}/v1/export.txt`)).text()).length).toBeGreaterThan(100_000);
  expect((await fetch(`${base}/admin/users`)).status).toBe(403);
  const held = fetch(`${base}/v1/refunds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"amount": 5000}' });
  const review = await waitFor('the refund held', async () => (await stack.db.review.findFirst({ where: { status: 'pending' } })) ?? null, {
    timeoutMs: 30_000,
  });
  await stack.vote(review.id, reviewer, 'approve');
  expect((await held).status).toBe(201);
  await local.stop();
  await waitFor('the session sealed', async () => ((await stack.db.auditChain.count()) >= 1 ? true : null), { timeoutMs: 30_000 });
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  api?.closeAllConnections();
  api?.close();
});

const signIn = (page: Page, to: string) => signInAt(page, `${baseURL}${to}`, AUDREY);

test('an auditor replays an http session as a request timeline', async ({ page }) => {
  await signIn(page, '/sessions');
  const row = page.getByTestId('session-row').filter({ hasText: 'billing-api' });
  await expect(row).toHaveAttribute('data-kind', 'http');
  // the refund held for review is one request, not two
  await expect(row.getByTestId('statement-count')).toHaveText(/^6\s*requests$/);
  await expect(row.getByTestId('blocked-count')).toHaveText('1');
  await row.click();
  const detail = page.getByTestId('session-detail');
  await expect(detail).toHaveAttribute('data-kind', 'http');
  await expect(detail).toContainText('HTTP session on billing-api');
  const timeline = page.getByTestId('http-timeline');
  await expect(timeline).toContainText('6 requests');
  const requests = timeline.getByTestId('timeline-statement');
  await expect(requests).toHaveCount(6);

  const list = requests.filter({ has: page.locator('[data-testid="http-exchange"][data-method="GET"]') }).filter({ hasText: '/v1/customers?limit=2' });
  await expect(list.getByTestId('http-status')).toHaveText('200');
  await expect(list.getByTestId('statement-facts')).toContainText(/↓ \d+ B · [\d.]+ m?s/);
  await expect(list.getByTestId('masked-counts')).toContainText('EMAIL');
  await list.getByRole('button', { name: /Response body/ }).click();
  await expect(list.getByTestId('http-body-text')).toContainText('[EMAIL]');
  await expect(list.getByTestId('http-body-text')).not.toContainText('ann@example.com');

  const note = requests.filter({ hasText: '/v1/notes' });
  await expect(note.getByTestId('http-status')).toHaveText('201');
  await note.getByRole('button', { name: /Request body/ }).click();
  await expect(note.locator('[data-which="request"]').getByTestId('http-body-text')).toContainText('call [EMAIL] back');

  const logo = requests.filter({ hasText: '/v1/logo.png' });
  await expect(logo.locator('[data-which="response"]')).toHaveAttribute('data-binary', 'true');
  await logo.getByRole('button', { name: /Response body/ }).click();
  await expect(logo.getByTestId('http-body-binary')).toContainText('binary, 2,048 bytes, sha256 ');

  const big = requests.filter({ hasText: '/v1/export.txt' });
  await expect(big.locator('[data-which="response"]')).toContainText('first 64 KB kept');
  await big.getByRole('button', { name: /Response body/ }).click();
  await expect(big.getByTestId('http-body-text')).toContainText('the trail keeps the first 64 KB');
  await expect(big.getByTestId('http-body-text')).not.toContainText('the end');

  const denied = requests.filter({ hasText: '/admin/users' });
  await expect(denied).toHaveAttribute('data-decision', 'deny');
  await expect(denied.getByTestId('statement-rule')).toHaveText('no-admin');
  await expect(denied).toContainText('never reached the API');
  await expect(denied.getByTestId('http-status')).toHaveText('403');

  const refund = requests.filter({ hasText: '/v1/refunds' });
  await expect(refund).toHaveAttribute('data-decision', 'approved');
  await expect(refund.getByTestId('statement-review')).toContainText('Approved by Rita Reviewer');
  await expect(refund.getByRole('link', { name: /^review [0-9a-f]{8}$/ })).toHaveAttribute('href', /\/reviews\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('stat-blocked')).toHaveText('1');
  await page.screenshot({ path: path.join(REPO_ROOT, 'playwright', 'test-results', 'web-http-sessions', 'timeline.png'), fullPage: true });
});
