import { createDb, type Db, purgeExpiredAudit, seedConnection, seedOrg, seedUser, setAuditRetention } from '@hoop/db';
import { createTestDatabase, type TestDatabase, testServerUrl } from '@hoop/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import type { SessionUser } from '../auth/load-session-user';
import { recordSession, sqlSessionEvents, terminalSessionEvents } from '../session/session-fixtures';
import { auditOverview } from './audit-overview';
import { verifyAudit, verifyOrgTrail, verifySessionTrail } from './verify-audit';

/**
 * The web app re-implements the gateway's verification (apps/gateway/src/audit-chain.ts): both must agree. The
 * gateway's module is loaded from its source and run over the same database, through a pool-shaped wrapper.
 */
interface GatewayVerify {
  verifyAudit(pool: unknown, opts: { orgId: string; sessionId?: string }): Promise<{ ok: boolean; sessions: number; events: number; problem?: { sessionId?: string; seq?: number; message: string } }>;
}
const GATEWAY_AUDIT_CHAIN = new URL('../../../../../gateway/src/audit-chain.ts', import.meta.url).href;

const opened: { database: TestDatabase; db: Db }[] = [];
let db: Db;

afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.db.$disconnect();
    await o.database.drop();
  }
});

/** A fresh database with two orgs' sessions recorded and sealed: each test tampers with its own. */
async function trail() {
  const server = testServerUrl();
  const database = await createTestDatabase(server, 'web_audit');
  db = createDb(database.url, { max: 2 });
  opened.push({ database, db });
  const orgId = (await seedOrg(db, { name: 'Acme' })).id;
  const otherOrg = (await seedOrg(db, { name: 'Other' })).id;
  const dev = await seedUser(db, orgId, { email: 'dev@acme.test', role: 'developer' });
  const audrey = await seedUser(db, orgId, { email: 'audrey@acme.test', role: 'auditor' });
  const outsider = await seedUser(db, otherOrg, { role: 'admin' });
  const pg = (await seedConnection(db, orgId, { name: 'pg-prod' })).id;
  const box = (await seedConnection(db, orgId, { name: 'box', type: 'command' })).id;
  const theirs = (await seedConnection(db, otherOrg, { name: 'pg-prod' })).id;
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const sessions = {
    sql: await recordSession(db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(t0), events: sqlSessionEvents() }),
    theirs: await recordSession(db, { orgId: otherOrg, userId: outsider.id, connectionId: theirs, startedAt: new Date(t0 + 1000), events: sqlSessionEvents() }),
    term: await recordSession(db, { orgId, userId: dev.id, connectionId: box, mode: 'connect', startedAt: new Date(t0 + 2000), events: terminalSessionEvents() }),
    open: await recordSession(db, { orgId, userId: dev.id, connectionId: pg, status: 'open', startedAt: new Date(t0 + 3000), events: sqlSessionEvents().slice(0, 3) }),
  };
  const recent = () => recordSession(db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(Date.now() - 60_000), events: sqlSessionEvents() });
  const viewer = (u: { id: string; email: string; name: string }, role: SessionUser['role']): SessionUser => ({ id: u.id, orgId, email: u.email, name: u.name, role, orgName: 'Acme' });
  return { orgId, otherOrg, sessions, recent, dev: viewer(dev, 'developer'), audrey: viewer(audrey, 'auditor') };
}

/** The gateway's own `verifyAudit`, run over the same database. */
async function gatewayVerify(opts: { orgId: string; sessionId?: string }) {
  const gateway = (await import(/* @vite-ignore */ GATEWAY_AUDIT_CHAIN)) as GatewayVerify;
  const pool = { query: async (sql: string, params: unknown[] = []) => ({ rows: await db.$queryRawUnsafe<unknown[]>(sql, ...params) }) };
  return gateway.verifyAudit(pool, opts);
}

/** Both verifications, reduced to what they must agree on. */
async function bothVerify(opts: { orgId: string; sessionId?: string }) {
  const [web, gateway] = await Promise.all([verifyAudit(db, opts), gatewayVerify(opts)]);
  const said = (r: { ok: boolean; sessions: number; problem?: { sessionId?: string | null; seq?: number | null; message: string } | null }) => ({
    ok: r.ok,
    sessions: r.sessions,
    problem: r.problem ? { sessionId: r.problem.sessionId ?? null, seq: r.problem.seq ?? null, message: r.problem.message } : null,
  });
  expect(said(web)).toEqual(said(gateway));
  return web;
}

/** Changes the append-only trail as a superuser would, inside one transaction that turns the triggers back on. */
async function tamper(sql: string, ...params: unknown[]): Promise<void> {
  await db.$transaction([
    db.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER USER'),
    db.$executeRawUnsafe(sql, ...params),
    db.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER USER'),
  ]);
}

