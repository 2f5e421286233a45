import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAuditPartitions, listAuditPartitions } from './audit-partitions';
import { purgeExpiredAudit, recordExpiredAudit, removePurgedAudit } from './audit-purge';
import { loadPurgeRecords, purgeCheckpoint } from './audit-purge-records';
import { getAuditRetention, previewRetention, RetentionError, setAuditRetention } from './audit-retention';
import { verifyAdminEvents } from './admin-events';
import { createDb, type Db } from './client';
import { seedConnection, seedOrg, seedUser } from './factories';
import { createTestDatabase, type TestDatabase, testServerUrl } from './testing';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'audit_retention');
  db = createDb(database.url, { max: 3 });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const DAY = 86_400_000;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function org(name: string) {
  const o = await seedOrg(db, { name });
  const user = await seedUser(db, o.id, { email: `dev@${name}.test` });
  const conn = await seedConnection(db, o.id, { name: `${name}-db` });
  return { id: o.id, userId: user.id, connectionId: conn.id };
}

/** A closed session whose events are spread evenly from `from` to `to` (chained with stand-in hashes). */
async function session(o: { id: string; userId: string; connectionId: string }, from: Date, to: Date, events = 4): Promise<string> {
  const s = await db.session.create({
    data: { orgId: o.id, userId: o.userId, connectionId: o.connectionId, mode: 'exec', status: 'closed', startedAt: from, endedAt: to },
  });
  let prev = '0'.repeat(64);
  for (let seq = 0; seq < events; seq++) {
    const at = new Date(from.getTime() + ((to.getTime() - from.getTime()) * seq) / Math.max(1, events - 1));
    const hash = sha(`${prev}${s.id}${seq}`);
    await db.$executeRawUnsafe(
      `INSERT INTO audit_events (session_id, seq, type, at, data, prev_hash, hash) VALUES ($1::uuid, $2, $3, $4::timestamp, $5::jsonb, $6, $7)`,
      s.id,
      seq,
      seq === 1 ? 'statement' : 'note',
      at.toISOString().replace('Z', ''),
      JSON.stringify(seq === 1 ? { sql: 'select 1', decision: 'deny', masked: { email: 3 } } : {}),
      prev,
      hash,
    );
    prev = hash;
  }
  return s.id;
}

const partitionOf = async (sessionId: string) =>
  (await db.$queryRawUnsafe<{ p: string }[]>('SELECT DISTINCT tableoid::regclass::text AS p FROM audit_events WHERE session_id = $1::uuid', sessionId))
    .map((r) => r.p)
    .sort();

describe('audit partitions', () => {
  it('makes this month and the next two ahead of time, once', async () => {
    const now = new Date('2031-11-15T12:00:00Z');
    expect((await ensureAuditPartitions(db, { now })).made).toEqual(['audit_events_2031_11', 'audit_events_2031_12', 'audit_events_2032_01']);
    expect(await ensureAuditPartitions(db, { now })).toEqual({ made: [], failed: [] });
    const parts = await listAuditPartitions(db);
    expect(parts.at(-1)).toMatchObject({ name: 'audit_events_default', isDefault: true });
    expect(parts.find((p) => p.name === 'audit_events_2031_12')).toMatchObject({
      from: new Date('2031-12-01T00:00:00Z'),
      to: new Date('2032-01-01T00:00:00Z'),
    });
  });

  it('stores an event of a month without a partition in the default one, and moves it when its month is made', async () => {
    const o = await org('strays');
    const id = await session(o, new Date('2040-03-02T00:00:00Z'), new Date('2040-03-03T00:00:00Z'), 3);
    const far = await session(o, new Date('1999-12-31T23:59:59Z'), new Date('2000-01-01T00:00:01Z'), 2);
    expect(await partitionOf(id)).toEqual(['audit_events_default']);
    expect(await partitionOf(far)).toEqual(['audit_events_default']);
    const before = await db.session.findUniqueOrThrow({ where: { id } });
    expect(before).toMatchObject({ eventCount: 3, lastSeq: 2, blockedCount: 1, maskedCount: 3 });
    expect((await ensureAuditPartitions(db, { now: new Date('2040-03-10T00:00:00Z'), ahead: 0 })).made).toEqual(['audit_events_2040_03']);
    expect(await partitionOf(id)).toEqual(['audit_events_2040_03']);
    // the same rows, not counted twice
    expect(await db.session.findUniqueOrThrow({ where: { id } })).toMatchObject({ eventCount: 3, lastSeq: 2, lastHash: before.lastHash });
    expect(await partitionOf(far)).toEqual(['audit_events_default']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE, on the table and on a partition', async () => {
    const o = await org('locked');
    const id = await session(o, new Date('2040-03-05T00:00:00Z'), new Date('2040-03-05T01:00:00Z'), 2);
    await expect(db.$executeRawUnsafe(`UPDATE audit_events SET type = 'x' WHERE session_id = $1::uuid`, id)).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.$executeRawUnsafe('DELETE FROM audit_events WHERE session_id = $1::uuid', id)).rejects.toThrow(/append-only: DELETE/);
    await expect(db.$executeRawUnsafe('DELETE FROM audit_events_2040_03')).rejects.toThrow(/append-only: DELETE/);
    await expect(db.$executeRawUnsafe('TRUNCATE audit_events_2040_03')).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(db.$executeRawUnsafe('TRUNCATE audit_events_default')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await db.auditEvent.count({ where: { sessionId: id } })).toBe(2);
  });
});

