import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import type { SessionUser } from '../auth/load-session-user';
import { recordSession, sqlSessionEvents, terminalSessionEvents } from '../session/session-fixtures';
import { approvalStats } from './approval-stats';
import { blockedByRule } from './blocked-by-rule';
import { deniedCommand, deniedStatement, maskedStatement, recordReview, sessionClose } from './dashboard-fixtures';
import { dashboardWindow } from './dashboard-window';
import { liveStatus } from './live-status';
import { maskedByType } from './masked-by-type';
import { sessionActivity } from './session-activity';

/**
 * Acme's trail around NOW (10 March 2026, 12:30 UTC): sessions of people and of an AI agent's service account on three
 * connections, some inside each window and some just outside (before its first bucket, after now); refusals, masked
 * counts (closing totals, and statements of a session still open), reviews with known latencies, agents on and
 * offline. Another org has a session and a review of its own, which Acme never sees.
 */
const NOW = new Date('2026-03-10T12:30:00.000Z');
const at = (iso: string) => new Date(`${iso}Z`);

let database: TestDatabase;
let db: Db;
const people: Record<'admin' | 'audrey' | 'rita' | 'dev' | 'bot' | 'outsider', SessionUser> = {} as never;

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_dashboard');
  db = createDb(database.url, { max: 3 });
  const acme = (await seedOrg(db, { name: 'Acme' })).id;
  const other = (await seedOrg(db, { name: 'Other' })).id;
  const roles = { admin: 'admin', audrey: 'auditor', rita: 'reviewer', dev: 'developer', bot: 'developer' } as const;
  for (const [name, role] of Object.entries(roles)) {
    const u = await seedUser(db, acme, { email: `${name}@acme.test`, role, isService: name === 'bot' });
    people[name as keyof typeof roles] = { id: u.id, orgId: acme, email: u.email, name: u.name, role, orgName: 'Acme' };
  }
  const o = await seedUser(db, other, { email: 'outsider@other.test', role: 'admin' });
  people.outsider = { id: o.id, orgId: other, email: o.email, name: o.name, role: 'admin', orgName: 'Other' };
  const c: Record<string, string> = {};
  for (const [name, type] of [
    ['pg-prod', 'postgres'],
    ['pg-staging', 'postgres'],
    ['box', 'command'],
  ] as const)
    c[name] = (await seedConnection(db, acme, { name, type })).id;
  const theirs = (await seedConnection(db, other, { name: 'pg-prod' })).id;

  const session = (
    who: keyof typeof people,
    connection: string,
    startedAt: string,
    events: Parameters<typeof recordSession>[1]['events'],
    status: 'open' | 'closed' | 'failed' = 'closed',
  ) => recordSession(db, { orgId: people[who].orgId, userId: people[who].id, connectionId: connection, startedAt: at(startedAt), status, events });
  // A: refuses delete-without-where, masks 2 e-mails (statement and closing totals say so both)
  await session('dev', c['pg-prod']!, '2026-03-10T09:00:00', sqlSessionEvents());
  // B: a terminal session, refuses rm-recursive-broad, 1 e-mail masked (closing totals only, as the SSH server writes)
  await session('dev', c.box!, '2026-03-09T15:00:00', terminalSessionEvents());
  // C: the AI agent's session, still open: its statements' counts are all there is
  await session(
    'bot',
    c['pg-staging']!,
    '2026-03-10T11:00:00',
    [
      { type: 'session.open', data: { connection: 'pg-staging', type: 'postgres', mode: 'mcp' } },
      maskedStatement('select email, card from customers', { email: 3, card: 1 }),
      deniedStatement('delete from orders', 'read-only'),
      deniedStatement('vacuum full', null),
      { type: 'statement', data: { sql: 'select 1', decision: 'allow', executed: true, masked: null } },
    ],
    'open',
  );
  // D: statement and closing totals both say 2 phone numbers: counted once
  await session('admin', c['pg-prod']!, '2026-03-05T10:00:00', [
    maskedStatement('select phone from customers', { phone: 2 }),
    deniedStatement('delete from customers', 'delete-without-where'),
    sessionClose({ phone: 2 }),
  ]);
  // E: inside 30 days only
  await session('dev', c['pg-prod']!, '2026-02-15T10:00:00', [deniedStatement('drop table t', 'drop-table'), sessionClose({ card: 5 })]);
  // F: older than 30 days; G: after now
  await session('dev', c['pg-prod']!, '2026-01-01T10:00:00', [deniedStatement('drop table x', 'drop-table'), sessionClose({ card: 50 })]);
  await session('admin', c['pg-prod']!, '2026-03-10T13:00:00', [deniedStatement('truncate t', 'truncate'), sessionClose({ email: 100 })]);
  // H: exactly at the start of the 7-day window; I: a millisecond before it
  for (const startedAt of ['2026-03-04T00:00:00.000', '2026-03-03T23:59:59.999']) {
    await db.session.create({
      data: {
        orgId: acme,
        userId: people.audrey.id,
        connectionId: c['pg-prod']!,
        mode: 'connect',
        status: 'failed',
        error: 'the agent is offline',
        startedAt: at(startedAt),
      },
    });
  }
  // J: the developer's session open now, nothing run yet; K: the AI agent on the box, refused, nothing masked
  await session('dev', c['pg-prod']!, '2026-03-10T12:00:00', [], 'open');
  await session('bot', c.box!, '2026-03-08T20:00:00', [deniedCommand('rm -rf /', 'rm-recursive-broad'), sessionClose({})]);
  // the other org's session: never part of Acme's figures
  await recordSession(db, { orgId: other, userId: o.id, connectionId: theirs, startedAt: at('2026-03-10T10:00:00'), events: sqlSessionEvents() });

  const review = (
    who: keyof typeof people,
    status: Parameters<typeof recordReview>[1]['status'],
    createdAt: string,
    decidedAfter?: number,
    expiresAt?: string,
  ) =>
    recordReview(db, {
      orgId: people[who].orgId,
      requesterId: people[who].id,
      connectionId: who === 'outsider' ? theirs : c['pg-prod']!,
      status,
      createdAt: at(createdAt),
      decidedAfter,
      expiresAt: expiresAt ? at(expiresAt) : undefined,
    });
  await review('dev', 'approved', '2026-03-06T10:00:00', 60);
  await review('admin', 'approved', '2026-03-07T10:00:00', 120);
  await review('dev', 'rejected', '2026-03-08T10:00:00', 240);
  await review('bot', 'approved', '2026-03-09T10:00:00', 600);
  await review('audrey', 'rejected', '2026-03-09T11:00:00', 1200);
  await review('bot', 'expired', '2026-03-09T12:00:00', 1800);
  await review('admin', 'revoked', '2026-03-10T08:00:00', 30);
  await review('dev', 'pending', '2026-03-10T12:15:00', undefined, '2026-03-10T12:45:00');
  // past its expiry, not yet swept by the gateway: an expired request, not a pending one
  await review('dev', 'pending', '2026-03-10T10:00:00', undefined, '2026-03-10T10:30:00');
  // raised long ago and still waiting: pending now, outside the 7-day figures
  await review('dev', 'pending', '2026-03-01T09:00:00', undefined, '2026-03-20T00:00:00');
  await review('dev', 'approved', '2026-01-01T10:00:00', 5);
  await review('outsider', 'approved', '2026-03-10T10:00:00', 5);

  const agent = async (orgId: string, name: string, lastSeenAgoMs: number | null) => {
    const a = (await seedAgent(db, orgId, { name })).agent;
    if (lastSeenAgoMs !== null)
      await db.agent.update({
        where: { id: a.id },
        data: { connectedAt: new Date(NOW.getTime() - 3_600_000), lastSeenAt: new Date(NOW.getTime() - lastSeenAgoMs) },
      });
  };
  await agent(acme, 'eu-west', 15_000);
  await agent(acme, 'us-east', 15_001);
  await agent(acme, 'new-one', null);
  await agent(other, 'theirs', 1_000);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const week = { range: '7d' } as const;

