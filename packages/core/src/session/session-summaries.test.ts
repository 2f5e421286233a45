import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, type TestDatabase, testServerUrl } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { type FixtureEvent, recordSession } from './session-fixtures';
import { sessionSummaries } from './session-summaries';

let database: TestDatabase;
let db: Db;
let admin: SessionUser;

/** Three requests, the second held for review before it ran: recorded four times, three requests. */
const requestEvents = (lang: string, first: string): FixtureEvent[] => [
  { type: 'session.open', data: { mode: 'connect' } },
  { type: 'statement', data: { sql: first, lang, decision: 'allow', executed: true } },
  { type: 'statement', data: { sql: `${first}/held`, lang, decision: 'review', held: true, executed: false } },
  { type: 'statement', data: { sql: `${first}/held`, lang, decision: 'review', executed: true } },
  { type: 'statement', data: { sql: `${first}/refused`, lang, decision: 'deny', executed: false } },
  { type: 'session.close', data: {} },
];

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'session_summaries');
  db = createDb(database.url, { max: 3 });
  const orgId = (await seedOrg(db, { name: 'Acme' })).id;
  const a = await seedUser(db, orgId, { email: 'admin@acme.test', name: 'Admin', role: 'admin' });
  admin = { id: a.id, orgId, email: a.email, name: a.name, role: 'admin', orgName: 'Acme' };
  const http = (await seedConnection(db, orgId, { name: 'billing-api', type: 'http' })).id;
  const kube = (await seedConnection(db, orgId, { name: 'prod-k8s', type: 'kubernetes' })).id;
  const ssh = (await seedConnection(db, orgId, { name: 'bastion', type: 'ssh' })).id;
  const base = { orgId, userId: a.id, mode: 'connect' as const };
  await recordSession(db, { ...base, connectionId: http, startedAt: new Date('2026-12-01T10:00:00Z'), events: requestEvents('http', 'GET /v1/refunds') });
  await recordSession(db, {
    ...base,
    connectionId: kube,
    startedAt: new Date('2026-12-02T10:00:00Z'),
    events: requestEvents('http', 'GET /api/v1/namespaces/payments/pods'),
  });
  await recordSession(db, {
    ...base,
    connectionId: ssh,
    startedAt: new Date('2026-12-03T10:00:00Z'),
    events: [
      { type: 'session.open', data: { mode: 'connect' } },
      { type: 'statement', data: { sql: 'ls', lang: 'shell', decision: 'allow', executed: true } },
    ],
  });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('`hoop sessions` counts the requests of API sessions', () => {
  it('a kubernetes session counts its requests as an http one does: a request held for review once', async () => {
    const { sessions } = await sessionSummaries(db, admin, {});
    const by = (name: string) => sessions.find((s) => s.connection === name);
    expect(by('billing-api')?.http).toMatchObject({ requests: 3 });
    expect(by('prod-k8s')?.http).toMatchObject({ requests: 3 });
    expect(by('prod-k8s')?.http).toEqual(by('billing-api')?.http);
    expect(by('bastion')?.http).toBeNull();
  });
});
