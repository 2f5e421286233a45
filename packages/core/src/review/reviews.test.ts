import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { decideReview } from './decide-review';
import { getReviewDetail } from './get-review';
import { listReviewsPage } from './list-reviews';
import { revokeReviewAsAdmin } from './revoke-review';
import { reviewFacets, reviewSummary } from './review-summary';
import { refusal } from '../refusal';
import { createStatementReview, type ReviewRules } from './reviews';

let database: TestDatabase;
let db: Db;
let orgId = '';
const people: Record<'admin' | 'rita' | 'rob' | 'dev' | 'audrey' | 'outsider', SessionUser> = {} as never;
const connections: Record<string, string> = {};

const RULES: ReviewRules = {
  policyName: 'prod',
  policyVersion: 3,
  approverRoles: ['reviewer', 'admin'],
  approverUsers: [],
  minApprovals: 1,
  allowSelfApproval: false,
  timeoutMinutes: 30,
};

async function request(statement: string, o: { connection?: string; by?: keyof typeof people; rules?: Partial<ReviewRules> } = {}): Promise<string> {
  const review = await createStatementReview(db, {
    orgId,
    requesterId: people[o.by ?? 'dev'].id,
    connectionId: connections[o.connection ?? 'pg-prod']!,
    sessionId: crypto.randomUUID(),
    mode: 'exec',
    digest: 'b'.repeat(64),
    statement,
    ruleId: 'schema-change',
    ruleMessage: 'schema changes need a reviewer',
    reason: 'ticket 481',
    rules: { ...RULES, ...o.rules },
  });
  return review.id;
}

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_reviews');
  db = createDb(database.url, { max: 2 });
  const org = await seedOrg(db, { name: 'Acme' });
  orgId = org.id;
  const other = await seedOrg(db, { name: 'Other' });
  const seeded = { admin: 'admin', rita: 'reviewer', rob: 'reviewer', dev: 'developer', audrey: 'auditor' } as const;
  for (const [name, role] of Object.entries(seeded)) {
    const u = await seedUser(db, orgId, { email: `${name}@acme.test`, name: name[0]!.toUpperCase() + name.slice(1), role });
    people[name as keyof typeof seeded] = { id: u.id, orgId, email: u.email, name: u.name, role, orgName: 'Acme' };
  }
  const o = await seedUser(db, other.id, { email: 'outsider@other.test', role: 'admin' });
  people.outsider = { id: o.id, orgId: other.id, email: o.email, name: o.name, role: 'admin', orgName: 'Other' };
  connections['pg-prod'] = (await seedConnection(db, orgId, { name: 'pg-prod' })).id;
  connections['pg-staging'] = (await seedConnection(db, orgId, { name: 'pg-staging' })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('deciding', () => {
  it('tells the requester why they cannot approve, before and when they try', async () => {
    const id = await request('ALTER TABLE a ADD COLUMN x int');
    const seen = await getReviewDetail(db, people.dev, id);
    expect(seen.viewer).toEqual({
      canDecide: false,
      refusal: 'You cannot approve your own request; another approver must decide.',
      vote: null,
      canRevoke: false,
    });
    expect(await refusal(decideReview(db, people.dev, 'approve', { id }))).toBe(
      'forbidden: You cannot approve your own request; another approver must decide.',
    );
    expect(await refusal(decideReview(db, people.audrey, 'approve', { id }))).toBe(
      'forbidden: You are not an approver of this request (approvers: reviewer role, admin role).',
    );
    expect((await getReviewDetail(db, people.rita, id)).viewer).toMatchObject({ canDecide: true, refusal: null });
  });

  it('approves from the web, recorded as such, and a decided review cannot be decided again', async () => {
    const id = await request('ALTER TABLE b ADD COLUMN x int');
    const out = await decideReview(db, people.rita, 'approve', { id, comment: '  looks fine ' });
    expect(out.decided).toBe(true);
    expect(out.review).toMatchObject({ status: 'approved', approvals: 1, decidedBy: { email: 'rita@acme.test' }, decisionNote: 'looks fine' });
    expect(out.review.votes).toEqual([
      expect.objectContaining({ user: { name: 'Rita', email: 'rita@acme.test' }, decision: 'approve', comment: 'looks fine', via: 'web' }),
    ]);
    expect(out.review.viewer).toMatchObject({ canDecide: false, refusal: null, vote: 'approve' });
    expect(await refusal(decideReview(db, people.rob, 'reject', { id }))).toMatch(/^conflict: Review .* is already approved\.$/);
  });

  it('needs n of m approvals and one vote each', async () => {
    const id = await request('ALTER TABLE c ADD COLUMN x int', { rules: { minApprovals: 2 } });
    const first = await decideReview(db, people.rita, 'approve', { id });
    expect(first).toMatchObject({ decided: false, review: { status: 'pending', approvals: 1, minApprovals: 2 } });
    expect(first.review.viewer.refusal).toBe('You already approved this request; it needs 1 more approval from other approvers.');
    expect(await refusal(decideReview(db, people.rita, 'approve', { id }))).toMatch(/^conflict: You already decided on this review/);
    expect((await decideReview(db, people.rob, 'approve', { id })).review.status).toBe('approved');
  });

  it('a rejection keeps its reason for the requester', async () => {
    const id = await request('DROP TABLE d');
    const out = await decideReview(db, people.rob, 'reject', { id, comment: 'not during the freeze' });
    expect(out.review).toMatchObject({ status: 'rejected', decisionNote: 'not during the freeze', decidedBy: { name: 'Rob' } });
  });

  it('lets the requester approve themselves only when the policy says so', async () => {
    const id = await request('ALTER TABLE e ADD COLUMN x int', { by: 'rita', rules: { allowSelfApproval: true } });
    expect((await getReviewDetail(db, people.rita, id)).viewer.canDecide).toBe(true);
    expect((await decideReview(db, people.rita, 'approve', { id })).review.status).toBe('approved');
  });

  it('refuses an expired request with a clear message', async () => {
    const id = await request('ALTER TABLE f ADD COLUMN x int');
    await db.review.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await getReviewDetail(db, people.rita, id)).viewer.refusal).toMatch(/has expired/);
    expect(await refusal(decideReview(db, people.rita, 'approve', { id }))).toMatch(/^conflict: Review .* expired at /);
  });

  it('revoking is for admins, and names who did it', async () => {
    const id = await request('ALTER TABLE g ADD COLUMN x int');
    expect((await getReviewDetail(db, people.admin, id)).viewer.canRevoke).toBe(true);
    expect((await getReviewDetail(db, people.rita, id)).viewer.canRevoke).toBe(false);
    expect(await refusal(revokeReviewAsAdmin(db, people.rita, { id }))).toBe('forbidden: Only admins can revoke a review.');
    const revoked = await revokeReviewAsAdmin(db, people.admin, { id, note: 'wrong ticket' });
    expect(revoked).toMatchObject({ status: 'revoked', decisionNote: 'wrong ticket', decidedBy: { email: 'admin@acme.test' } });
    expect(revoked.viewer.canRevoke).toBe(false);
    expect(await refusal(revokeReviewAsAdmin(db, people.admin, { id }))).toMatch(/^conflict: .*nothing to revoke/);
  });

  it('never reaches another org', async () => {
    const id = await request('ALTER TABLE h ADD COLUMN x int');
    expect(await refusal(getReviewDetail(db, people.outsider, id))).toMatch(/^not_found: /);
    expect(await refusal(decideReview(db, people.outsider, 'approve', { id }))).toMatch(/^not_found: /);
    expect(await refusal(revokeReviewAsAdmin(db, people.outsider, { id }))).toMatch(/^not_found: /);
    expect(await refusal(getReviewDetail(db, people.rita, 'not-a-uuid'))).toMatch(/^not_found: /);
    expect((await listReviewsPage(db, people.outsider, { status: 'all' })).items).toEqual([]);
  });
});

