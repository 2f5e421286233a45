/**
 * Sessions, replay and audit against the real stack: a gateway, an agent, a target database, the `hoop` CLI, OpenSSH's
 * `ssh` and the web app, with nothing mocked. A developer runs statements with `hoop exec` and through `hoop connect`
 * (one refused by a guardrail, one returning masked e-mail addresses); a terminal session runs bash on the agent host
 * over `ssh -tt`. An auditor finds the sessions with the list's filters, reads the SQL timeline, follows the terminal
 * session live, replays it, exports and verifies; the audit page finds a tampered event. A developer sees only their own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import pg from 'pg';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { cliCommand, createTargetDatabase, freePort, inheritedEnv, REPO_ROOT, type Service, startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import { startWebService } from '../scripts/web-service';
import { hydrated } from './hydration';
import { sshTerminal } from './ssh-terminal';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'test-results', 'web-sessions');
const LOGS = path.join(REPO_ROOT, '.hoop', 'logs', 'playwright');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  dev: { email: 'dev@test.local', name: 'Dev Eloper', role: 'developer', password: password() },
  sam: { email: 'sam@test.local', name: 'Sam Sysadmin', role: 'developer', password: password() },
  bot: { email: 'report-bot@test.local', name: 'Report Bot', role: 'developer', password: password(), isService: true },
  audrey: { email: 'audrey@test.local', name: 'Audrey Auditor', role: 'auditor', password: password() },
} as const;
type Who = keyof typeof PEOPLE;

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let web: Service;
let baseURL: string;
let shellDir: string;
const tokens: Partial<Record<Who, string>> = {};
const cleanups: (() => Promise<void>)[] = [];

test.describe.configure({ mode: 'serial' });

/** `hoop exec pg-prod -i SQL` as one of the people. */
async function execAs(who: Who, sql: string, reason?: string) {
  return stack.spawnCli(['exec', 'pg-prod', '-i', sql, ...(reason ? ['--reason', reason] : [])], { token: tokens[who]! }).done;
}

/**
 * `hoop connect NAME` as one of the people: a local port that speaks the connection's protocol; `password` is the one
 * it printed in its URL (Postgres connections; null for the others).
 */
async function connectAs(who: Who, name: string): Promise<{ port: number; password: string | null; stop(): Promise<void> }> {
  const port = await freePort();
  const hoop = cliCommand(['connect', name, '--port', String(port)]);
  const child = spawn(hoop.command, hoop.args, {
    env: { ...inheritedEnv(), ...hoop.env, HOOP_CONFIG: stack.configFile, HOOP_GATEWAY_URL: stack.gatewayUrl, HOOP_TOKEN: tokens[who]! },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    `hoop connect ${name} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`hoop connect exited: ${out}`);
      return out.includes('ready:') ? true : null;
    },
    { timeoutMs: 30_000 },
  );
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  cleanups.push(stop);
  const printed = /postgres:\/\/[^"\s]+/.exec(out)?.[0];
  return { port, password: printed ? decodeURIComponent(new URL(printed).password) || null : null, stop };
}

test.beforeAll(async () => {
  target = await createTargetDatabase('web_sessions');
  await target.query('create table customers (id int primary key, name text, email text)');
  await target.query("insert into customers values (1, 'Ann', 'ann@example.com'), (2, 'Bob', 'bob.smith@example.org'), (3, 'Cy', 'cy@example.net')");
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-prod', target.url);
  shellDir = await mkdtemp(path.join(tmpdir(), 'hoop-box-'));
  await stack.addConnection('box', 'command', {
    shell: ['bash', '--noprofile', '--norc', '-i'],
    exec: ['bash', '--noprofile', '--norc', '-c', '{}'],
    cwd: shellDir,
  });
  for (const [who, p] of Object.entries(PEOPLE) as [Who, (typeof PEOPLE)[Who]][]) {
    const u = await seedUser(stack.db, stack.orgId, p);
    tokens[who] = (await seedApiToken(stack.db, u.id)).token;
  }
  await stack.startAgent();
  const webPort = await freePort();
  baseURL = `http://127.0.0.1:${webPort}`;
  // the gateway's public key: the web app checks the signatures on the audit chain with it
  web = await startWebService({
    databaseUrl: stack.dbUrl,
    port: webPort,
    gatewayUrl: stack.gatewayUrl,
    logDir: LOGS,
    build: false,
    settings: { HOOP_AUDIT_PUBLIC_KEY: stack.auditKey!.publicKey },
  });

  // hoop exec: a read that returns e-mail addresses (masked), a refused delete, an AI agent's count
  const masked = await execAs('dev', 'select id, name, email from customers order by id', 'ticket 512: check sign-ups');
  expect(masked.code, masked.stderr).toBe(0);
  expect(masked.stdout).not.toContain('ann@example.com');
  const blocked = await execAs('dev', 'delete from customers', 'clean up test rows');
  expect(blocked.code).toBe(3);
  expect(blocked.stderr).toContain('delete-without-where');
  const bot = await execAs('bot', 'select count(*) from customers', 'weekly report');
  expect(bot.code, bot.stderr).toBe(0);

  // one interactive session through hoop connect: several statements, one refused, one masked, one failing
  const local = await connectAs('dev', 'pg-prod');
  const client = new pg.Client({
    connectionString: `postgres://dev:${encodeURIComponent(local.password ?? '')}@127.0.0.1:${local.port}/pg-prod?sslmode=disable`,
    application_name: 'psql',
  });
  await client.connect();
  const rows = await client.query('select id, email from customers order by id');
  expect(rows.rows.map((r: { email: string }) => r.email)).not.toContain('ann@example.com');
  await expect(client.query('delete from customers')).rejects.toThrow(/delete-without-where/);
  await client.query("update customers set name = 'Anne' where id = 1");
  await expect(client.query('select * from missing_table')).rejects.toThrow(/does not exist/);
  await client.end();
  await local.stop();
  await waitFor('the four SQL sessions to be sealed', async () => ((await stack.db.auditChain.count()) >= 4 ? true : null), { timeoutMs: 30_000 });
});

test.afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await web?.stop();
  await stack?.stop();
  await target?.drop();
  if (shellDir) await rm(shellDir, { recursive: true, force: true });
});