describe('verifying the audit trail', () => {
  it('finds an intact trail intact, as the gateway does, and says what it checked', async () => {
    const { orgId, audrey } = await trail();
    const r = await bothVerify({ orgId });
    const events = sqlSessionEvents().length + terminalSessionEvents().length + 3;
    expect(r).toMatchObject({ ok: true, sessions: 3, events, chainLinks: 3, problem: null });
    expect(await verifyOrgTrail(db, audrey)).toMatchObject({ ok: true, sessions: 3, events });
    expect(await auditOverview(db, orgId)).toMatchObject({ sessions: 3, openSessions: 1, sealedSessions: 2, events, firstSessionAt: new Date('2026-03-01T10:00:00Z') });
  });

  it('detects an event altered by a superuser, at the same place as the gateway', async () => {
    const { orgId, sessions, audrey } = await trail();
    await tamper(`UPDATE audit_events SET data = jsonb_set(data, '{sql}', '"select 1"') WHERE session_id = $1::uuid AND seq = 3`, sessions.sql);
    // the trigger is back: the trail stays append-only
    await expect(db.$executeRawUnsafe('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    const r = await bothVerify({ orgId });
    expect(r).toMatchObject({ ok: false, problem: { sessionId: sessions.sql, seq: 3, message: 'event 3 was altered (its content does not match its hash)' } });
    expect(await verifySessionTrail(db, audrey, sessions.sql)).toMatchObject({ ok: false, problem: { seq: 3 } });
    expect(await bothVerify({ orgId, sessionId: sessions.term })).toMatchObject({ ok: true, sessions: 1 });
  });

  it('detects a timestamp moved and an event removed from the middle', async () => {
    const { orgId, sessions } = await trail();
    await tamper(`UPDATE audit_events SET at = at + interval '1 second' WHERE session_id = $1::uuid AND seq = 5`, sessions.term);
    expect(await bothVerify({ orgId, sessionId: sessions.term })).toMatchObject({ ok: false, problem: { seq: 5, message: 'event 5 was altered (its content does not match its hash)' } });
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid AND seq = 2', sessions.sql);
    expect(await bothVerify({ orgId, sessionId: sessions.sql })).toMatchObject({ ok: false, problem: { seq: 2, message: 'event 2 is missing (next stored is 3)' } });
  });

  it('detects events removed from the end of a sealed session, and a broken global chain', async () => {
    const { orgId, sessions } = await trail();
    const last = sqlSessionEvents().length - 1;
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid AND seq = $2', sessions.sql, last);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: false, problem: { sessionId: sessions.sql, seq: last, message: 'events were removed from the end of this session after it was sealed' } });

    const fresh = await trail();
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_chain DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('DELETE FROM audit_chain WHERE session_id = $1::uuid', fresh.sessions.theirs),
      db.$executeRawUnsafe('ALTER TABLE audit_chain ENABLE TRIGGER USER'),
    ]);
    // another org's entry is gone: this org's chain no longer links either
    expect(await bothVerify({ orgId: fresh.orgId })).toMatchObject({ ok: false, problem: { sessionId: fresh.sessions.term, message: 'the global chain is broken at this session (an entry was altered or removed)' } });
  });

  it('verifies only sessions the viewer may see', async () => {
    const { sessions, dev } = await trail();
    const theirs = await verifySessionTrail(db, dev, sessions.theirs).then(() => 'ok', (err: unknown) => (err instanceof AppError ? err.code : String(err)));
    expect(theirs).toBe('not_found');
  });

  it('reports sessions removed by retention as purged, as the gateway does, and still finds tampering around them', async () => {
    const { orgId, otherOrg, sessions, recent } = await trail();
    const kept = await recent();
    // Acme keeps 30 days: its three sessions of March go, the one of a minute ago stays; the other org keeps all
    await setAuditRetention(db, orgId, 30, null, 'test');
    const run = await purgeExpiredAudit(db);
    expect(run.recorded).toMatchObject([{ orgId, sessions: 3 }]);
    expect(await db.session.count({ where: { id: { in: [sessions.sql, sessions.term, sessions.open] } } })).toBe(0);
    const r = await bothVerify({ orgId });
    const events = sqlSessionEvents().length + terminalSessionEvents().length + 3;
    expect(r).toMatchObject({ ok: true, sessions: 1, chainLinks: 4, purged: { sessions: 3, events, purges: [{ sessions: 3, events, retentionDays: 30 }] } });
    expect(await bothVerify({ orgId: otherOrg })).toMatchObject({ ok: true, sessions: 1 });
    expect(await auditOverview(db, orgId)).toMatchObject({ sessions: 1, events: sqlSessionEvents().length });
    expect(await bothVerify({ orgId, sessionId: kept })).toMatchObject({ ok: true, sessions: 1 });

    // a purged session's recorded end no longer the one sealed: its record changed, so the checkpoint says so first
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('UPDATE audit_purged_sessions SET through_seq = through_seq - 1 WHERE session_id = $1::uuid', sessions.sql),
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: false, problem: { sessionId: null, message: expect.stringMatching(/^the record of purge \d+ \(\d{4}-\d\d-\d\d\) does not match its checkpoint/) } });
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('UPDATE audit_purged_sessions SET through_seq = through_seq + 1 WHERE session_id = $1::uuid', sessions.sql),
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: true });

    // the other org's session removed whole without a purge: gone from the global chain's point of view, for everyone
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid', sessions.theirs);
    await db.$executeRawUnsafe('DELETE FROM sessions WHERE id = $1::uuid', sessions.theirs);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: false, problem: { sessionId: sessions.theirs, message: 'this session is sealed in the global chain but is gone: it was neither kept nor purged on record' } });
  });
});
