import { randomBytes } from 'node:crypto';
import { createDb, type Db, purgeExpiredAudit } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from './root';
import { recordSession, sqlSessionEvents } from '@hoop/core/testing';

let database: TestDatabase;
let db: Db;
let orgId = '';
const ids = { admin: '', auditor: '' };
const sessions = { old: '', recent: '' };
const ENCRYPTION_KEY = randomBytes(32).toString('hex');
const DAY = 86_400_000;

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_retention');
  db = createDb(database.url, { max: 2 });
  orgId = (await seedOrg(db, { name: 'Keep' })).id;
  ids.admin = (await seedUser(db, orgId, { role: 'admin', email: 'boss@keep.test' })).id;
  ids.auditor = (await seedUser(db, orgId, { role: 'auditor', email: 'audrey@keep.test' })).id;
  const connectionId = (await seedConnection(db, orgId, { name: 'pg' })).id;
  sessions.old = await recordSession(db, { orgId, userId: ids.admin, connectionId, startedAt: new Date(Date.now() - 100 * DAY), events: sqlSessionEvents() });
  sessions.recent = await recordSession(db, { orgId, userId: ids.admin, connectionId, startedAt: new Date(Date.now() - DAY), events: sqlSessionEvents() });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const as = (who: keyof typeof ids) =>
  createCaller({ db, userId: ids[who], headers: new Headers(), encryptionKey: ENCRYPTION_KEY, gatewayUrl: 'http://127.0.0.1:9' } as Parameters<
    typeof createCaller
  >[0]);

describe('audit retention in the web app', () => {
  it('is for ever at first, and an auditor sees it', async () => {
    expect(await as('auditor').audit.retention({})).toMatchObject({
      days: null,
      minDays: 7,
      maxDays: 36_500,
      pending: null,
      purged: { sessions: 0, events: 0, purges: [] },
    });
  });

  it('refuses less than 7 days, with the bound in words', async () => {
    const err = await as('admin')
      .audit.setRetention({ days: 3 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('BAD_REQUEST');
    expect((err as TRPCError).message).toContain('Retention is at least 7 days.');
    expect((await db.org.findUniqueOrThrow({ where: { id: orgId } })).auditRetentionDays).toBeNull();
  });

  it('shows an admin what a retention would remove before it is set', async () => {
    expect(await as('admin').audit.previewRetention({ days: 30 })).toMatchObject({ sessions: 1, events: sqlSessionEvents().length });
    expect(await as('admin').audit.previewRetention({ days: 365 })).toMatchObject({ sessions: 0, events: 0, oldest: null });
    expect((await db.org.findUniqueOrThrow({ where: { id: orgId } })).auditRetentionDays).toBeNull();
  });

  it('is set by an admin, once in the admin trail with the value it replaced, and shows what will go', async () => {
    const view = await as('admin').audit.setRetention({ days: 30 });
    expect(view).toMatchObject({ days: 30, pending: { sessions: 1, events: sqlSessionEvents().length } });
    const trail = await db.adminEvent.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
    expect(trail.map((e) => [e.action, e.actor, e.data])).toEqual([
      ['audit.retention', 'boss@keep.test', expect.objectContaining({ from: null, to: 30, via: 'web', pendingSessions: 1 })],
    ]);

    await purgeExpiredAudit(db);
    const after = await as('auditor').audit.retention({});
    expect(after).toMatchObject({
      days: 30,
      pending: { sessions: 0 },
      purged: { sessions: 1, events: sqlSessionEvents().length, purges: [{ retentionDays: 30, sessions: 1 }] },
    });
    expect(await db.session.findMany({ where: { orgId }, select: { id: true } })).toEqual([{ id: sessions.recent }]);
    expect((await as('auditor').audit.verify({})).purged).toMatchObject({ sessions: 1 });
  });
});