describe('the window', () => {
  it('ends with the current hour or day and starts on a whole one', () => {
    const day = dashboardWindow(people.admin, { range: '24h' }, NOW);
    expect(day).toMatchObject({ unit: 'hour', from: at('2026-03-09T13:00:00'), to: NOW, scope: 'org' });
    expect(day.buckets).toHaveLength(24);
    expect([day.buckets[0], day.buckets[23]]).toEqual(['2026-03-09T13:00', '2026-03-10T12:00']);
    expect(dashboardWindow(people.dev, week, NOW)).toMatchObject({
      unit: 'day',
      from: at('2026-03-04T00:00:00'),
      scope: 'own',
      buckets: ['2026-03-04T00:00', '2026-03-05T00:00', '2026-03-06T00:00', '2026-03-07T00:00', '2026-03-08T00:00', '2026-03-09T00:00', '2026-03-10T00:00'],
    });
    const month = dashboardWindow(people.rita, { range: '30d' }, NOW);
    expect([month.buckets.length, month.buckets[0], month.scope]).toEqual([30, '2026-02-09T00:00', 'org']);
    expect(dashboardWindow(people.audrey, {}, NOW).range).toBe('7d');
  });

  it('refuses another range in a sentence', async () => {
    const refused = await sessionActivity(db, people.admin, { range: '1y' as never }, NOW).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'invalid', message: 'The range is 24h, 7d or 30d.' });
  });
});

