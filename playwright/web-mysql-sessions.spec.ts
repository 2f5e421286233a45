/**
 * MySQL sessions in the web app, like Postgres ones: a developer runs statements on a MySQL/MariaDB connection with
 * `hoop exec` and through `hoop connect` with the mariadb client (a masked read, a refused delete, an update, a failing
 * statement); an auditor finds the sessions in the list and reads the SQL
 * timeline: each statement, its decision and rule, what was masked, row counts and the server's error.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { signInAt, startTestWeb } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-mysql-sessions');
const MYSQL_PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(MYSQL_PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });
const DB = `hoop_ws_${randomBytes(4).toString('hex')}`;
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  dev: { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: password() },
  audrey: { email: 'audrey@test.local', name: 'Audrey Auditor', role: 'auditor', password: password() },
} as const;

let stack: TestStack;
let web: Service;
let baseURL: string;
let devToken: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  asRoot(`CREATE DATABASE ${DB}; CREATE TABLE ${DB}.customers (id int PRIMARY KEY, name varchar(40), email varchar(80));
    INSERT INTO ${DB}.customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob.smith@example.org'), (3, 'Cy', 'cy@example.net')`);
  stack = await startTestStack();
  await stack.addConnection('orders-mysql', 'mysql', { host: '127.0.0.1', port: MYSQL_PORT, user: 'root', database: DB, sslMode: 'disabled' });
  for (const p of Object.values(PEOPLE)) {
    const u = await seedUser(stack.db, stack.orgId, p);
    if (p === PEOPLE.dev) devToken = (await seedApiToken(stack.db, u.id)).token;
  }
  await stack.startAgent();
  ({ web, baseURL } = await startTestWeb(stack, { settings: { HOOP_AUDIT_PUBLIC_KEY: stack.auditKey!.publicKey } }));

  // hoop exec: a masked read with a reason, and a refused delete
  const exec = (sql: string, reason?: string) =>
    stack.spawnCli(['exec', 'orders-mysql', '-i', sql, ...(reason ? ['--reason', reason] : [])], { token: devToken }).done;
  const read = await exec('SELECT id, name, email FROM customers ORDER BY id', 'ticket 77: check sign-ups');
  expect(read.code, read.stderr).toBe(0);
  expect(read.stdout).not.toContain('ann@example.com');
  const refused = await exec('DELETE FROM customers');
  expect(refused.code).toBe(3);

  // one interactive session through hoop connect: the mariadb client sends each statement and goes on after errors
  const local = await stack.connect('orders-mysql');
  const session = await new Promise<{ out: string; err: string }>((resolve) => {
    // statements from stdin, one a line: with --force the client goes on after an error (with -e it stops)
    const sql =
      "SELECT id, email FROM customers ORDER BY id;\nDELETE FROM customers;\nUPDATE customers SET name = 'Anne' WHERE id = 1;\nSELECT * FROM missing_table;\n";
    const args = ['-h', '127.0.0.1', '-P', String(local.port), '-u', 'dev', '-N', '-B', '--force', DB];
    const child = execFile('mariadb', args, { encoding: 'utf8' }, (_e, out, err) => resolve({ out, err }));
    child.stdin?.end(sql);
  });
  expect(session.out).not.toContain('ann@example.com');
  expect(session.out).toContain('[EMAIL]');
  expect(session.err).toMatch(/delete-without-where/);
  expect(session.err).toMatch(/missing_table' doesn't exist/);
  await local.stop();
  await waitFor('the three MySQL sessions to be sealed', async () => ((await stack.db.auditChain.count()) >= 3 ? true : null), { timeoutMs: 30_000 });
});

test.afterAll(async () => {
  await web?.stop();
  await stack?.stop();
  asRoot(`DROP DATABASE IF EXISTS ${DB}`);
});

const signIn = (page: Page, to: string) => signInAt(page, `${baseURL}${to}`, PEOPLE.audrey);

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

test('an auditor finds the MySQL sessions in the list, with their blocked and masked counts', async ({ page }) => {
  await signIn(page, '/sessions');
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(3);
  for (let i = 0; i < 3; i++) await expect(rows.nth(i)).toContainText('orders-mysql');
  const read = rows.filter({ hasText: 'ticket 77: check sign-ups' });
  await expect(read).toHaveCount(1);
  // three e-mails and three names (a person's name, by its column's name)
  await expect(read.getByTestId('masked-count')).toHaveText('6');
  await shot(page, 'sessions-list');
  await page.getByRole('combobox', { name: 'Any mode' }).selectOption('connect');
  await expect(rows).toHaveCount(1);
  const row = rows.first();
  await expect(row).toContainText('admin@test.local');
  await expect(row).toContainText('hoop connect');
  await expect(row.getByTestId('blocked-count')).toHaveText('1');
  await expect(row.getByTestId('masked-count')).toHaveText('3');
  await page.getByPlaceholder('Search statements and commands').fill("SET name = 'Anne'");
  await expect(rows).toHaveCount(1);
});

test('the SQL timeline of a MySQL session shows each statement, the refusal and its rule, masking, rows and errors', async ({ page }) => {
  await signIn(page, '/sessions?mode=connect');
  await page.getByTestId('session-row').first().click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  const detail = page.getByTestId('session-detail');
  await expect(detail).toHaveAttribute('data-kind', 'sql');
  // the login in words (server, thread, what the client asked for), not as raw data
  await expect(detail).toContainText(new RegExp(`Logged into (MariaDB|MySQL) [^·]+ · thread \\d+ · database ${DB} · client user dev`));
  await expect(detail).not.toContainText('"threadId"');
  const statements = page.getByTestId('timeline-statement');
  await expect(statements).toHaveCount(4);
  const refused = statements.filter({ has: page.locator('[data-decision="deny"]') });
  await expect(refused).toHaveCount(1);
  await expect(refused.getByTestId('statement-text')).toHaveText('DELETE FROM customers');
  await expect(refused.getByTestId('statement-rule')).toHaveText('delete-without-where');
  await expect(refused).toContainText('never reached the database');
  const read = statements.filter({ hasText: 'SELECT id, email FROM customers' });
  await expect(read.getByTestId('masked-counts')).toContainText('EMAIL');
  await expect(read.getByTestId('masked-counts')).toContainText('×3');
  await expect(read.getByTestId('statement-facts')).toContainText('3 rows');
  await expect(statements.filter({ hasText: 'UPDATE customers' }).getByTestId('statement-facts')).toContainText('1 row');
  await expect(statements.filter({ hasText: 'missing_table' }).getByTestId('statement-error')).toContainText("doesn't exist");
  await expect(page.getByTestId('stat-blocked')).toHaveText('1');
  await expect(page.getByTestId('stat-masked')).toHaveText('3');
  await shot(page, 'session-mysql');
  await page.getByRole('button', { name: 'Verify this session' }).click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
});

test('the hoop exec session shows its reason and its statement', async ({ page }) => {
  await signIn(page, '/sessions?mode=exec');
  await page.getByTestId('session-row').filter({ hasText: 'ticket 77' }).click();
  await expect(page.getByTestId('session-reason')).toHaveText('ticket 77: check sign-ups');
  const statements = page.getByTestId('timeline-statement');
  await expect(statements).toHaveCount(1);
  await expect(statements.getByTestId('masked-counts')).toContainText('×3');
  await expect(statements.getByTestId('statement-facts')).toContainText('3 rows');
  await shot(page, 'session-mysql-exec');
});
