/**
 * The dashboard in a real browser against a real database. Acme has a month of recorded sessions on five connections
 * (people's and an AI agent's, some still open), refusals by several rules, masked values of several types, reviews
 * decided at known latencies and agents on and offline; another org has a session of its own. The admin lands on the
 * dashboard after signing in and reads every chart, switches the range (each chart shows its skeleton while it
 * loads), and the page fits a laptop screen; a developer sees their own figures; a member of an org with nothing yet
 * sees an empty state in every chart.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { freePort, REPO_ROOT, type Service } from '@hoop/devstack';
import { deniedCommand, deniedStatement, type FixtureEvent, maskedStatement, recordReview, recordSession, sessionClose } from '@hoop/core/testing';
import { startWebService } from '../scripts/web-service';
import { hydrated } from './hydration';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'screenshots');
const password = () => `pw-${randomBytes(9).toString('base64url')}`;
const PEOPLE = {
  ada: { email: 'ada@acme.test', name: 'Ada Lovelace', role: 'admin', password: password() },
  dev: { email: 'dev@acme.test', name: 'Dev Eloper', role: 'developer', password: password() },
  rita: { email: 'rita@acme.test', name: 'Rita Reviewer', role: 'reviewer', password: password() },
  bot: { email: 'claude@acme.test', name: 'Claude (reports)', role: 'developer', password: password(), isService: true },
  newbie: { email: 'new@empty.test', name: 'New Person', role: 'admin', password: password() },
} as const;
type Who = keyof typeof PEOPLE;

const DAY = 86_400_000;
const CONNECTIONS = [
  ['pg-prod', 'postgres', 5],
  ['pg-analytics', 'postgres', 3],
  ['orders-mysql', 'mysql', 2],
  ['bastion', 'ssh', 2],
  ['deploy-box', 'command', 1],
] as const;
const RULES = ['delete-without-where', 'update-without-where', 'drop-table', 'read-only'];
const SHELL_RULES = ['rm-recursive-broad', 'shutdown'];
const MASK_TYPES = ['email', 'phone', 'card', 'iban', 'ssn'];

let database: TestDatabase;
let db: Db;
let web: Service;
let baseURL: string;
let heartbeat: ReturnType<typeof setInterval>;
/** what the seeded data adds up to, worked out while seeding */
const expected = { week: { sessions: 0, agents: 0, blocked: 0, masked: 0 }, month: { sessions: 0 }, devWeek: { sessions: 0 }, open: 0, openAgents: 0 };

test.describe.configure({ mode: 'serial' });

