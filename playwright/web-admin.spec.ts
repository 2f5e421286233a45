/**
 * The admin pages against the real stack (gateway, a target database, the `hoop` CLI, the web app; nothing mocked).
 * An admin registers an agent and sees its key once, starts it with that key, adds a postgres connection with a
 * stored secret served by it, tests the connection (the agent logs into the target; a closed port fails with its
 * words), edits a policy in the form and in YAML (errors shown by path),
 * and sees the agent enforce the saved policy at once; the test box judges `DELETE FROM customers` and `rm -rf /`.
 * The key is rotated (the running agent is disconnected, the old key refused from then on), deleting a busy agent is refused with a reason, and a
 * developer reads policies but is kept out of every admin action, in the page and in the API.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { decryptSecret, hashSecret, parseEncryptionKey } from '@hoop/db';
import { seedUser } from '@hoop/db/testing';
import { createTargetDatabase, freePort, REPO_ROOT, type Service, startAgentService, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { gotoHydrated, hydrated, reloadHydrated } from './hydration';
import { LOGS, startTestWeb, submitSignIn } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'screenshots');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  ada: { email: 'ada@test.local', name: 'Ada Admin', role: 'admin', password: password() },
  dev: { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: password() },
} as const;
type Who = keyof typeof PEOPLE;

/** typed into the form as the connection's stored secret; must never come back */
const PG_SECRET = `pg-secret-${randomBytes(6).toString('hex')}`;
/** the target's login for that secret: a role of its own, so the password is checked wherever the server asks for one */
const PG_USER = `shop_${randomBytes(4).toString('hex')}`;

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let web: Service;
let agent: Service | null = null;
let baseURL: string;
let agentKey = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  target = await createTargetDatabase('web_admin');
  await target.query("create table customers (id int primary key, email text); insert into customers values (1, 'ana@example.com'), (2, 'bo@example.com')");
  await target.query(`create role ${PG_USER} login password '${PG_SECRET}'; grant all on customers to ${PG_USER}`);
  stack = await startTestStack();
  for (const p of Object.values(PEOPLE)) await seedUser(stack.db, stack.orgId, p);
  // a policy as `hoop policy apply` stores it, attached to nothing yet
  await stack.db.policy.create({ data: { orgId: stack.orgId, name: 'prod', document: { name: 'prod', description: 'Production databases' } } });
  ({ web, baseURL } = await startTestWeb(stack, { encryptionKey: stack.encryptionKey }));
});

test.afterAll(async () => {
  await agent?.stop();
  await web?.stop();
  await stack?.stop();
  await target?.query(`drop owned by ${PG_USER}; drop role ${PG_USER}`);
  await target?.drop();
});

