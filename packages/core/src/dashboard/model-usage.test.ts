import { budgetTokensUsed, createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { type FixtureEvent, recordSession } from '../session/session-fixtures';
import { modelUsage } from './model-usage';

/**
 * Claude Code conversations around NOW (10 March 2026, 12:30 UTC) recorded as the agent records them — requests,
 * answers with their usage, judged tool calls with their outcomes — and a refusal as the gateway records it; the
 * database adds them up as they are stored (model_usage_days), and the dashboard reads the sums.
 */
const NOW = new Date('2026-03-10T12:30:00.000Z');
const at = (iso: string) => new Date(`${iso}Z`);

let database: TestDatabase;
let db: Db;
const people: Record<'admin' | 'dev' | 'dana' | 'outsider', SessionUser> = {} as never;
let claude: string;

const request = (exchange: number, model: string): FixtureEvent => ({ type: 'model.request', data: { exchange, method: 'POST', path: '/v1/messages', model } });
const response = (exchange: number, model: string | null, usage: Record<string, unknown>): FixtureEvent => ({
  type: 'model.response',
  data: { exchange, status: 200, ...(model ? { model } : {}), usage },
});
const toolUse = (exchange: number, outcome: string): FixtureEvent => ({
  type: 'model.tool_use',
  data: { exchange, toolUseId: `toolu_${exchange}_${outcome}`, tool: 'Bash', input: '{"command":"rm -rf /"}', verdict: 'deny', rule: 'rm', outcome },
});
const usage = (input: number, output: number, cacheCreation = 0, cacheRead = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cacheCreationInputTokens: cacheCreation,
  cacheReadInputTokens: cacheRead,
});

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'model_usage');
  db = createDb(database.url, { max: 3 });
  const acme = (await seedOrg(db, { name: 'Acme' })).id;
  const other = (await seedOrg(db, { name: 'Other' })).id;
  for (const [name, role] of [
    ['admin', 'admin'],
    ['dev', 'developer'],
    ['dana', 'developer'],
  ] as const) {
    const u = await seedUser(db, acme, { email: `${name}@acme.test`, role });
    people[name] = { id: u.id, orgId: acme, email: u.email, name: u.name, role, orgName: 'Acme' };
  }
  const o = await seedUser(db, other, { email: 'outsider@other.test', role: 'admin' });
  people.outsider = { id: o.id, orgId: other, email: o.email, name: o.name, role: 'admin', orgName: 'Other' };
  claude = (await seedConnection(db, acme, { name: 'claude', type: 'anthropic' })).id;
  const theirs = (await seedConnection(db, other, { name: 'claude', type: 'anthropic' })).id;
  const conversation = (who: keyof typeof people, startedAt: string, events: FixtureEvent[], connectionId = claude) =>
    recordSession(db, { orgId: people[who].orgId, userId: people[who].id, connectionId, mode: 'claude', startedAt: at(startedAt), events });

  // dev, today: two models; a tool call of each outcome on the sonnet exchange (the event names no model: its request does)
  await conversation('dev', '2026-03-10T09:00:00', [
    { type: 'session.open', data: { connection: 'claude', type: 'anthropic', mode: 'claude' } },
    request(1, 'claude-sonnet-4-5'),
    ...['passed', 'blocked', 'approved', 'rejected', 'expired'].map((outcome) => toolUse(1, outcome)),
    response(1, 'claude-sonnet-4-5', usage(100, 50, 1000, 20_000)),
    request(2, 'claude-haiku-4-5'),
    response(2, 'claude-haiku-4-5', usage(10, 5)),
    // an answer with no usage it can read (an error, an odd agent): counted as a request, no tokens, nothing breaks
    request(3, 'claude-haiku-4-5'),
    response(3, null, { inputTokens: 'many', outputTokens: -5, cacheCreationInputTokens: 1e20, cacheReadInputTokens: '7' }),
    { type: 'session.close', data: { reason: 'the conversation ended' } },
  ]);
  // dev, yesterday, and 40 days ago (outside every window)
  await conversation('dev', '2026-03-09T22:00:00', [request(1, 'claude-sonnet-4-5'), response(1, 'claude-sonnet-4-5', usage(7, 3))]);
  await conversation('dev', '2026-01-29T10:00:00', [request(1, 'claude-sonnet-4-5'), response(1, 'claude-sonnet-4-5', usage(9000, 9000))]);
  // dana, today: a refusal as the gateway records it, and a blocked call
  await conversation('dana', '2026-03-10T10:00:00', [
    { type: 'model.refused', data: { exchange: 1, model: 'claude-opus-4-1', rule: 'model-allow-list', status: 403 } },
  ]);
  await conversation('dana', '2026-03-10T11:00:00', [request(1, 'claude-opus-4-1'), toolUse(1, 'blocked'), response(1, 'claude-opus-4-1', usage(1, 1))]);
  // the other org's conversation
  await conversation('outsider', '2026-03-10T10:00:00', [request(1, 'claude-sonnet-4-5'), response(1, 'claude-sonnet-4-5', usage(5, 5))], theirs);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('model usage per user and model', () => {
  it('adds up tokens by kind, blocked tool calls and refusals, most tokens first', async () => {
    const u = await modelUsage(db, people.admin, { range: '7d' }, NOW);
    const rows = u.rows.map((r) => [r.email, r.model, r.requests, r.budgetTokens, r.cacheReadInputTokens, r.toolUses, r.blockedToolUses, r.refused]);
    expect(rows).toEqual([
      ['dev@acme.test', 'claude-sonnet-4-5', 2, 100 + 50 + 1000 + 7 + 3, 20_000, 5, 3, 0],
      ['dev@acme.test', 'claude-haiku-4-5', 2, 15, 0, 0, 0, 0],
      ['dana@acme.test', 'claude-opus-4-1', 1, 2, 0, 1, 1, 1],
    ]);
    expect(u.totals).toMatchObject({ requests: 5, budgetTokens: 1160 + 15 + 2, blockedToolUses: 4, refused: 1, cacheReadInputTokens: 20_000 });
  });

  it('counts by UTC day: 24 hours touch today and yesterday, 30 days reach back a month', async () => {
    const day = await modelUsage(db, people.admin, { range: '24h' }, NOW);
    expect(day.totals.budgetTokens).toBe(1177);
    const today = await modelUsage(db, people.admin, { range: '24h' }, at('2026-03-11T00:30:00'));
    // the 24 hours before 11 March 00:30 touch 10 and 11 March: yesterday's 10 tokens drop out
    expect(today.totals.budgetTokens).toBe(1167);
    const month = await modelUsage(db, people.admin, { range: '30d' }, NOW);
    expect(month.totals.budgetTokens).toBe(1177);
  });

  it('gives a developer their own figures, another org its own', async () => {
    const dana = await modelUsage(db, people.dana, { range: '7d' }, NOW);
    expect(dana.rows.map((r) => r.email)).toEqual(['dana@acme.test']);
    const outsider = await modelUsage(db, people.outsider, { range: '7d' }, NOW);
    expect(outsider.rows.map((r) => [r.email, r.budgetTokens])).toEqual([['outsider@other.test', 10]]);
  });

  it('gives the daily budget its figure for one user, connection and day', async () => {
    expect(await budgetTokensUsed(db, people.dev.id, claude, '2026-03-10')).toBe(1165);
    expect(await budgetTokensUsed(db, people.dev.id, claude, '2026-03-09')).toBe(10);
    expect(await budgetTokensUsed(db, people.dana.id, claude, '2026-03-08')).toBe(0);
  });
});