/** A small deterministic random source, so every run seeds the same month. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

test.beforeAll(async () => {
  database = await createTestDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'web_dashboard');
  db = createDb(database.url);
  const acme = (await seedOrg(db, { name: 'Acme Corp', slug: 'acme' })).id;
  const ids = {} as Record<Who, string>;
  for (const who of ['ada', 'dev', 'rita', 'bot'] as const) ids[who] = (await seedUser(db, acme, PEOPLE[who])).id;
  const conns = new Map<string, { id: string; type: string }>();
  for (const [name, type] of CONNECTIONS) conns.set(name, { id: (await seedConnection(db, acme, { name, type })).id, type });

  const now = Date.now();
  const today = now - (now % DAY);
  const weekFrom = today - 6 * DAY;
  const rnd = random(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  const weighted = CONNECTIONS.flatMap(([name, , w]) => Array<string>(w).fill(name));
  for (let daysAgo = 29; daysAgo >= 0; daysAgo--) {
    const sessions = daysAgo < 7 ? 4 + Math.floor(rnd() * 6) : daysAgo % 3 === 0 ? 2 : 0;
    for (let i = 0; i < sessions; i++) {
      const startedAt = today - daysAgo * DAY + Math.floor((0.5 + rnd() * 23) * 3_600_000);
      // sessions of today later than now would not be counted: leave them out
      if (startedAt > now - 120_000) continue;
      const who = pick(['dev', 'dev', 'ada', 'rita', 'bot', 'bot', 'bot'] as const);
      const name = pick(weighted);
      const conn = conns.get(name)!;
      const terminal = conn.type === 'ssh' || conn.type === 'command';
      const open = daysAgo === 0 && startedAt > now - 2 * 3_600_000 && rnd() < 0.7;
      const events: FixtureEvent[] = [];
      const totals: Record<string, number> = {};
      let blocked = 0;
      for (let s = 1 + Math.floor(rnd() * 5); s > 0; s--) {
        const roll = rnd();
        if (roll < 0.3) {
          events.push(terminal ? deniedCommand('rm -rf /srv', pick(SHELL_RULES)) : deniedStatement('delete from customers', pick(RULES)));
          blocked++;
        } else if (!terminal && roll < 0.75) {
          const type = pick(MASK_TYPES);
          const n = 1 + Math.floor(rnd() * 8);
          events.push(maskedStatement(`select ${type} from customers`, { [type]: n }));
          totals[type] = (totals[type] ?? 0) + n;
        } else if (terminal && roll < 0.5) {
          totals.email = (totals.email ?? 0) + 1;
        }
      }
      if (!open) events.push(sessionClose(totals));
      await recordSession(db, {
        orgId: acme,
        userId: ids[who],
        connectionId: conn.id,
        startedAt: new Date(startedAt),
        status: open ? 'open' : 'closed',
        mode: who === 'bot' ? 'mcp' : 'exec',
        events,
      });
      // an open terminal session has no counts yet: its masked values arrive with its closing totals
      const masked = open && terminal ? 0 : Object.values(totals).reduce((a, b) => a + b, 0);
      expected.month.sessions++;
      if (startedAt >= weekFrom) {
        expected.week.sessions++;
        expected.week.blocked += blocked;
        expected.week.masked += masked;
        if (who === 'bot') expected.week.agents++;
        if (who === 'dev') expected.devWeek.sessions++;
      }
      if (open) {
        expected.open++;
        if (who === 'bot') expected.openAgents++;
      }
    }
  }
  // running now: the AI agent querying analytics, the developer on the bastion (no counts until it closes)
  for (const [who, name, ago, events] of [
    [
      'bot',
      'pg-analytics',
      10 * 60_000,
      [maskedStatement('select email from signups', { email: 4 }), deniedStatement('delete from signups', 'delete-without-where')],
    ],
    ['dev', 'bastion', 30 * 60_000, [deniedCommand('rm -rf /var/lib', 'rm-recursive-broad')]],
  ] as const) {
    await recordSession(db, {
      orgId: acme,
      userId: ids[who],
      connectionId: conns.get(name)!.id,
      startedAt: new Date(now - ago),
      status: 'open',
      mode: 'connect',
      events: [...events],
    });
    expected.month.sessions++;
    expected.week.sessions++;
    expected.week.blocked++;
    expected.week.masked += who === 'bot' ? 4 : 0;
    expected.open++;
    if (who === 'bot') {
      expected.week.agents++;
      expected.openAgents++;
    } else expected.devWeek.sessions++;
  }
  // reviews of the week, decided after known times, and two waiting now
  const prod = conns.get('pg-prod')!.id;
  for (let daysAgo = 6; daysAgo >= 1; daysAgo--) {
    for (let i = 0; i < 3; i++) {
      const roll = rnd();
      const status = roll < 0.6 ? 'approved' : roll < 0.8 ? 'rejected' : roll < 0.9 ? 'expired' : 'revoked';
      await recordReview(db, {
        orgId: acme,
        requesterId: ids[pick(['dev', 'bot', 'ada'] as const)],
        connectionId: prod,
        status,
        createdAt: new Date(today - daysAgo * DAY + (9 + i * 3) * 3_600_000),
        decidedAfter: status === 'expired' ? 1800 : 20 + Math.floor(rnd() * 1500),
      });
    }
  }
  for (const who of ['dev', 'bot'] as const) {
    await recordReview(db, {
      orgId: acme,
      requesterId: ids[who],
      connectionId: prod,
      status: 'pending',
      createdAt: new Date(now - 5 * 60_000),
      expiresAt: new Date(now + 3_600_000),
    });
  }
  // agents: two online (heartbeats as the gateway records them), one offline
  const online: string[] = [];
  for (const [name, seen] of [
    ['eu-west-prod', 0],
    ['eu-west-analytics', 0],
    ['us-east-staging', 600_000],
  ] as const) {
    const a = (await seedAgent(db, acme, { name })).agent;
    await db.agent.update({ where: { id: a.id }, data: { connectedAt: new Date(now - 3_600_000), lastSeenAt: new Date(now - seen) } });
    if (seen === 0) online.push(a.id);
  }
  heartbeat = setInterval(() => void db.agent.updateMany({ where: { id: { in: online } }, data: { lastSeenAt: new Date() } }).catch(() => undefined), 2_000);

  const other = (await seedOrg(db, { name: 'Other Org', slug: 'other' })).id;
  const theirs = (await seedUser(db, other, { email: 'them@other.test', role: 'admin' })).id;
  const theirConn = (await seedConnection(db, other, { name: 'other-org-db' })).id;
  await recordSession(db, {
    orgId: other,
    userId: theirs,
    connectionId: theirConn,
    startedAt: new Date(now - 3_600_000),
    events: [deniedStatement('drop table t', 'their-rule'), sessionClose({ passport: 3 })],
  });

  const empty = (await seedOrg(db, { name: 'Empty Co', slug: 'empty' })).id;
  await seedUser(db, empty, PEOPLE.newbie);

  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  web = await startWebService({
    databaseUrl: database.url,
    port,
    gatewayUrl: 'http://127.0.0.1:8009',
    logDir: path.join(REPO_ROOT, '.hoop', 'logs', 'playwright'),
    build: false,
  });
});

test.afterAll(async () => {
  clearInterval(heartbeat);
  await web?.stop();
  await db?.$disconnect();
  await database?.drop();
});

/** Opens the site's root signed out, signs in, and lands on the dashboard, ready to be used. */
async function signIn(page: Page, who: Who): Promise<void> {
  await page.goto(`${baseURL}/`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2F$/);
  await page.getByLabel('E-mail').fill(PEOPLE[who].email);
  await page.getByLabel('Password').fill(PEOPLE[who].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}/dashboard`);
  await hydrated(page);
}

const chart = (page: Page, id: 'sessions' | 'blocked' | 'masked' | 'approvals') => page.getByTestId(`chart-${id}`);
const bars = (page: Page, id: 'sessions' | 'blocked' | 'masked' | 'approvals') => chart(page, id).locator('.recharts-bar-rectangle');
const ticks = (page: Page, id: 'sessions' | 'blocked' | 'masked' | 'approvals', axis: 'x' | 'y') =>
  chart(page, id).locator(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`);

