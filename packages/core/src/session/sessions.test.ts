import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { exportSession, exportSessionList } from './export-sessions';
import { getSessionDetail } from './get-session';
import { listSessions } from './list-sessions';
import { sessionFacets } from './session-facets';
import { recordSession, sqlSessionEvents, terminalSessionEvents } from './session-fixtures';
import { refusal } from '../refusal';
import { createStatementReview, voteOnReview } from '../review/reviews';

let database: TestDatabase;
let db: Db;
let orgId = '';
const people: Record<'admin' | 'audrey' | 'rita' | 'dev' | 'bot' | 'outsider', SessionUser> = {} as never;
const conns: Record<string, string> = {};
const ids: Record<'devSql' | 'devTerm' | 'botRead' | 'ritaFailed' | 'theirs', string> = {} as never;
let reviewId = '';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_sessions');
  db = createDb(database.url, { max: 3 });
  orgId = (await seedOrg(db, { name: 'Acme' })).id;
  const other = await seedOrg(db, { name: 'Other' });
  const seeded = { admin: 'admin', audrey: 'auditor', rita: 'reviewer', dev: 'developer', bot: 'developer' } as const;
  for (const [name, role] of Object.entries(seeded)) {
    const u = await seedUser(db, orgId, { email: `${name}@acme.test`, name: name[0]!.toUpperCase() + name.slice(1), role, isService: name === 'bot' });
    people[name as keyof typeof seeded] = { id: u.id, orgId, email: u.email, name: u.name, role, orgName: 'Acme' };
  }
  const o = await seedUser(db, other.id, { email: 'outsider@other.test', role: 'admin' });
  people.outsider = { id: o.id, orgId: other.id, email: o.email, name: o.name, role: 'admin', orgName: 'Other' };
  for (const [name, type] of [
    ['pg-prod', 'postgres'],
    ['pg-staging', 'postgres'],
    ['box', 'command'],
  ] as const)
    conns[name] = (await seedConnection(db, orgId, { name, type })).id;
  const theirConn = (await seedConnection(db, other.id, { name: 'pg-prod' })).id;

  const review = await createStatementReview(db, {
    orgId,
    requesterId: people.dev.id,
    connectionId: conns['pg-prod']!,
    sessionId: crypto.randomUUID(),
    mode: 'exec',
    digest: 'c'.repeat(64),
    statement: 'alter table customers add column note text',
    ruleId: 'schema-change',
    ruleMessage: null,
    reason: 'ticket 481',
    rules: {
      policyName: 'prod',
      policyVersion: 1,
      approverRoles: ['reviewer'],
      approverUsers: [],
      minApprovals: 1,
      allowSelfApproval: false,
      timeoutMinutes: 30,
    },
  });
  reviewId = review.id;
  await voteOnReview(db, { reviewId, user: people.rita, decision: 'approve', comment: 'fine', via: 'web' });

  ids.devSql = await recordSession(db, {
    orgId,
    userId: people.dev.id,
    connectionId: conns['pg-prod']!,
    clientInfo: { client: 'hoop exec', reason: 'ticket 481' },
    startedAt: new Date('2026-03-01T10:00:00Z'),
    events: sqlSessionEvents({ reviewId, user: 'dev@acme.test' }),
  });
  ids.devTerm = await recordSession(db, {
    orgId,
    userId: people.dev.id,
    connectionId: conns.box!,
    mode: 'connect',
    startedAt: new Date('2026-03-02T10:00:00Z'),
    events: terminalSessionEvents(),
  });
  ids.botRead = await recordSession(db, {
    orgId,
    userId: people.bot.id,
    connectionId: conns['pg-staging']!,
    mode: 'mcp',
    status: 'open',
    clientInfo: { client: 'claude', reason: 'weekly report' },
    startedAt: new Date('2026-03-03T10:00:00Z'),
    events: [
      { type: 'session.open', data: { connection: 'pg-staging', type: 'postgres', mode: 'mcp' } },
      {
        type: 'statement',
        data: {
          sql: "select 'done_100%' as progress",
          decision: 'allow',
          executed: true,
          tags: ['SELECT 1'],
          rows: 1,
          bytes: 20,
          durationMs: 0.7,
          error: null,
          masked: {},
        },
      },
    ],
  });
  ids.ritaFailed = (
    await db.session.create({
      data: {
        orgId,
        userId: people.rita.id,
        connectionId: conns['pg-prod']!,
        mode: 'connect',
        status: 'failed',
        error: 'the agent is offline',
        startedAt: new Date('2026-02-20T09:00:00Z'),
        endedAt: new Date('2026-02-20T09:00:01Z'),
      },
    })
  ).id;
  ids.theirs = await recordSession(db, {
    orgId: other.id,
    userId: o.id,
    connectionId: theirConn,
    startedAt: new Date('2026-03-04T10:00:00Z'),
    events: sqlSessionEvents(),
  });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const listed = async (who: SessionUser, input: Parameters<typeof listSessions>[2] = {}) => (await listSessions(db, who, input)).items.map((s) => s.id);

