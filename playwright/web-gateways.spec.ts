import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { createTargetDatabase, REPO_ROOT, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import { hydrated } from './hydration';
import { applyPolicy, startWebStack, stopWebStack, type WebStack } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-gateways');
const POLICY = {
  name: 'prod-reviewed',
  connections: { names: ['pg-prod'] },
  guardrails: { rules: [{ id: 'schema-change', action: 'review', message: 'schema changes on production need a reviewer', match: { kinds: ['ddl'] } }] },
  review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let s: WebStack | undefined;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let devToken = '';

test.describe.configure({ mode: 'serial' });
test.skip(skipWithout('haproxy'), 'needs HAProxy (haproxy) in front of the gateways');

test.beforeAll(async () => {
  target = await createTargetDatabase('web_gateways');
  await target.query('create table t (id int primary key, name text)');
  s = await startWebStack({
    stack: { gateways: 3 },
    setUp: async (stack) => {
      await stack.addPostgresConnection('pg-prod', target.url);
      const dev = await seedUser(stack.db, stack.orgId, { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: 'pw-dev-1234567' });
      devToken = (await seedApiToken(stack.db, dev.id)).token;
    },
  });
  const { stack } = s;
  await stack.fleet!.waitAgents(1);
  await applyPolicy(stack, POLICY, { connection: 'pg-prod', statement: 'alter table t add column x int' });
});

test.afterAll(async () => {
  await stopWebStack(s);
  await target?.drop();
});

/** `hoop exec` as the developer, through one gateway of the three (not the load balancer) */
function execThrough(gateway: number, sql: string) {
  const { stack } = s!;
  return stack.spawnCli(['exec', 'pg-prod', '-i', sql, '--reason', `through gateway ${gateway}`], {
    token: devToken,
    env: { HOOP_GATEWAY_URL: stack.fleet!.gateways[gateway]!.url },
  });
}

async function columns(): Promise<string[]> {
  const r = await target.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = 't' order by ordinal_position");
  return r.rows.map((x) => x.column_name);
}

/** the admin approves, in the web inbox, the one request waiting there, which names `sql` */
async function approveInInbox(page: Page, sql: string): Promise<void> {
  await page.goto(`${s!.baseURL}/reviews`);
  await hydrated(page);
  const row = page.getByTestId('review-row');
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await expect(row).toContainText(sql);
  await expect(row).toContainText('Dev Eloper');
  await row.click();
  await expect(page.getByTestId('review-status')).toHaveText('Pending');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('review-outcome')).toContainText('Approved by');
}

test('a statement held on one gateway is approved in the web inbox and runs; after that gateway dies, one held through another is too', async ({ page }) => {
  await s!.openAsAdmin(page, '/reviews');
  const first = execThrough(1, 'ALTER TABLE t ADD COLUMN note text');
  await approveInInbox(page, 'ALTER TABLE t ADD COLUMN note text');
  const r1 = await first.done;
  expect(r1.code, r1.stderr).toBe(0);
  expect(r1.stdout).toBe('ALTER\n');
  await expect(page.getByTestId('review-outcome')).toContainText('The statement ran');
  await page.screenshot({ path: path.join(SHOTS, 'approved-on-gateway-1.png'), fullPage: true });

  await s!.stack.fleet!.kill(1);
  const second = execThrough(2, 'ALTER TABLE t ADD COLUMN city text');
  await approveInInbox(page, 'ALTER TABLE t ADD COLUMN city text');
  const r2 = await second.done;
  expect(r2.code, r2.stderr).toBe(0);
  expect(r2.stdout).toBe('ALTER\n');
  expect(await columns()).toEqual(['id', 'name', 'note', 'city']);

  // both sessions, the one whose gateway is gone included, are in the web app with their statements
  await page.goto(`${s!.baseURL}/sessions`);
  await hydrated(page);
  for (const g of [1, 2]) await expect(page.getByRole('cell', { name: `through gateway ${g}` })).toBeVisible();
  // the first session's close reaches the database through another gateway once its own is gone
  const sessions = await waitFor('both exec sessions closed with their trail', async () => {
    const rows = await s!.stack.db.session.findMany({ where: { connection: { name: 'pg-prod' }, mode: 'exec' }, orderBy: { startedAt: 'asc' } });
    return rows.length === 2 && rows.every((x) => x.status !== 'open') ? rows : null;
  });
  for (const [session, column] of sessions.map((x, i) => [x, i === 0 ? 'note' : 'city'] as const)) {
    await page.goto(`${s!.baseURL}/sessions/${session.id}`);
    await hydrated(page);
    await expect(page.getByText(`ALTER TABLE t ADD COLUMN ${column} text`).first()).toBeVisible();
  }
  await page.screenshot({ path: path.join(SHOTS, 'session-after-kill.png'), fullPage: true });
});