describe('sessions per bucket by connection', () => {
  it('counts the org’s sessions of the window, people and AI agents apart', async () => {
    const s = await sessionActivity(db, people.admin, week, NOW);
    expect(s.rows).toEqual([
      { bucket: '2026-03-04T00:00', connection: 'pg-prod', people: 1, agents: 0 },
      { bucket: '2026-03-05T00:00', connection: 'pg-prod', people: 1, agents: 0 },
      { bucket: '2026-03-08T00:00', connection: 'box', people: 0, agents: 1 },
      { bucket: '2026-03-09T00:00', connection: 'box', people: 1, agents: 0 },
      { bucket: '2026-03-10T00:00', connection: 'pg-prod', people: 2, agents: 0 },
      { bucket: '2026-03-10T00:00', connection: 'pg-staging', people: 0, agents: 1 },
    ]);
    expect(s.totals).toEqual({ sessions: 7, people: 5, agents: 2 });
  });

  it('by the hour over 24 hours, and by the day over 30', async () => {
    expect((await sessionActivity(db, people.audrey, { range: '24h' }, NOW)).rows).toEqual([
      { bucket: '2026-03-09T15:00', connection: 'box', people: 1, agents: 0 },
      { bucket: '2026-03-10T09:00', connection: 'pg-prod', people: 1, agents: 0 },
      { bucket: '2026-03-10T11:00', connection: 'pg-staging', people: 0, agents: 1 },
      { bucket: '2026-03-10T12:00', connection: 'pg-prod', people: 1, agents: 0 },
    ]);
    const month = await sessionActivity(db, people.rita, { range: '30d' }, NOW);
    expect(month.rows.slice(0, 2)).toEqual([
      { bucket: '2026-02-15T00:00', connection: 'pg-prod', people: 1, agents: 0 },
      { bucket: '2026-03-03T00:00', connection: 'pg-prod', people: 1, agents: 0 },
    ]);
    expect(month.totals).toEqual({ sessions: 9, people: 7, agents: 2 });
  });

  it('gives a developer their own sessions only, and another org its own', async () => {
    expect((await sessionActivity(db, people.dev, week, NOW)).rows).toEqual([
      { bucket: '2026-03-09T00:00', connection: 'box', people: 1, agents: 0 },
      { bucket: '2026-03-10T00:00', connection: 'pg-prod', people: 2, agents: 0 },
    ]);
    expect((await sessionActivity(db, people.bot, week, NOW)).totals).toEqual({ sessions: 2, people: 0, agents: 2 });
    expect((await sessionActivity(db, people.outsider, week, NOW)).rows).toEqual([{ bucket: '2026-03-10T00:00', connection: 'pg-prod', people: 1, agents: 0 }]);
  });
});

describe('blocked statements and commands per rule', () => {
  it('counts denied statements and commands by rule and by the time they were refused', async () => {
    const b = await blockedByRule(db, people.admin, week, NOW);
    expect(b.rows).toEqual([
      { bucket: '2026-03-05T00:00', rule: 'delete-without-where', blocked: 1 },
      { bucket: '2026-03-08T00:00', rule: 'rm-recursive-broad', blocked: 1 },
      { bucket: '2026-03-09T00:00', rule: 'rm-recursive-broad', blocked: 1 },
      { bucket: '2026-03-10T00:00', rule: 'delete-without-where', blocked: 1 },
      { bucket: '2026-03-10T00:00', rule: 'read-only', blocked: 1 },
      { bucket: '2026-03-10T00:00', rule: null, blocked: 1 },
    ]);
    expect(b.rules).toEqual([
      { rule: 'delete-without-where', blocked: 2 },
      { rule: 'rm-recursive-broad', blocked: 2 },
      { rule: 'read-only', blocked: 1 },
      { rule: null, blocked: 1 },
    ]);
    expect(b.total).toBe(6);
  });

  it('over 24 hours and 30 days', async () => {
    expect((await blockedByRule(db, people.rita, { range: '24h' }, NOW)).rows).toEqual([
      { bucket: '2026-03-09T15:00', rule: 'rm-recursive-broad', blocked: 1 },
      { bucket: '2026-03-10T09:00', rule: 'delete-without-where', blocked: 1 },
      { bucket: '2026-03-10T11:00', rule: 'read-only', blocked: 1 },
      { bucket: '2026-03-10T11:00', rule: null, blocked: 1 },
    ]);
    const month = await blockedByRule(db, people.audrey, { range: '30d' }, NOW);
    expect(month.rules).toContainEqual({ rule: 'drop-table', blocked: 1 });
    expect(month.total).toBe(7);
  });

  it('gives a developer their own refusals, another org its own', async () => {
    const mine = await blockedByRule(db, people.dev, week, NOW);
    expect(mine.rules).toEqual([
      { rule: 'delete-without-where', blocked: 1 },
      { rule: 'rm-recursive-broad', blocked: 1 },
    ]);
    expect((await blockedByRule(db, people.outsider, week, NOW)).rules).toEqual([{ rule: 'delete-without-where', blocked: 1 }]);
  });
});