describe('the inbox', () => {
  it('lists pending requests newest first and marks those waiting on the viewer', async () => {
    const a = await request('UPDATE one SET x = 1', { connection: 'pg-staging' });
    const b = await request('UPDATE two SET x = 2', { by: 'rob' });
    const forRita = await listReviewsPage(db, people.rita, { status: 'pending' });
    const pendingIds = forRita.items.map((r) => r.id);
    expect(pendingIds.slice(0, 2)).toEqual([b, a]);
    expect(forRita.items.every((r) => r.status === 'pending')).toBe(true);
    expect(forRita.items.find((r) => r.id === a)).toMatchObject({
      awaitsViewer: true,
      connection: { name: 'pg-staging' },
      requester: { email: 'dev@acme.test' },
      ruleId: 'schema-change',
      reason: 'ticket 481',
      approvals: 0,
      minApprovals: 1,
    });
    // Rob asked for b himself
    expect((await listReviewsPage(db, people.rob, { status: 'pending' })).items.find((r) => r.id === b)?.awaitsViewer).toBe(false);
    expect((await listReviewsPage(db, people.dev, { status: 'pending' })).items.some((r) => r.awaitsViewer)).toBe(false);
  });

  it('filters history by status, connection and requester', async () => {
    const decided = await listReviewsPage(db, people.audrey, { status: 'decided' });
    expect(new Set(decided.items.map((r) => r.status))).toEqual(new Set(['approved', 'rejected', 'revoked']));
    expect((await listReviewsPage(db, people.audrey, { status: 'rejected' })).items.map((r) => r.statement)).toEqual(['DROP TABLE d']);
    expect((await listReviewsPage(db, people.audrey, { status: 'all', connection: 'pg-staging' })).items.map((r) => r.statement)).toEqual([
      'UPDATE one SET x = 1',
    ]);
    expect((await listReviewsPage(db, people.audrey, { status: 'all', requester: 'ROB@acme.test' })).items.map((r) => r.statement)).toEqual([
      'UPDATE two SET x = 2',
    ]);
  });

  it('pages from newest to oldest', async () => {
    const all = (await listReviewsPage(db, people.audrey, { status: 'all', limit: 200 })).items.map((r) => r.id);
    const first = await listReviewsPage(db, people.audrey, { status: 'all', limit: 4 });
    expect(first.items.map((r) => r.id)).toEqual(all.slice(0, 4));
    expect(first.nextBefore).not.toBeNull();
    const second = await listReviewsPage(db, people.audrey, { status: 'all', limit: 200, before: first.nextBefore! });
    expect(second.items.map((r) => r.id)).toEqual(all.slice(4));
    expect(second.nextBefore).toBeNull();
  });

  it('counts what is pending and what waits on the viewer', async () => {
    const pending = await db.review.count({ where: { orgId, status: 'pending' } });
    expect(await reviewSummary(db, people.rita)).toEqual({ pending, awaitingMe: pending - 1 });
    expect(await reviewSummary(db, people.dev)).toEqual({ pending, awaitingMe: 0 });
    expect(await reviewSummary(db, people.outsider)).toEqual({ pending: 0, awaitingMe: 0 });
  });

  it('offers the connections and requesters that have reviews as filters', async () => {
    expect(await reviewFacets(db, orgId)).toEqual({
      connections: ['pg-prod', 'pg-staging'],
      requesters: [
        { email: 'dev@acme.test', name: 'Dev' },
        { email: 'rita@acme.test', name: 'Rita' },
        { email: 'rob@acme.test', name: 'Rob' },
      ],
    });
  });
});