/** Signs in on the way to `where` and waits there until the page is hydrated (its buttons work). */
async function openAs(page: Page, who: Who, where: string): Promise<void> {
  await page.goto(`${baseURL}${where}`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await submitSignIn(page, PEOPLE[who]);
  await expect(page).toHaveURL(`${baseURL}${where}`);
  await hydrated(page);
}

/** each agent process keeps its audit spool in a folder of its own */
const agentEnv = () => ({ HOOP_AGENT_DATA_DIR: path.join(tmpdir(), `hoop-web-admin-agent-${randomBytes(4).toString('hex')}`) });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
/** what the window shows (long pages with sticky parts: the policy editor) */
const view = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const agentRow = (page: Page, name: string) => page.locator(`[data-testid="agent-row"][data-name="${name}"]`);
const trpcGet = (page: Page, proc: string, input: unknown) =>
  page.request.get(`${baseURL}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
const trpcPost = (page: Page, proc: string, input: unknown) => page.request.post(`${baseURL}/api/trpc/${proc}`, { data: { json: input } });

test('an admin registers an agent, sees its key once, and the agent comes online with it', async ({ page }) => {
  await openAs(page, 'ada', '/agents');
  await page.getByRole('button', { name: 'New agent' }).click();
  const dialog = page.getByTestId('new-agent-dialog');
  await dialog.getByLabel('Name').fill('EU West');
  await dialog.getByRole('button', { name: 'Create agent' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The name is lowercase letters, digits, dots, dashes and underscores');
  await dialog.getByLabel('Name').fill('eu-west-1');
  await dialog.getByRole('button', { name: 'Create agent' }).click();

  const once = page.getByTestId('agent-key-dialog');
  await expect(once).toContainText('Copy the key now: it is not shown again.');
  agentKey = (await once.getByTestId('agent-key').textContent())!;
  expect(agentKey).toMatch(/^hoop_agent_[A-Za-z0-9_-]{32}$/);
  const wsUrl = stack.gatewayUrl.replace(/^http/, 'ws');
  await expect(once.getByTestId('agent-command')).toHaveText(`HOOP_GATEWAY_URL=${wsUrl} HOOP_AGENT_KEY=${agentKey} pnpm --filter @hoop/agent start`);
  await shot(page, 'admin-agent-key-once');
  await once.getByRole('button', { name: 'I have copied it' }).click();
  await expect(once).toBeHidden();

  // only the hash is kept, and the key is never shown again
  const row = await stack.db.agent.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'eu-west-1' } });
  expect(row.keyHash).toBe(hashSecret(agentKey));
  await page.reload();
  expect(await page.content()).not.toContain(agentKey);
  await expect(agentRow(page, 'eu-west-1').locator('[data-status]')).toHaveAttribute('data-status', 'never-connected');

  // the key works: the agent dials the gateway with it and the page shows it online
  agent = startAgentService({ gatewayUrl: wsUrl, key: agentKey, logDir: LOGS, env: agentEnv() });
  await expect(agentRow(page, 'eu-west-1').locator('[data-status]')).toHaveAttribute('data-status', 'online', { timeout: 30_000 });
  await expect(agentRow(page, 'eu-west-1')).toContainText('no connections');
  await shot(page, 'admin-agents');
});

test('an admin adds a postgres connection with a stored secret served by that agent, and tests it', async ({ page }) => {
  const t = new URL(target.url);
  await openAs(page, 'ada', '/connections');
  await page.getByRole('link', { name: 'New connection' }).click();
  await expect(page).toHaveURL(`${baseURL}/connections/new`);
  const form = page.getByTestId('connection-form');
  await form.getByLabel('Name').fill('pg-shop');
  await form.getByLabel('Port').fill('99999');
  await form.getByRole('button', { name: 'Add connection' }).click();
  // each problem at its field, by the same rules as the API and the agent
  await expect(form.locator('#pg-host')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('Enter the host: a name or address the agent can reach, such as db.internal or 10.0.3.17.')).toBeVisible();
  await expect(form.locator('#pg-port')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('The port must be a number from 1 to 65535.')).toBeVisible();
  await expect(form.getByText('Enter the database name.')).toBeVisible();
  await expect(form.getByText('Fix the fields marked above, then try again.')).toBeVisible();
  expect(await stack.db.connection.count({ where: { name: 'pg-shop' } })).toBe(0);
  await shot(page, 'admin-connection-invalid');

  await form.getByLabel('Host').fill(t.hostname);
  await form.getByLabel('Port').fill(t.port || '5432');
  await form.getByLabel('Database').fill(t.pathname.slice(1));
  await form.getByLabel('User', { exact: true }).fill(PG_USER);
  await form.getByLabel('TLS (sslmode)').selectOption('disable');
  await expect(form.getByRole('radio', { name: /Stored secret/ })).toHaveAttribute('aria-checked', 'true');
  await form.getByLabel('Stored password').fill(PG_SECRET);
  await form.getByLabel('Agent', { exact: true }).selectOption({ label: 'eu-west-1 · online' });
  await form.getByLabel('Add a tag').fill('shop, eu');
  await form.getByLabel('Add a tag').press('Enter');
  await form.getByRole('button', { name: 'Add connection' }).click();

  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?created=1$/);
  await expect(page.getByTestId('connection-saved')).toContainText('Added pg-shop. Agent eu-west-1 got it at once.');
  await expect(page.getByTestId('secret-value-state')).toContainText('Set');
  expect(await page.content()).not.toContain(PG_SECRET);

  // sealed with the gateway's key, as typed
  const stored = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'pg-shop' }, include: { agent: true } });
  expect(stored).toMatchObject({ type: 'postgres', secretRef: 'stored', tags: ['shop', 'eu'], readOnly: false });
  expect(stored.agent?.name).toBe('eu-west-1');
  expect(stored.secretEncrypted).not.toContain(PG_SECRET);
  expect(decryptSecret(stored.secretEncrypted!, parseEncryptionKey(stack.encryptionKey))).toBe(PG_SECRET);
  const api = await (await trpcGet(page, 'connection.get', { id: stored.id })).text();
  expect(api).toContain('"storedSet":true');
  for (const s of [PG_SECRET, stored.secretEncrypted!]) expect(api).not.toContain(s);

  // Test says exactly what it checked: the agent logs into the target with the stored secret and runs select 1
  await page.getByTestId('connection-delete').scrollIntoViewIfNeeded();
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const report = page.getByTestId('connection-test-result');
  await expect(report).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  for (const [check, status] of [
    ['settings', 'pass'],
    ['agent', 'pass'],
    ['credential', 'pass'],
    ['policy', 'pass'],
    ['target', 'pass'],
  ] as const) {
    await expect(report.locator(`[data-check="${check}"]`)).toHaveAttribute('data-status', status);
  }
  await expect(report.locator('[data-check="agent"]')).toContainText('“eu-west-1” is online');
  await expect(report.locator('[data-check="target"]')).toContainText(/PostgreSQL \d+\.\d+ at 127\.0\.0\.1:\d+ accepted \S+ and answered select 1 in \d+ ms/);
  const steps = report.getByTestId('connection-target-step');
  await expect(steps).toHaveCount(5);
  for (const [step, status] of [
    ['credential', 'pass'],
    ['connect', 'pass'],
    ['tls', 'skip'],
    ['login', 'pass'],
    ['query', 'pass'],
  ] as const) {
    await expect(report.locator(`[data-testid="connection-target-step"][data-step="${step}"]`)).toHaveAttribute('data-status', status);
  }
  await expect(report.locator('[data-step="credential"]')).toContainText('the stored secret, sent by the gateway to this agent only');
  await expect(report.getByTestId('connection-target')).toContainText(/through gateway \S+\/\d+/);
  expect(await page.content()).not.toContain(PG_SECRET);
  await expect(page.getByTestId('connection-not-checked')).toContainText('No session was opened');
  await expect(page.getByTestId('connection-not-checked')).toContainText('hoop exec pg-shop -i "select 1"');
  await shot(page, 'admin-connection-tested');

  // the agent really got it, without a restart: a query through the gateway and the agent
  await waitFor(
    'pg-shop to be served',
    async () => ((await stack.cli(['exec', 'pg-shop', '-i', 'select count(*) as n from customers'])).code === 0 ? true : null),
    { timeoutMs: 20_000 },
  );

  // the list: admins get Test and Edit on each row
  await gotoHydrated(page, `${baseURL}/connections`);
  const row = page.locator('[data-testid="connection-row"][data-name="pg-shop"]');
  await expect(row).toContainText('encrypted');
  await row.getByRole('button', { name: 'Test pg-shop' }).click();
  await expect(page.locator('[data-testid="connection-test-row"][data-name="pg-shop"] [data-testid="connection-test-result"]')).toHaveAttribute(
    'data-ready',
    'true',
    { timeout: 20_000 },
  );
  await shot(page, 'admin-connections');

  // a port nothing listens on: the target check fails with the agent's words, the rest still pass
  const closedPort = await freePort();
  await stack.db.connection.create({
    data: {
      orgId: stack.orgId,
      name: 'pg-closed',
      type: 'postgres',
      agentId: stored.agentId,
      config: { host: '127.0.0.1', port: closedPort, database: 'shop', user: 'app', sslmode: 'disable' },
    },
  });
  await reloadHydrated(page);
  await page.locator('[data-testid="connection-row"][data-name="pg-closed"]').getByRole('button', { name: 'Test pg-closed' }).click();
  const failed = page.locator('[data-testid="connection-test-row"][data-name="pg-closed"] [data-testid="connection-test-result"]');
  await expect(failed).toHaveAttribute('data-ready', 'false', { timeout: 20_000 });
  await expect(failed.locator('[data-check="agent"]')).toHaveAttribute('data-status', 'pass');
  await expect(failed.locator('[data-check="target"]')).toHaveAttribute('data-status', 'fail');
  await expect(failed.locator('[data-check="target"]')).toContainText(
    `127.0.0.1:${closedPort} refused the connection: nothing listens on port ${closedPort} there`,
  );
  await expect(failed.getByTestId('connection-target')).toHaveAttribute('data-code', 'refused');
  await expect(failed.locator('[data-testid="connection-target-step"][data-step="connect"]')).toHaveAttribute('data-status', 'fail');
  await shot(page, 'admin-connection-test-failed');
  await stack.db.connection.delete({ where: { orgId_name: { orgId: stack.orgId, name: 'pg-closed' } } });
});

test('an admin edits a policy in the form and in YAML; agents enforce it at once; the test box judges statements', async ({ page }) => {
  await openAs(page, 'ada', '/policies');
  const row = page.locator('[data-testid="policy-row"][data-name="prod"]');
  await expect(row).toContainText('v1');
  await expect(row).toContainText('no connections');
  await shot(page, 'admin-policies');
  await row.getByRole('link', { name: 'prod' }).click();
  await expect(page.getByTestId('policy-editor')).toHaveAttribute('data-mode', 'form');
  await view(page, 'admin-policy-form');

  // the form: attach to pg-shop, hold TRUNCATE for review, stop detecting phone numbers, two approvals
  await page.getByLabel('Add a connection name').fill('pg-shop');
  await page.getByLabel('Add a connection name').press('Enter');
  await page.getByLabel('truncate action').selectOption('review');
  await page.getByTestId('policy-section-guardrails').scrollIntoViewIfNeeded();
  await view(page, 'admin-policy-guardrails');
  await page.locator('[data-testid="pii-type"][data-type="phone"] input[type="checkbox"]').uncheck();
  await page.getByTestId('policy-section-masking').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await view(page, 'admin-policy-masking');
  await page.getByLabel('Approvals needed').fill('0');
  const review = page.getByTestId('policy-section-review');
  await expect(review.getByRole('alert')).toHaveText('Must be at least 1.');
  await expect(page.getByTestId('policy-status')).toContainText('1 problem');
  await page.getByLabel('Approvals needed').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await view(page, 'admin-policy-form-invalid');
  await page.getByLabel('Approvals needed').fill('2');
  await expect(review.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('policy-saved')).toContainText('Saved version 2; agents have it now');
  await expect(page.getByTestId('policy-saved')).toContainText('Attached to pg-shop.');
  await expect(page.getByTestId('policy-connections')).toContainText('pg-shop');
  const v2 = await stack.db.policy.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'prod' }, include: { connections: { select: { name: true } } } });
  expect(v2.version).toBe(2);
  expect(v2.connections.map((c) => c.name)).toEqual(['pg-shop']);
  expect(v2.document).toMatchObject({
    version: 2,
    guardrails: { builtins: { truncate: { action: 'review' } } },
    masking: { disabledTypes: ['phone'] },
    review: { minApprovals: 2 },
  });

  // YAML: a mistake is shown with its line and path; the fixed document is saved as version 3
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = page.getByTestId('policy-yaml');
  const text = await yaml.inputValue();
  expect(text).toContain('minApprovals: 2');
  await yaml.fill(text.replace('minApprovals: 2', 'minApprovals: many'));
  const problem = page.locator('[data-testid="yaml-problem"][data-path="review.minApprovals"]');
  await expect(problem).toContainText('Must be a number.');
  const line = text.split('\n').findIndex((l) => l.includes('minApprovals: 2')) + 1;
  await expect(problem).toContainText(`line ${line}`);
  await expect(page.getByRole('tab', { name: 'Form' })).toBeDisabled();
  await view(page, 'admin-policy-yaml-invalid');
  const rule = [
    '    - id: no-customer-updates',
    '      action: deny',
    '      message: customers are changed by the shop only',
    '      match:',
    '        commands: [UPDATE]',
    '        tables: [customers]',
  ].join('\n');
  await yaml.fill(text.replace('minApprovals: 2', 'minApprovals: 1').replace(/\n {2}rules: \[\]\n/, `\n  rules:\n${rule}\n`));
  await expect(page.getByTestId('yaml-problems')).toHaveCount(0);
  await expect(page.getByRole('tab', { name: 'Form' })).toBeEnabled();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('policy-saved')).toContainText('Saved version 3');
  const v3 = await stack.db.policy.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'prod' } });
  expect(v3.document).toMatchObject({ version: 3, review: { minApprovals: 1 }, guardrails: { rules: [{ id: 'no-customer-updates', action: 'deny' }] } });

  // the agent enforces version 3 without a restart
  await waitFor(
    'the agent to enforce the new rule',
    async () => {
      const r = await stack.cli(['exec', 'pg-shop', '-i', "update customers set email = 'x@example.com' where id = 1"]);
      return r.code === 3 && r.stderr.includes('no-customer-updates') ? true : null;
    },
    { timeoutMs: 20_000 },
  );
  expect((await target.query<{ email: string }>('select email from customers where id = 1')).rows[0]?.email).toBe('ana@example.com');

  // the test box, on the connection, then as a shell command
  await page.getByRole('tab', { name: 'Form' }).click();
  const box = page.getByTestId('policy-test-box');
  await box.getByLabel('Judge as').selectOption({ label: 'pg-shop (postgres)' });
  await box.getByLabel('SQL to test').fill('select id from customers; DELETE FROM customers');
  await box.getByRole('button', { name: 'Test', exact: true }).click();
  const result = box.getByTestId('policy-test-result');
  await expect(result).toHaveAttribute('data-action', 'deny');
  await expect(result).toHaveAttribute('data-rule', 'delete-without-where');
  await expect(result.getByTestId('policy-test-item').nth(0)).toHaveAttribute('data-action', 'allow');
  await expect(result.getByTestId('policy-test-item').nth(1)).toContainText('DELETE without a WHERE clause');
  await view(page, 'admin-policy-test-sql');
  await box.getByLabel('Judge as').selectOption({ label: 'Shell command' });
  await box.getByLabel('Shell command to test').fill('rm -rf /');
  await box.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(result).toHaveAttribute('data-action', 'deny');
  await expect(result).toHaveAttribute('data-rule', 'rm-recursive-broad');
  await view(page, 'admin-policy-test-shell');
});

test(
  'an admin rotates the agent key (the running agent is disconnected, ' +
    'the old key refused from then on) and cannot delete an agent that serves connections',
  async ({ page }) => {
    await openAs(page, 'ada', '/agents');
    const row = agentRow(page, 'eu-west-1');
    await expect(row).toContainText('pg-shop');
    await row.getByRole('button', { name: 'Rotate the key of eu-west-1' }).click();
    const confirm = page.getByTestId('rotate-agent-dialog');
    await expect(confirm).toContainText('is refused from then on');
    await confirm.getByRole('button', { name: 'Replace key' }).click();
    const once = page.getByTestId('agent-key-dialog');
    await expect(once).toContainText('New key for eu-west-1');
    const newKey = (await once.getByTestId('agent-key').textContent())!;
    expect(newKey).not.toBe(agentKey);
    await once.getByRole('button', { name: 'I have copied it' }).click();
    // the agent running with the old key was disconnected at once
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'offline', { timeout: 8_000 });
    const stored = await stack.db.agent.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'eu-west-1' } });
    expect(stored.keyHash).toBe(hashSecret(newKey));
    expect(await stack.db.agent.count({ where: { keyHash: hashSecret(agentKey) } })).toBe(0);

    // the old key no longer gets in: restart the agent with it, and it never comes back online
    await agent?.stop();
    await stack.db.agent.update({ where: { id: stored.id }, data: { connectedAt: null } });
    const wsUrl = stack.gatewayUrl.replace(/^http/, 'ws');
    agent = startAgentService({ gatewayUrl: wsUrl, key: agentKey, logDir: LOGS, env: agentEnv() });
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'offline', { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await stack.db.agent.findUniqueOrThrow({ where: { id: stored.id } })).connectedAt).toBeNull();
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'offline');
    await agent.stop();
    // the new one does
    agent = startAgentService({ gatewayUrl: wsUrl, key: newKey, logDir: LOGS, env: agentEnv() });
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'online', { timeout: 30_000 });

    // deleting it is refused while it serves pg-shop: the page says so, and so does the API
    const refusal = '“eu-west-1” still serves 1 connection (pg-shop): assign it to another agent, or to none, before deleting it.';
    await row.getByRole('button', { name: 'Delete eu-west-1' }).click();
    const del = page.getByTestId('delete-agent-dialog');
    await expect(del.getByTestId('delete-agent-refusal')).toHaveText(refusal);
    await expect(del.getByRole('button', { name: 'Delete agent' })).toHaveCount(0);
    await shot(page, 'admin-agent-delete-refused');
    await del.getByRole('button', { name: 'Close', exact: true }).last().click();
    const api = await trpcPost(page, 'agent.delete', { id: stored.id });
    expect(api.status()).toBe(409);
    expect(await api.text()).toContain(refusal);
    expect(await stack.db.agent.count({ where: { id: stored.id } })).toBe(1);
  },
);

test('a developer reads connections and policies but is kept out of every admin action', async ({ page }) => {
  await openAs(page, 'dev', '/connections');
  await expect(page.locator('[data-testid="connection-row"][data-name="pg-shop"]')).toBeVisible();
  await expect(page.getByRole('link', { name: 'New connection' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Test pg-shop' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Edit pg-shop' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Agents' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Policies' })).toBeVisible();

  await page.goto(`${baseURL}/connections/new`);
  await expect(page.getByTestId('empty-state')).toContainText('Admins only');
  await expect(page.getByTestId('connection-form')).toHaveCount(0);
  await page.goto(`${baseURL}/agents`);
  await expect(page.getByTestId('empty-state')).toContainText('Admins and auditors only');

  await gotoHydrated(page, `${baseURL}/policies`);
  await expect(page.getByRole('link', { name: 'New policy' })).toHaveCount(0);
  await page.getByRole('link', { name: 'prod', exact: true }).click();
  await expect(page.getByText('Only admins change policies.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toHaveCount(0);
  await expect(page.getByLabel('Approvals needed')).toBeDisabled();
  // testing is for everyone: it changes nothing
  const box = page.getByTestId('policy-test-box');
  await box.getByLabel('SQL to test').fill('DELETE FROM customers');
  await box.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(box.getByTestId('policy-test-result')).toHaveAttribute('data-rule', 'delete-without-where');
  await view(page, 'admin-policy-developer');

  // and the API refuses them whatever the page shows
  const conn = await stack.db.connection.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'pg-shop' } });
  const policy = await stack.db.policy.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'prod' } });
  const agentRowDb = await stack.db.agent.findFirstOrThrow({ where: { orgId: stack.orgId, name: 'eu-west-1' } });
  const refusals = [
    await trpcPost(page, 'connection.create', { type: 'postgres', name: 'sneaky', config: { host: 'db', database: 'app', user: 'x' } }),
    await trpcPost(page, 'connection.delete', { id: conn.id }),
    await trpcPost(page, 'agent.create', { name: 'sneaky' }),
    await trpcPost(page, 'agent.rotateKey', { id: agentRowDb.id }),
    await trpcPost(page, 'policy.save', { id: policy.id, document: { name: 'prod', readOnly: false } }),
    await trpcGet(page, 'connection.get', { id: conn.id }),
  ];
  for (const r of refusals) {
    expect(r.status()).toBe(403);
    expect(await r.text()).toContain('This needs the admin role');
  }
  expect((await stack.db.policy.findUniqueOrThrow({ where: { id: policy.id } })).version).toBe(3);
  expect((await stack.db.agent.findUniqueOrThrow({ where: { id: agentRowDb.id } })).keyHash).toBe(agentRowDb.keyHash);
});