describe('audit retention', () => {
  it('takes 7 days to 100 years, or for ever, and records each change in the admin trail', async () => {
    const o = await org('settings');
    await expect(setAuditRetention(db, o.id, 6, null, 'test')).rejects.toThrow(RetentionError);
    await expect(setAuditRetention(db, o.id, 6, null, 'test')).rejects.toThrow('retention is at least 7 days (asked for 6)');
    await expect(setAuditRetention(db, o.id, 7.5, null, 'test')).rejects.toThrow(/whole number of days/);
    await expect(setAuditRetention(db, o.id, 40_000, null, 'test')).rejects.toThrow(/at most 36500 days/);
    await session(o, new Date(Date.now() - 40 * DAY), new Date(Date.now() - 39 * DAY), 5);
    const set = await setAuditRetention(db, o.id, 30, { id: o.userId, email: 'dev@settings.test' }, 'test');
    expect(set).toMatchObject({ days: 30, previous: null, pending: { sessions: 1, events: 5 } });
    expect((await setAuditRetention(db, o.id, null, null, 'test')).previous).toBe(30);
    const trail = await db.adminEvent.findMany({ where: { orgId: o.id }, orderBy: { seq: 'asc' } });
    expect(trail.map((e) => [e.action, e.actor, (e.data as { from: unknown }).from, (e.data as { to: unknown }).to])).toEqual([
      ['audit.retention', 'dev@settings.test', null, 30],
      ['audit.retention', 'system', 30, null],
    ]);
    expect((await getAuditRetention(db, o.id)).pending).toBeNull();
  });

  it('purges an expired org’s old sessions only, on record, dropping a month only its rows filled', async () => {
    const acme = await org('acme');
    const beta = await org('beta');
    for (const m of ['2025-01-01', '2025-02-01']) await db.$executeRawUnsafe('SELECT hoop_audit_ensure_partition($1::date)', m);
    const now = new Date();
    const acmeJan = await session(acme, new Date('2025-01-10T08:00:00Z'), new Date('2025-01-10T09:00:00Z'), 6);
    const acmeFebSpan = await session(acme, new Date('2025-01-31T23:00:00Z'), new Date('2025-02-01T01:00:00Z'), 4);
    const betaFeb = await session(beta, new Date('2025-02-03T10:00:00Z'), new Date('2025-02-03T11:00:00Z'), 3);
    const acmeRecent = await session(acme, new Date(now.getTime() - 3 * DAY), new Date(now.getTime() - 3 * DAY + 60_000), 3);
    const acmeOpen = (
      await db.session.create({
        data: {
          orgId: acme.id,
          userId: acme.userId,
          connectionId: acme.connectionId,
          mode: 'connect',
          status: 'open',
          startedAt: new Date(now.getTime() - 20 * DAY),
        },
      })
    ).id;
    expect(await partitionOf(acmeFebSpan)).toEqual(['audit_events_2025_01', 'audit_events_2025_02']);

    await setAuditRetention(db, acme.id, 14, null, 'test');
    expect(await previewRetention(db, acme.id, 14, now)).toMatchObject({ sessions: 3, events: 10, oldest: '2025-01-10T08:00:00.000Z' });
    const run = await purgeExpiredAudit(db, { now });
    const mine = run.recorded.filter((r) => r.orgId === acme.id);
    expect(mine).toEqual([
      {
        orgId: acme.id,
        purgeId: expect.any(Number),
        retentionDays: 14,
        cutoff: new Date(now.getTime() - 14 * DAY).toISOString(),
        sessions: 3,
        events: 10,
        from: '2025-01-10T08:00:00.000Z',
        to: '2025-02-01T01:00:00.000Z',
      },
    ]);
    // January held only Acme's purged rows: dropped whole; February keeps Beta's
    expect(run.partitionsDropped).toContainEqual({ name: 'audit_events_2025_01', rows: 8 });
    expect((await listAuditPartitions(db)).map((p) => p.name)).toContain('audit_events_2025_02');
    expect(run.deferred).toEqual([]);

    const left = await db.session.findMany({ where: { id: { in: [acmeJan, acmeFebSpan, betaFeb, acmeRecent, acmeOpen] } }, select: { id: true } });
    expect(left.map((s) => s.id).sort()).toEqual([betaFeb, acmeRecent].sort());
    expect(await db.auditEvent.count({ where: { sessionId: { in: [acmeJan, acmeFebSpan] } } })).toBe(0);
    expect(await db.auditEvent.count({ where: { sessionId: betaFeb } })).toBe(3);

    // the account: per session where its chain ended, the purge's sums, and the admin event with the same checkpoint
    const purged = await db.auditPurgedSession.findMany({ where: { orgId: acme.id }, orderBy: { startedAt: 'asc' } });
    expect(purged.map((p) => [p.sessionId, p.events, p.throughSeq, p.userEmail, p.connectionName])).toEqual([
      [acmeJan, 6, 5, 'dev@acme.test', 'acme-db'],
      [acmeFebSpan, 4, 3, 'dev@acme.test', 'acme-db'],
      [acmeOpen, 0, -1, 'dev@acme.test', 'acme-db'],
    ]);
    const admin = await db.adminEvent.findFirstOrThrow({ where: { orgId: acme.id, action: 'audit.purge' } });
    expect(admin.data).toMatchObject({ sessions: 3, events: 10, retentionDays: 14, checkpoint: purgeCheckpoint(purged) });
    const query = <T>(sql: string, params: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...params);
    const records = await loadPurgeRecords(query, acme.id);
    expect(records.problem).toBeUndefined();
    expect(records.totals).toMatchObject({ sessions: 3, events: 10 });
    expect((await verifyAdminEvents(db, acme.id)).ok).toBe(true);

    // a second run finds nothing more to do
    const again = await purgeExpiredAudit(db, { now });
    expect(again.recorded.filter((r) => r.orgId === acme.id)).toEqual([]);
    expect(again.eventsDeleted).toBe(0);

    // the account is append-only, and an entry changed behind its back no longer matches its checkpoint
    await expect(db.$executeRawUnsafe('DELETE FROM audit_purged_sessions WHERE session_id = $1::uuid', acmeJan)).rejects.toThrow(/append-only/);
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('UPDATE audit_purged_sessions SET events = 5 WHERE session_id = $1::uuid', acmeJan),
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect((await loadPurgeRecords(query, acme.id)).problem).toMatch(/does not match its checkpoint/);
  });

  it('keeps events that arrive between the record and the removal, after what was removed', async () => {
    const o = await org('late');
    const now = new Date();
    const id = await session(o, new Date(now.getTime() - 30 * DAY), new Date(now.getTime() - 29 * DAY), 3);
    await setAuditRetention(db, o.id, 7, null, 'test');
    expect((await recordExpiredAudit(db, { now, orgId: o.id })).recorded).toMatchObject([{ sessions: 1, events: 3 }]);
    const head = await db.session.findUniqueOrThrow({ where: { id } });
    await db.$executeRawUnsafe(
      `INSERT INTO audit_events (session_id, seq, type, at, data, prev_hash, hash) VALUES ($1::uuid, 3, 'session.close', $2::timestamp, '{}', $3, $4)`,
      id,
      now.toISOString().replace('Z', ''),
      head.lastHash,
      sha(`${head.lastHash}late`),
    );
    const removed = await removePurgedAudit(db, { now });
    expect(removed.deferred).toEqual([]);
    // the three recorded events left; the late one stays, and so does its session
    expect((await db.auditEvent.findMany({ where: { sessionId: id } })).map((e) => [e.seq, e.prevHash])).toEqual([[3, head.lastHash]]);
    expect(await db.session.findUnique({ where: { id } })).toMatchObject({ lastSeq: 3, eventCount: 4 });
    expect(await db.auditPurgedSession.findUniqueOrThrow({ where: { sessionId: id } })).toMatchObject({ throughSeq: 2, throughHash: head.lastHash, events: 3 });
    // and it is not recorded a second time
    expect((await recordExpiredAudit(db, { now, orgId: o.id })).recorded).toEqual([]);
  });
});