describe('who sees which sessions', () => {
  it('admins and auditors see every session of their org, newest first; nobody sees another org', async () => {
    const all = [ids.botRead, ids.devTerm, ids.devSql, ids.ritaFailed];
    expect(await listed(people.admin)).toEqual(all);
    expect(await listed(people.audrey)).toEqual(all);
    expect(await listed(people.outsider)).toEqual([ids.theirs]);
  });

  it('other roles see only their own sessions', async () => {
    expect(await listed(people.dev)).toEqual([ids.devTerm, ids.devSql]);
    expect(await listed(people.rita)).toEqual([ids.ritaFailed]);
    // a filter on someone else changes nothing
    expect(await listed(people.dev, { user: 'rita@acme.test' })).toEqual([]);
  });

  it('a developer cannot read another user’s session, nor anyone another org’s', async () => {
    expect(await refusal(getSessionDetail(db, people.rita, ids.devSql))).toBe(`not_found: Session ${ids.devSql} does not exist or is not yours to see.`);
    expect(await refusal(getSessionDetail(db, people.dev, ids.ritaFailed))).toMatch(/^not_found: /);
    expect(await refusal(getSessionDetail(db, people.outsider, ids.devSql))).toMatch(/^not_found: /);
    expect(await refusal(getSessionDetail(db, people.admin, 'not-a-uuid'))).toMatch(/^not_found: /);
    expect(await refusal(exportSession(db, people.rita, ids.devSql, 'jsonl'))).toMatch(/^not_found: /);
    expect((await getSessionDetail(db, people.dev, ids.devSql)).id).toBe(ids.devSql);
    expect((await getSessionDetail(db, people.audrey, ids.devSql)).id).toBe(ids.devSql);
  });

  it('offers the users and connections of the sessions the viewer sees as filters', async () => {
    expect(await sessionFacets(db, people.audrey)).toEqual({
      seesAll: true,
      connections: ['box', 'pg-prod', 'pg-staging'],
      users: [
        { email: 'bot@acme.test', name: 'Bot', isService: true },
        { email: 'dev@acme.test', name: 'Dev', isService: false },
        { email: 'rita@acme.test', name: 'Rita', isService: false },
      ],
    });
    expect(await sessionFacets(db, people.dev)).toEqual({
      seesAll: false,
      connections: ['box', 'pg-prod'],
      users: [{ email: 'dev@acme.test', name: 'Dev', isService: false }],
    });
  });
});

