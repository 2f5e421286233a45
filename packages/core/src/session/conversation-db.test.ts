import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { createStatementReview, voteOnReview } from '../review/reviews';
import { claudeSessionEvents, requestEvent, responseEvent, toolUseEvent } from './conversation-fixtures';
import { getConversation, getExchangeRequest } from './get-conversation';
import { getSessionDetail } from './get-session';
import { listSessions } from './list-sessions';
import { sessionSummaries } from './session-summaries';
import { type FixtureEvent, recordSession, sqlSessionEvents } from './session-fixtures';

let database: TestDatabase;
let db: Db;
let admin: SessionUser;
let dev: SessionUser;
let closedId = '';
let openId = '';
let longId = '';
let sqlId = '';
let reviewId = '';

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'claude_sessions');
  db = createDb(database.url, { max: 3 });
  const orgId = (await seedOrg(db, { name: 'Acme' })).id;
  const a = await seedUser(db, orgId, { email: 'admin@acme.test', name: 'Admin', role: 'admin' });
  const d = await seedUser(db, orgId, { email: 'dev@acme.test', name: 'Dev', role: 'developer' });
  admin = { id: a.id, orgId, email: a.email, name: a.name, role: 'admin', orgName: 'Acme' };
  dev = { id: d.id, orgId, email: d.email, name: d.name, role: 'developer', orgName: 'Acme' };
  const claude = (await seedConnection(db, orgId, { name: 'claude-api', type: 'anthropic' })).id;
  const pg = (await seedConnection(db, orgId, { name: 'pg-prod', type: 'postgres' })).id;
  const review = await createStatementReview(db, {
    orgId,
    requesterId: dev.id,
    connectionId: claude,
    sessionId: crypto.randomUUID(),
    mode: 'claude',
    digest: 'd'.repeat(64),
    statement: 'kubectl delete pod web-1',
    ruleId: 'kubectl-delete',
    ruleMessage: null,
    reason: null,
    rules: {
      policyName: 'p',
      policyVersion: 1,
      approverRoles: ['admin'],
      approverUsers: [],
      minApprovals: 1,
      allowSelfApproval: false,
      timeoutMinutes: 30,
    },
  });
  reviewId = review.id;
  await voteOnReview(db, { reviewId, user: admin, decision: 'approve', comment: 'ok', via: 'web' });
  const base = { orgId, userId: dev.id, connectionId: claude, mode: 'claude' as const };
  closedId = await recordSession(db, { ...base, startedAt: new Date('2026-12-01T10:00:00Z'), events: claudeSessionEvents({ reviewId }) });
  // still running: no session.close, its totals are its answers so far
  openId = await recordSession(db, {
    ...base,
    status: 'open',
    startedAt: new Date('2026-12-02T10:00:00Z'),
    events: [
      { type: 'session.open', data: { mode: 'claude' } },
      requestEvent(1, [{ role: 'user', content: 'hello' }]),
      responseEvent(1, { text: 'hi', input: 10, output: 3, model: 'claude-opus-4-1' }),
    ],
  });
  // 45 exchanges, each adding one turn: read a page at a time
  const history: { role: string; content: unknown }[] = [];
  const events: FixtureEvent[] = [{ type: 'session.open', data: { mode: 'claude' } }];
  for (let i = 1; i <= 45; i++) {
    history.push({ role: 'user', content: `question ${i}` });
    events.push(requestEvent(i, [...history], { padding: 100 }), responseEvent(i, { text: `answer ${i}` }));
    if (i === 30) events.push(toolUseEvent(i, `toolu_${i}`, 'Bash', { command: 'rm -rf /tmp/x' }, 'deny', 'no-rm', 'blocked'));
    history.push({ role: 'assistant', content: `answer ${i}` });
  }
  longId = await recordSession(db, { ...base, userId: admin.id, startedAt: new Date('2026-12-03T10:00:00Z'), events });
  sqlId = await recordSession(db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date('2026-12-04T10:00:00Z'), events: sqlSessionEvents() });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('Claude Code conversations in the session list', () => {
  it('shows models, tokens and tool calls; tool calls are the statements, refused ones the blocked', async () => {
    const page = await listSessions(db, admin, {});
    const row = (id: string) => page.items.find((s) => s.id === id)!;
    expect(row(closedId)).toMatchObject({ kind: 'conversation', statements: 3, blocked: 1, reviews: 1 });
    expect(row(closedId).claude).toEqual({
      exchanges: 6,
      failed: 1,
      models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
      inputTokens: 3630,
      outputTokens: 245,
      cacheReadTokens: 60000,
      cacheCreationTokens: 0,
      toolCalls: 3,
      blocked: 1,
      held: 1,
    });
    expect(row(openId).claude).toMatchObject({ exchanges: 1, models: ['claude-opus-4-1'], inputTokens: 10, outputTokens: 3, toolCalls: 0 });
    expect(row(sqlId)).toMatchObject({ kind: 'sql', claude: null, blocked: 1 });
  });

  it('filters by mode, refused and held tool calls, and text in tool calls', async () => {
    const ids = async (f: Parameters<typeof listSessions>[2]) => (await listSessions(db, admin, f)).items.map((s) => s.id).sort();
    expect(await ids({ mode: 'claude' })).toEqual([closedId, openId, longId].sort());
    expect(await ids({ mode: 'claude', outcome: 'blocked' })).toEqual([closedId, longId].sort());
    expect(await ids({ outcome: 'blocked' })).toEqual([closedId, longId, sqlId].sort());
    expect(await ids({ outcome: 'reviewed', mode: 'claude' })).toEqual([closedId]);
    expect(await ids({ q: 'kubectl delete' })).toEqual([closedId]);
    expect(await ids({ q: 'rm -rf /tmp' })).toEqual([longId]);
    // the request bodies are not searched: a word only the user typed finds nothing
    expect(await ids({ q: 'signed up this week' })).toEqual([]);
  });

  it('`hoop sessions` gives a conversation its models, tokens and tool calls', async () => {
    const { sessions } = await sessionSummaries(db, admin, {});
    expect(sessions.find((s) => s.id === closedId)!.claude).toMatchObject({ models: ['claude-sonnet-4-5', 'claude-haiku-4-5'], toolCalls: 3, blocked: 1 });
    expect(sessions.find((s) => s.id === sqlId)!.claude).toBeNull();
  });
});