/** Signs in on the way to `to` and waits there until the page is hydrated (its filters and buttons work). */
async function signIn(page: Page, who: Who, to: string): Promise<void> {
  await page.goto(`${baseURL}${to}`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel('E-mail').fill(PEOPLE[who].email);
  await page.getByLabel('Password').fill(PEOPLE[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}${to}`);
  await hydrated(page);
}

/** Moves a range input as a drag would (the browser sets the value itself, then fires `input`). */
async function slide(slider: Locator, value: number): Promise<void> {
  await slider.evaluate((el, v) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Opens the Export menu and saves one of its files. */
async function download(page: Page, choice: RegExp): Promise<{ name: string; text: string }> {
  await page.getByTestId('download-menu').locator('summary').click();
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: choice }).click()]);
  return { name: file.suggestedFilename(), text: await readFile((await file.path())!, 'utf8') };
}

test('an auditor filters sessions and reads the SQL timeline: the refused statement, its rule, what was masked', async ({ page }) => {
  await signIn(page, 'audrey', '/sessions');
  await expect(page.getByRole('link', { name: 'Sessions' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('link', { name: 'Audit' })).toBeVisible();
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(4);
  const botRow = rows.filter({ hasText: 'Report Bot' });
  await expect(botRow.getByTestId('service-badge')).toHaveText('AI agent');
  await expect(botRow).toContainText('weekly report');
  await expect(rows.filter({ hasText: 'ticket 512: check sign-ups' })).toHaveCount(1);
  await shot(page, 'sessions-list');

  await page.getByRole('combobox', { name: 'Any outcome' }).selectOption('blocked');
  await expect(page).toHaveURL(/outcome=blocked/);
  await expect(rows).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Any mode' }).selectOption('connect');
  await expect(rows).toHaveCount(1);
  const row = rows.first();
  await expect(row).toContainText('Dev Eloper');
  await expect(row).toContainText('hoop connect');
  await expect(row.getByTestId('blocked-count')).toHaveText('1');
  await expect(row.getByTestId('masked-count')).toHaveText('3');
  // free text in statements, together with the other filters
  await page.getByPlaceholder('Search statements and commands').fill("set name = 'Anne'");
  await expect(page).toHaveURL(/q=set\+name/);
  await expect(rows).toHaveCount(1);
  await shot(page, 'sessions-filtered');
  await page.getByPlaceholder('Search statements and commands').fill('no such statement anywhere');
  await expect(page.getByTestId('empty-state')).toContainText('No session matches these filters');
  await page.getByPlaceholder('Search statements and commands').fill('');
  await expect(rows).toHaveCount(1);

  await row.click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  const detail = page.getByTestId('session-detail');
  await expect(detail).toHaveAttribute('data-kind', 'sql');
  await expect(page.getByTestId('session-reason')).toHaveText('none given');
  const statements = page.getByTestId('timeline-statement');
  await expect(statements).toHaveCount(4);
  const refused = statements.filter({ has: page.locator('[data-decision="deny"]') });
  await expect(refused).toHaveCount(1);
  await expect(refused.getByTestId('statement-text')).toHaveText('delete from customers');
  await expect(refused.getByTestId('statement-rule')).toHaveText('delete-without-where');
  await expect(refused.getByTestId('statement-reason')).toContainText('DELETE without a WHERE clause would touch every row');
  await expect(refused).toContainText('never reached the database');
  const read = statements.filter({ hasText: 'select id, email from customers' });
  await expect(read.getByTestId('masked-counts')).toContainText('EMAIL');
  await expect(read.getByTestId('masked-counts')).toContainText('×3');
  await expect(read.getByTestId('statement-facts')).toContainText('SELECT 3');
  await expect(statements.filter({ hasText: 'update customers' }).getByTestId('statement-facts')).toContainText('UPDATE 1');
  await expect(statements.filter({ hasText: 'missing_table' }).getByTestId('statement-error')).toContainText('does not exist');
  await expect(page.getByTestId('stat-blocked')).toHaveText('1');
  await expect(page.getByTestId('stat-masked')).toHaveText('3');
  await shot(page, 'session-sql');

  const jsonl = await download(page, /JSON lines/);
  const id = page.url().split('/').pop()!;
  expect(jsonl.name).toBe(`hoop-session-${id}.jsonl`);
  const lines = jsonl.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { session: string; seq: number; type: string; data: { sql?: string; decision?: string } });
  expect(lines.length).toBe(await stack.db.auditEvent.count({ where: { sessionId: id } }));
  expect(lines.every((l, i) => l.session === id && l.seq === i)).toBe(true);
  expect(lines.find((l) => l.data.decision === 'deny')?.data.sql).toBe('delete from customers');
  expect(jsonl.text).not.toContain('ann@example.com');

  await page.getByRole('button', { name: 'Verify this session' }).click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('verify-result')).toContainText('This session’s trail is intact');
  await shot(page, 'session-sql-verified');

  // the filtered list exports as CSV, one row per session
  await page.getByRole('link', { name: 'Sessions' }).first().click();
  await page.getByRole('combobox', { name: 'Any outcome' }).selectOption('masked');
  await expect(rows).toHaveCount(2);
  const csv = await download(page, /Sessions as CSV/);
  const csvLines = csv.text.trim().split('\n');
  expect(csvLines[0]).toMatch(/^id,started_at,ended_at,user,service_account,connection/);
  expect(csvLines).toHaveLength(3);
});

test('a terminal session is followed live, then replayed with play, speed and seek, exported and verified', async ({ page }) => {
  test.skip(skipWithout('ssh'), 'needs the ssh client (openssh-client)');
  const local = await connectAs('sam', 'box');
  const term = sshTerminal(local.port, cleanups);
  await term.type('echo hello-$((40+2))\r');
  await term.until(/hello-42/);

  await signIn(page, 'audrey', '/sessions?connection=box');
  const row = page.getByTestId('session-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-kind', 'terminal');
  await expect(row.getByTestId('session-status')).toHaveText('Live');
  await row.click();
  const screen = page.getByTestId('terminal-screen');
  await expect(screen).toContainText('hello-42');
  await expect(page.getByTestId('session-status')).toHaveText('Live');

  // the live view: what is typed now shows up without a reload
  await term.type('echo again-$((1+1))\r');
  await term.until(/again-2/);
  await expect(screen).toContainText('again-2', { timeout: 15_000 });
  await shot(page, 'session-terminal-live');
  await term.type('exit\r');
  expect(await term.closed).toBe(0);
  await expect(page.getByTestId('session-status')).toHaveText('Closed', { timeout: 15_000 });
  const commands = page.getByTestId('terminal-command');
  await expect(commands).toHaveCount(3);
  await expect(commands.first()).toContainText('echo hello-$((40+2))');
  await expect(commands.last()).toContainText('exit');
  await expect(commands.first()).toHaveAttribute('data-decision', 'allow');
  await expect(page.getByTestId('terminal-outcome')).toContainText('Exited with status 0');

  // replay: back to the start, where nothing is on the screen yet, then play at 4×
  const seek = page.getByRole('slider', { name: 'Seek' });
  await slide(seek, 0);
  await expect(screen).not.toContainText('hello-42');
  await expect(page.getByTestId('player-time')).toHaveText(/^0:00\.0 \//);
  await page.getByRole('button', { name: '4×' }).click();
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(screen).toContainText('hello-42', { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible({ timeout: 15_000 });
  await expect(screen).toContainText('again-2');
  // seeking to a moment shows the screen as it was then
  const total = Number((await seek.getAttribute('max')) ?? '0');
  expect(total).toBeGreaterThan(0);
  await slide(seek, total);
  await expect(screen).toContainText('again-2');
  await shot(page, 'session-terminal-replay');

  const cast = await download(page, /asciicast/);
  expect(cast.name).toMatch(/\.cast$/);
  const [header, ...frames] = cast.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  expect(header).toMatchObject({ version: 2, width: expect.any(Number), height: expect.any(Number) });
  expect((frames as [number, string, string][]).map((f) => f[2]).join('')).toContain('hello-42');

  await page.getByRole('button', { name: 'Verify this session' }).click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
});

test('the audit page verifies the whole trail and points at the first broken link', async ({ page }) => {
  await waitFor('the terminal session to be sealed', async () => ((await stack.db.auditChain.count()) >= 5 ? true : null), { timeoutMs: 30_000 });
  await signIn(page, 'audrey', '/audit');
  await expect(page.getByTestId('audit-overview')).toContainText('5');
  await page.getByRole('button', { name: 'Verify the whole trail' }).click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('verify-result')).toContainText('5 sessions');
  await expect(page.getByTestId('verify-signatures')).toHaveText(`5 links of the global chain signed and checked (key ${stack.auditKey!.keyId}).`);
  await shot(page, 'audit-intact');

  // someone with superuser access rewrites a refused statement into a harmless one, then puts it back
  const refused = await stack.db.auditEvent.findFirstOrThrow({
    where: { type: 'statement', data: { path: ['decision'], equals: 'deny' } },
    orderBy: { id: 'asc' },
  });
  const rewrite = (sql: string) =>
    stack.db.$transaction([
      stack.db.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER USER'),
      stack.db.$executeRawUnsafe(`UPDATE audit_events SET data = jsonb_set(data, '{sql}', to_jsonb($1::text)) WHERE id = $2`, sql, refused.id),
      stack.db.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER USER'),
    ]);
  await rewrite('select 1');
  try {
    await page.getByRole('button', { name: 'Verify the whole trail' }).click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'false');
    await expect(page.getByTestId('verify-problem')).toHaveText(`Event ${refused.seq} was altered (its content does not match its hash).`);
    await expect(page.getByTestId('verify-result').getByRole('link')).toHaveAttribute('href', `/sessions/${refused.sessionId}`);
    await shot(page, 'audit-broken');
  } finally {
    await rewrite('delete from customers');
  }
  await page.getByRole('button', { name: 'Verify the whole trail' }).click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-ok', 'true');
});

test('a developer sees only their own sessions and cannot open anyone else’s', async ({ page }) => {
  await signIn(page, 'dev', '/sessions');
  const rows = page.getByTestId('session-row');
  await expect(rows).toHaveCount(3);
  await expect(page.getByText('Report Bot')).toHaveCount(0);
  await expect(page.getByRole('combobox', { name: 'All users' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  await shot(page, 'sessions-developer');
  // whole days in UTC, the last one included
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${baseURL}/sessions?from=${today}&to=${today}`);
  await expect(rows).toHaveCount(3);
  await expect(page.getByLabel('From')).toHaveValue(today);
  await page.goto(`${baseURL}/sessions?to=2020-12-31`);
  await expect(page.getByTestId('empty-state')).toContainText('No session matches these filters');
  const theirs = await stack.db.session.findFirstOrThrow({ where: { user: { email: PEOPLE.bot.email } } });
  await page.goto(`${baseURL}/sessions/${theirs.id}`);
  await expect(page.getByTestId('empty-state')).toContainText('This session does not exist, or is not yours to see');
  const exported = await page.request.get(`${baseURL}/api/sessions/${theirs.id}/export?format=jsonl`);
  expect(exported.status()).toBe(404);
  const verify = await page.request.post(`${baseURL}/api/trpc/session.verify`, { data: { json: { id: theirs.id } } });
  expect(verify.status()).toBe(403);
  await page.goto(`${baseURL}/audit`);
  await expect(page.getByTestId('empty-state')).toContainText('Admins and auditors only');
  // signed out, the export answers 401
  const anonymous = await page.context().browser()!.newContext();
  expect((await anonymous.request.get(`${baseURL}/api/sessions/export?format=csv`)).status()).toBe(401);
  await anonymous.close();
});