describe('the session list', () => {
  it('shows counts, the service-account flag, the reason and the client', async () => {
    const page = await listSessions(db, people.audrey, {});
    const byId = new Map(page.items.map((s) => [s.id, s]));
    // the held statement and its approved run count once; the failing select counts too
    expect(byId.get(ids.devSql)).toMatchObject({
      kind: 'sql',
      mode: 'exec',
      status: 'closed',
      statements: 4,
      blocked: 1,
      masked: 2,
      reviews: 1,
      reason: 'ticket 481',
      client: 'hoop exec',
      user: { email: 'dev@acme.test', isService: false },
      connection: { name: 'pg-prod', type: 'postgres' },
    });
    expect(byId.get(ids.devTerm)).toMatchObject({ kind: 'terminal', statements: 2, blocked: 1, masked: 1, reviews: 0, reason: null });
    expect(byId.get(ids.botRead)).toMatchObject({
      status: 'open',
      endedAt: null,
      statements: 1,
      blocked: 0,
      masked: 0,
      user: { isService: true },
      reason: 'weekly report',
    });
    expect(byId.get(ids.ritaFailed)).toMatchObject({ status: 'failed', statements: 0, error: 'the agent is offline' });
    expect(page).toMatchObject({ total: 4, totalIsLowerBound: false, page: 1, pageSize: 50 });
  });

  it('filters by user, connection, mode, status and start time', async () => {
    expect(await listed(people.audrey, { user: 'DEV@acme.test' })).toEqual([ids.devTerm, ids.devSql]);
    expect(await listed(people.audrey, { connection: 'pg-prod' })).toEqual([ids.devSql, ids.ritaFailed]);
    expect(await listed(people.audrey, { mode: 'mcp' })).toEqual([ids.botRead]);
    expect(await listed(people.audrey, { status: 'failed' })).toEqual([ids.ritaFailed]);
    expect(await listed(people.audrey, { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-03T00:00:00Z') })).toEqual([ids.devTerm, ids.devSql]);
    expect(await listed(people.audrey, { from: new Date('2026-03-03T10:00:00Z') })).toEqual([ids.botRead]);
  });

  it('filters by outcome: blocked, reviewed, masked', async () => {
    expect(await listed(people.audrey, { outcome: 'blocked' })).toEqual([ids.devTerm, ids.devSql]);
    expect(await listed(people.audrey, { outcome: 'reviewed' })).toEqual([ids.devSql]);
    expect(await listed(people.audrey, { outcome: 'masked' })).toEqual([ids.devTerm, ids.devSql]);
    expect(await listed(people.outsider, { outcome: 'reviewed' })).toEqual([ids.theirs]);
  });

  it('finds text in statements and commands, taking % and _ literally', async () => {
    expect(await listed(people.audrey, { q: 'DELETE FROM customers' })).toEqual([ids.devSql]);
    expect(await listed(people.audrey, { q: 'hello-$((40' })).toEqual([ids.devTerm]);
    expect(await listed(people.audrey, { q: '100%' })).toEqual([ids.botRead]);
    expect(await listed(people.audrey, { q: 'e_1' })).toEqual([ids.botRead]);
    // as a wildcard, _ would match the space of "select id"
    expect(await listed(people.audrey, { q: 'ct_id' })).toEqual([]);
    expect(await listed(people.audrey, { q: '%' })).toEqual([ids.botRead]);
    expect(await listed(people.dev, { q: 'select' })).toEqual([ids.devSql]);
  });

  it('pages', async () => {
    const first = await listSessions(db, people.audrey, { pageSize: 3 });
    expect(first.items.map((s) => s.id)).toEqual([ids.botRead, ids.devTerm, ids.devSql]);
    expect(first.total).toBe(4);
    expect(await listed(people.audrey, { pageSize: 3, page: 2 })).toEqual([ids.ritaFailed]);
  });

  it('refuses a bad filter in a sentence', async () => {
    expect(await refusal(listSessions(db, people.audrey, { q: 'x'.repeat(201) }))).toBe(
      'invalid: Search for at most 200 characters of a statement or command.',
    );
  });
});

describe('a session', () => {
  it('reads a SQL session into a timeline with decisions, reviews and masked counts', async () => {
    const s = await getSessionDetail(db, people.audrey, ids.devSql);
    expect(s).toMatchObject({
      kind: 'sql',
      reason: 'ticket 481',
      client: 'hoop exec',
      maskedByType: { email: 2 },
      recording: null,
      truncated: false,
      events: 10,
      canVerify: true,
    });
    const statements = s.timeline.filter((e) => e.kind === 'statement');
    expect(statements.map((e) => [e.text, e.decision, e.executed])).toEqual([
      ['select id, email from customers', 'allow', true],
      ['delete from customers', 'deny', false],
      ['alter table customers add column note text', 'review', false],
      ['alter table customers add column note text', 'approved', true],
      ['select * from missing', 'allow', true],
    ]);
    expect(statements[0]).toMatchObject({ rows: 2, bytes: 96, durationMs: 1.25, tags: ['SELECT 2'], masked: { email: 2 }, error: null });
    expect(statements[1]).toMatchObject({
      ruleId: 'delete-without-where',
      reason: 'DELETE without a WHERE clause would touch every row',
      parts: [{ text: 'delete from customers', action: 'deny', ruleId: 'delete-without-where' }],
    });
    // the held statement learns its review from the request that followed it; the run names it itself
    for (const held of [statements[2]!, statements[3]!]) {
      expect(held.reviewId).toBe(reviewId);
      expect(held.review).toMatchObject({
        id: reviewId,
        status: 'approved',
        decidedBy: { name: 'Rita', email: 'rita@acme.test' },
        approvals: [{ name: 'Rita', via: 'web' }],
      });
      expect(held.review?.decidedAt).toBeInstanceOf(Date);
    }
    expect(statements[4]).toMatchObject({ error: 'relation "missing" does not exist' });
    expect(s.timeline.filter((e) => e.kind === 'review').map((e) => [e.phase, e.status])).toEqual([
      ['requested', 'pending'],
      ['decided', 'approved'],
    ]);
    expect(s.timeline.find((e) => e.kind === 'event' && e.type === 'session.close')).toMatchObject({ summary: 'Closed: client disconnected · 4 statements' });
  });

  it('reads a terminal session into a recording, commands, file events and the exit status', async () => {
    const s = await getSessionDetail(db, people.dev, ids.devTerm);
    expect(s.kind).toBe('terminal');
    expect(s.canVerify).toBe(false);
    expect(s.recording).toEqual({
      cols: 80,
      rows: 24,
      term: 'xterm-256color',
      duration: 1.4,
      frames: [
        [0.1, 'o', '$ '],
        [0.5, 'r', '100x30'],
        [0.9, 'o', 'hello-42\r\n$ '],
        [1.4, 'o', 'hoop: blocked by hoop guardrail "rm-recursive-broad"\r\n'],
      ],
    });
    expect(s.timeline.filter((e) => e.kind === 'statement').map((e) => [e.lang, e.text, e.decision, e.ruleId])).toEqual([
      ['shell', 'echo hello-$((40+2))', 'allow', null],
      ['shell', 'rm -rf /srv/app', 'deny', 'rm-recursive-broad'],
    ]);
    expect(s.timeline.find((e) => e.kind === 'file')).toMatchObject({ op: 'write', path: '/srv/upload.txt', to: null });
    expect(s.timeline.find((e) => e.kind === 'exit')).toMatchObject({ code: 0, signal: null });
    expect(s.maskedByType).toEqual({ email: 1 });
  });
});

describe('exports', () => {
  it('exports a session as JSON lines and CSV that match the stored events', async () => {
    const stored = await db.auditEvent.findMany({ where: { sessionId: ids.devSql }, orderBy: { seq: 'asc' } });
    const jsonl = await exportSession(db, people.audrey, ids.devSql, 'jsonl');
    expect(jsonl).toMatchObject({ filename: `hoop-session-${ids.devSql}.jsonl`, contentType: 'application/x-ndjson; charset=utf-8' });
    const lines = (await text(jsonl.chunks))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { session: string; user: string; connection: string; seq: number; type: string; data: unknown });
    expect(lines.map((l) => [l.seq, l.type, l.data])).toEqual(stored.map((e) => [e.seq, e.type, e.data]));
    expect(lines[0]).toMatchObject({ session: ids.devSql, user: 'dev@acme.test', connection: 'pg-prod' });
    const csv = (await text((await exportSession(db, people.dev, ids.devSql, 'csv')).chunks)).trim().split('\n');
    expect(csv[0]).toBe('session,seq,at,type,sql,decision,rule,rows,error,data');
    expect(csv).toHaveLength(stored.length + 1);
    expect(csv[4]).toMatch(new RegExp(`^${ids.devSql},3,[^,]+,statement,delete from customers,deny,delete-without-where,,,`));
  });

  it('exports a terminal session as asciicast, and refuses to for a SQL session', async () => {
    const cast = await exportSession(db, people.dev, ids.devTerm, 'cast');
    const [header, ...frames] = (await text(cast.chunks))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(header).toMatchObject({ version: 2, width: 80, height: 24, env: { TERM: 'xterm-256color' }, timestamp: Date.parse('2026-03-02T10:00:00Z') / 1000 });
    expect(frames).toEqual([
      [0.1, 'o', '$ '],
      [0.5, 'r', '100x30'],
      [0.9, 'o', 'hello-42\r\n$ '],
      [1.4, 'o', 'hoop: blocked by hoop guardrail "rm-recursive-broad"\r\n'],
    ]);
    expect(await refusal(exportSession(db, people.dev, ids.devSql, 'cast'))).toMatch(/^invalid: .*only terminal sessions have a recording/);
    expect(await refusal(exportSession(db, people.dev, ids.devSql, 'xml'))).toBe('invalid: The export format is jsonl, csv or cast.');
  });

  it('exports the filtered list: sessions as CSV, events as JSON lines, only what the viewer may see', async () => {
    const sessions = (await text(exportSessionList(db, people.audrey, { format: 'csv', what: 'sessions', outcome: 'blocked' }).chunks)).trim().split('\n');
    expect(sessions[0]).toBe(
      'id,started_at,ended_at,user,service_account,connection,connection_type,mode,status,statements,blocked,masked,reviews,reason,client,error',
    );
    expect(sessions.slice(1).map((l) => l.split(',')[0])).toEqual([ids.devTerm, ids.devSql]);
    expect(sessions[2]).toContain(',dev@acme.test,false,pg-prod,postgres,exec,closed,4,1,2,1,ticket 481,hoop exec,');
    const events = (await text(exportSessionList(db, people.dev, { format: 'jsonl', what: 'events' }).chunks))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { session: string });
    expect(new Set(events.map((e) => e.session))).toEqual(new Set([ids.devTerm, ids.devSql]));
    expect(events).toHaveLength(terminalSessionEvents().length + sqlSessionEvents().length);
    expect(await text(exportSessionList(db, people.rita, { format: 'jsonl', what: 'events' }).chunks)).toBe('');
  });
});