describe('a conversation page', () => {
  it("the session page's timeline leaves the exchanges to the conversation, and counts every event", async () => {
    const s = await getSessionDetail(db, dev, closedId);
    expect(s.kind).toBe('conversation');
    expect(s.timeline.map((e) => (e.kind === 'event' ? e.type : e.kind))).toEqual(['session.open', 'review', 'session.close']);
    expect(s.events).toBe(claudeSessionEvents().length);
    expect(s.claude).toMatchObject({ toolCalls: 3 });
  });

  it('gives the exchanges with the review a held call waited for', async () => {
    const c = await getConversation(db, dev, { id: closedId });
    expect(c.total).toBe(6);
    expect(c.exchanges.map((x) => x.exchange)).toEqual([1, 2, 3, 4, 5, 6]);
    const held = c.exchanges[3]!.toolCalls[0]!.guard!;
    expect(held).toMatchObject({ verdict: 'review', outcome: 'approved', reviewId });
    expect(held.review).toMatchObject({ status: 'approved', approvals: [expect.objectContaining({ email: 'admin@acme.test' })] });
  });

  it('pages a long conversation, each page showing only what is new, even its first exchange', async () => {
    const p2 = await getConversation(db, admin, { id: longId, page: 2, pageSize: 20 });
    expect(p2).toMatchObject({ total: 45, page: 2, pageSize: 20 });
    expect(p2.exchanges.map((x) => x.exchange)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
    const first = p2.exchanges[0]!;
    expect(first.request).toMatchObject({ earlier: 39, messages: 41, continues: 20 });
    expect(first.request!.turn.map((m) => m.blocks[0])).toEqual([
      expect.objectContaining({ text: 'answer 20' }),
      expect.objectContaining({ text: 'question 21' }),
    ]);
    expect(p2.exchanges[9]!.toolCalls[0]!.guard).toMatchObject({ verdict: 'deny', rule: 'no-rm', outcome: 'blocked' });
    const p3 = await getConversation(db, admin, { id: longId, page: 3, pageSize: 20 });
    expect(p3.exchanges.map((x) => x.exchange)).toEqual([41, 42, 43, 44, 45]);
    expect((await getConversation(db, admin, { id: longId, page: 9 })).exchanges).toEqual([]);
  });

  it('gives one request whole, as recorded', async () => {
    const c = await getConversation(db, dev, { id: closedId });
    const r = await getExchangeRequest(db, dev, { id: closedId, seq: c.exchanges[2]!.request!.seq });
    expect(r).toMatchObject({ exchange: 3, truncated: true, parsed: true, cut: false, model: 'claude-sonnet-4-5', path: '/v1/messages?beta=true' });
    expect(r.body.length).toBe(64 * 1024);
    expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(r.system).toMatch(/^You are Claude Code\./);
    expect(r.headers).toEqual({ 'anthropic-version': '2023-06-01' });
  });

  it("is the viewer's to see only, and only for conversations", async () => {
    await expect(getConversation(db, dev, { id: longId })).rejects.toMatchObject({ code: 'not_found' });
    await expect(getExchangeRequest(db, dev, { id: longId, seq: 1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(getConversation(db, dev, { id: sqlId })).rejects.toMatchObject({ code: 'invalid' });
    await expect(getExchangeRequest(db, dev, { id: closedId, seq: 0 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(getConversation(db, dev, { id: closedId, pageSize: 1000 })).rejects.toMatchObject({ code: 'invalid' });
  });
});