describe('masked values by type', () => {
  it('counts each session once: closing totals, or its statements while it is open', async () => {
    expect(await maskedByType(db, people.admin, week, NOW)).toMatchObject({
      types: [
        { type: 'email', masked: 6 },
        { type: 'phone', masked: 2 },
        { type: 'card', masked: 1 },
      ],
      total: 9,
    });
    expect(await maskedByType(db, people.audrey, { range: '30d' }, NOW)).toMatchObject({
      types: [
        { type: 'card', masked: 6 },
        { type: 'email', masked: 6 },
        { type: 'phone', masked: 2 },
      ],
      total: 14,
    });
    expect((await maskedByType(db, people.rita, { range: '24h' }, NOW)).types).toEqual([
      { type: 'email', masked: 6 },
      { type: 'card', masked: 1 },
    ]);
  });

  it('gives a developer their own sessions’ counts, another org its own', async () => {
    expect((await maskedByType(db, people.dev, week, NOW)).types).toEqual([{ type: 'email', masked: 3 }]);
    expect((await maskedByType(db, people.dev, { range: '30d' }, NOW)).types).toEqual([
      { type: 'card', masked: 5 },
      { type: 'email', masked: 3 },
    ]);
    expect((await maskedByType(db, people.bot, week, NOW)).types).toEqual([
      { type: 'email', masked: 3 },
      { type: 'card', masked: 1 },
    ]);
    expect((await maskedByType(db, people.outsider, week, NOW)).types).toEqual([{ type: 'email', masked: 2 }]);
  });
});

describe('approvals', () => {
  it('splits the window’s requests by outcome and measures decision latency at p50 and p90', async () => {
    const a = await approvalStats(db, people.rita, week, NOW);
    // decided: 60, 120, 240, 600, 1200 s; p90 = 600 + 0.6 × (1200 − 600)
    expect(a).toMatchObject({ requested: 9, approved: 3, rejected: 2, expired: 2, revoked: 1, decided: 5, p50Seconds: 240, p90Seconds: 960, pendingNow: 2 });
    expect(await approvalStats(db, people.admin, { range: '24h' }, NOW)).toMatchObject({
      requested: 3,
      approved: 0,
      rejected: 0,
      expired: 1,
      revoked: 1,
      decided: 0,
      p50Seconds: null,
      p90Seconds: null,
      pendingNow: 2,
    });
    expect((await approvalStats(db, people.audrey, { range: '30d' }, NOW)).requested).toBe(10);
  });

  it('gives a developer their own requests, another org its own', async () => {
    // 60 and 240 s: p50 = 150, p90 = 60 + 0.9 × 180
    expect(await approvalStats(db, people.dev, week, NOW)).toMatchObject({
      requested: 4,
      approved: 1,
      rejected: 1,
      expired: 1,
      revoked: 0,
      decided: 2,
      p50Seconds: 150,
      p90Seconds: 222,
      pendingNow: 2,
    });
    expect(await approvalStats(db, people.outsider, week, NOW)).toMatchObject({
      requested: 1,
      approved: 1,
      decided: 1,
      p50Seconds: 5,
      p90Seconds: 5,
      pendingNow: 0,
    });
  });
});

describe('now', () => {
  it('counts agents heard from in the last 15 seconds and the sessions open', async () => {
    expect(await liveStatus(db, people.admin, NOW)).toEqual({ agentsOnline: 1, agentsTotal: 3, openSessions: 2, openAgentSessions: 1, scope: 'org', at: NOW });
    expect(await liveStatus(db, people.dev, NOW)).toMatchObject({ agentsOnline: 1, agentsTotal: 3, openSessions: 1, openAgentSessions: 0, scope: 'own' });
    expect(await liveStatus(db, people.bot, NOW)).toMatchObject({ openSessions: 1, openAgentSessions: 1 });
    expect(await liveStatus(db, people.outsider, NOW)).toMatchObject({ agentsOnline: 1, agentsTotal: 1, openSessions: 0 });
  });
});