test('the admin lands on the dashboard and reads every chart', async ({ page }) => {
  await signIn(page, 'ada');
  const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  await expect(nav.first()).toHaveText('Dashboard');
  await expect(nav.first()).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('dashboard-scope')).toContainText('Everyone’s sessions and requests in Acme Corp');

  // sessions: a stacked bar per day and connection, the AI agent's beside people's, the connections in the legend
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.week.sessions} sessions`);
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.week.agents} by AI agents`);
  // the charts draw once they know their width, after the page is hydrated
  await expect.poll(() => bars(page, 'sessions').count()).toBeGreaterThan(7);
  const legend = chart(page, 'sessions').getByTestId('legend-item');
  for (const [name] of CONNECTIONS) await expect(legend.filter({ hasText: name })).toHaveCount(1);
  await expect(legend.filter({ hasText: 'AI agents' })).toHaveCount(1);
  await expect(ticks(page, 'sessions', 'x')).not.toHaveCount(0);
  const day = new Date();
  await expect(ticks(page, 'sessions', 'x').last()).toHaveText(`${day.getUTCDate()} ${day.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })}`);
  // another org's connection never shows
  await expect(page.getByText('other-org-db')).toHaveCount(0);

  // blocked: stacked by rule, each rule with its count in the legend
  await expect(chart(page, 'blocked')).toContainText(`${expected.week.blocked} blocked`);
  await expect(bars(page, 'blocked')).not.toHaveCount(0);
  await expect(chart(page, 'blocked').getByTestId('legend-item').filter({ hasText: 'delete-without-where' })).toHaveCount(1);
  await expect(page.getByText('their-rule')).toHaveCount(0);

  // masked: a bar per type with its count
  await expect(chart(page, 'masked')).toContainText(`${expected.week.masked} masked`);
  for (const type of ['email', 'card']) await expect(ticks(page, 'masked', 'y').filter({ hasText: new RegExp(`^${type}$`) })).toHaveCount(1);
  await expect(bars(page, 'masked')).not.toHaveCount(0);
  await expect(page.getByText('passport')).toHaveCount(0);

  // approvals: latency percentiles, the outcome split, and what waits now
  await expect(page.getByTestId('approval-p50')).not.toContainText('—');
  await expect(page.getByTestId('approval-p90')).toContainText(/\d/);
  await expect(chart(page, 'approvals').getByTestId('approval-outcomes')).toContainText('Approved');
  await expect(bars(page, 'approvals')).not.toHaveCount(0);
  await expect(page.getByTestId('live-pending')).toContainText('2');

  // now: agents online of all, sessions open
  await expect(page.getByTestId('live-agents-online')).toHaveText('2');
  await expect(page.getByTestId('live-agents')).toContainText('of 3');
  await expect(page.getByTestId('live-sessions-open')).toHaveText(String(expected.open));

  const surface = chart(page, 'sessions').locator('svg.recharts-surface');
  const box = (await surface.boundingBox())!;
  await surface.hover({ position: { x: box.width - 40, y: box.height / 2 } });
  await expect(chart(page, 'sessions').locator('.recharts-tooltip-wrapper')).toContainText('(UTC)');
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard.png'), fullPage: true });
});

test('switching the range shows each chart loading, then the figures of that range', async ({ page }) => {
  await signIn(page, 'ada');
  // hold the figures, as a slow server would, until every chart was seen loading
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/api/trpc/**', async (route) => {
    await held;
    await route.continue();
  });
  // each range is a link; once the page is hydrated, following it swaps the figures in place
  await page.getByRole('link', { name: '30 d' }).click();
  await expect(page).toHaveURL(`${baseURL}/dashboard?range=30d`);
  for (const id of ['sessions', 'blocked', 'masked', 'approvals'] as const) await expect(chart(page, id).getByTestId('chart-skeleton')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-loading.png') });
  release();
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.month.sessions} sessions`);
  await expect(chart(page, 'sessions').getByTestId('chart-skeleton')).toHaveCount(0);

  await page.getByRole('link', { name: '24 h' }).click();
  await expect(page).toHaveURL(`${baseURL}/dashboard?range=24h`);
  await expect(ticks(page, 'sessions', 'x').first()).toHaveText(/^\d\d:00$/);
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-24h.png'), fullPage: true });

  // the range is in the URL: a reload keeps it, and the links work before the page is hydrated (no wait here)
  await page.reload();
  await expect(page.getByRole('link', { name: '24 h' })).toHaveAttribute('aria-current', 'true');
  await page.getByRole('link', { name: '7 d' }).click();
  await expect(page).toHaveURL(`${baseURL}/dashboard`);
  await expect(page.getByRole('link', { name: '7 d' })).toHaveAttribute('aria-current', 'true');
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.week.sessions} sessions`);
});

test('without JavaScript the range links still switch the range', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  // sign in with the session cookie of a browser that has JavaScript (the login form needs it)
  const signedIn = await browser.newPage();
  await signIn(signedIn, 'ada');
  await context.addCookies(await signedIn.context().cookies());
  await signedIn.context().close();
  await page.goto(`${baseURL}/dashboard`);
  await expect(page.getByRole('link', { name: '7 d' })).toHaveAttribute('aria-current', 'true');
  await page.getByRole('link', { name: '30 d' }).click();
  await expect(page).toHaveURL(`${baseURL}/dashboard?range=30d`);
  await expect(page.getByRole('link', { name: '30 d' })).toHaveAttribute('aria-current', 'true');
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.month.sessions} sessions`);
  await context.close();
});

test('the dashboard fits a laptop screen', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, 'ada');
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);
  // the two charts of the second row sit side by side, each at least 400 px wide
  const blocked = (await chart(page, 'blocked').boundingBox())!;
  const masked = (await chart(page, 'masked').boundingBox())!;
  expect(Math.abs(blocked.y - masked.y)).toBeLessThan(2);
  expect(blocked.width).toBeGreaterThan(400);
  const svg = (await chart(page, 'sessions').locator('svg.recharts-surface').boundingBox())!;
  expect(svg.width).toBeGreaterThan(800);
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-laptop.png') });
});

test('a developer sees the figures of their own sessions', async ({ page }) => {
  await signIn(page, 'dev');
  await expect(page.getByTestId('dashboard-scope')).toContainText('Your own sessions and review requests');
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).toContainText(`${expected.devWeek.sessions} sessions`);
  await expect(chart(page, 'sessions').getByTestId('sessions-total')).not.toContainText('AI agents');
  // agents are counted for the whole org
  await expect(page.getByTestId('live-agents')).toContainText('of 3');
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-developer.png'), fullPage: true });
});

test('an org with nothing recorded yet sees an empty state in every chart', async ({ page }) => {
  await signIn(page, 'newbie');
  await expect(chart(page, 'sessions').getByTestId('chart-empty')).toContainText('No sessions in the last 7 days');
  await expect(chart(page, 'blocked').getByTestId('chart-empty')).toContainText('Nothing blocked in the last 7 days');
  await expect(chart(page, 'masked').getByTestId('chart-empty')).toContainText('Nothing masked in the last 7 days');
  await expect(chart(page, 'approvals').getByTestId('chart-empty')).toContainText('No review requests in the last 7 days');
  await expect(page.locator('.recharts-bar-rectangle')).toHaveCount(0);
  await expect(page.getByTestId('live-agents')).toContainText('no agent registered yet');
  await expect(page.getByTestId('live-sessions-open')).toHaveText('0');
  await page.screenshot({ path: path.join(SHOTS, 'web-dashboard-empty.png'), fullPage: true });
});
