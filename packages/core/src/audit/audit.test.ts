import { purgeExpiredAudit, setAuditRetention } from '@hoop/db';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { sqlSessionEvents, terminalSessionEvents } from '../session/session-fixtures';
import { auditOverview } from './audit-overview';
import { auditTrails } from './audit-trail-fixtures';
import { verifyOrgTrail, verifySessionTrail } from './verify-audit';

const trails = auditTrails();
const { trail, bothVerify, tamper } = trails;

describe('verifying the audit trail', () => {
  it('finds an intact trail intact, as the gateway does, and says what it checked', async () => {
    const { orgId, audrey } = await trail();
    const r = await bothVerify({ orgId });
    const events = sqlSessionEvents().length + terminalSessionEvents().length + 3;
    expect(r).toMatchObject({ ok: true, sessions: 3, events, chainLinks: 3, problem: null });
    expect(await verifyOrgTrail(trails.db, audrey)).toMatchObject({ ok: true, sessions: 3, events });
    expect(await auditOverview(trails.db, orgId)).toMatchObject({
      sessions: 3,
      openSessions: 1,
      sealedSessions: 2,
      events,
      firstSessionAt: new Date('2026-03-01T10:00:00Z'),
    });
  });

  it('detects an event altered by a superuser, at the same place as the gateway', async () => {
    const { orgId, sessions, audrey } = await trail();
    await tamper(`UPDATE audit_events SET data = jsonb_set(data, '{sql}', '"select 1"') WHERE session_id = $1::uuid AND seq = 3`, sessions.sql);
    // the trigger is back: the trail stays append-only
    await expect(trails.db.$executeRawUnsafe('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    const r = await bothVerify({ orgId });
    expect(r).toMatchObject({ ok: false, problem: { sessionId: sessions.sql, seq: 3, message: 'event 3 was altered (its content does not match its hash)' } });
    expect(await verifySessionTrail(trails.db, audrey, sessions.sql)).toMatchObject({ ok: false, problem: { seq: 3 } });
    expect(await bothVerify({ orgId, sessionId: sessions.term })).toMatchObject({ ok: true, sessions: 1 });
  });

  it('detects a timestamp moved and an event removed from the middle', async () => {
    const { orgId, sessions } = await trail();
    await tamper(`UPDATE audit_events SET at = at + interval '1 second' WHERE session_id = $1::uuid AND seq = 5`, sessions.term);
    expect(await bothVerify({ orgId, sessionId: sessions.term })).toMatchObject({
      ok: false,
      problem: { seq: 5, message: 'event 5 was altered (its content does not match its hash)' },
    });
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid AND seq = 2', sessions.sql);
    expect(await bothVerify({ orgId, sessionId: sessions.sql })).toMatchObject({
      ok: false,
      problem: { seq: 2, message: 'event 2 is missing (next stored is 3)' },
    });
  });

  it('detects events removed from the end of a sealed session, and a broken global chain', async () => {
    const { orgId, sessions } = await trail();
    const last = sqlSessionEvents().length - 1;
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid AND seq = $2', sessions.sql, last);
    expect(await bothVerify({ orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: sessions.sql, seq: last, message: 'events were removed from the end of this session after it was sealed' },
    });

    const fresh = await trail();
    await trails.db.$transaction([
      trails.db.$executeRawUnsafe('ALTER TABLE audit_chain DISABLE TRIGGER USER'),
      trails.db.$executeRawUnsafe('DELETE FROM audit_chain WHERE session_id = $1::uuid', fresh.sessions.theirs),
      trails.db.$executeRawUnsafe('ALTER TABLE audit_chain ENABLE TRIGGER USER'),
    ]);
    // another org's entry is gone: this org's chain no longer links either
    expect(await bothVerify({ orgId: fresh.orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: fresh.sessions.term, message: 'the global chain is broken at this session (an entry was altered or removed)' },
    });
  });

  it('verifies only sessions the viewer may see', async () => {
    const { sessions, dev } = await trail();
    const theirs = await verifySessionTrail(trails.db, dev, sessions.theirs).then(
      () => 'ok',
      (err: unknown) => (err instanceof AppError ? err.code : String(err)),
    );
    expect(theirs).toBe('not_found');
  });

  it('reports sessions removed by retention as purged, as the gateway does, and still finds tampering around them', async () => {
    const { orgId, otherOrg, sessions, recent } = await trail();
    const kept = await recent();
    // Acme keeps 30 days: its three sessions of March go, the one of a minute ago stays; the other org keeps all
    await setAuditRetention(trails.db, orgId, 30, null, 'test');
    const run = await purgeExpiredAudit(trails.db);
    expect(run.recorded).toMatchObject([{ orgId, sessions: 3 }]);
    expect(await trails.db.session.count({ where: { id: { in: [sessions.sql, sessions.term, sessions.open] } } })).toBe(0);
    const r = await bothVerify({ orgId });
    const events = sqlSessionEvents().length + terminalSessionEvents().length + 3;
    expect(r).toMatchObject({ ok: true, sessions: 1, chainLinks: 4, purged: { sessions: 3, events, purges: [{ sessions: 3, events, retentionDays: 30 }] } });
    expect(await bothVerify({ orgId: otherOrg })).toMatchObject({ ok: true, sessions: 1 });
    expect(await auditOverview(trails.db, orgId)).toMatchObject({ sessions: 1, events: sqlSessionEvents().length });
    expect(await bothVerify({ orgId, sessionId: kept })).toMatchObject({ ok: true, sessions: 1 });

    // a purged session's recorded end no longer the one sealed: its record changed, so the checkpoint says so first
    await trails.db.$transaction([
      trails.db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      trails.db.$executeRawUnsafe('UPDATE audit_purged_sessions SET through_seq = through_seq - 1 WHERE session_id = $1::uuid', sessions.sql),
      trails.db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect(await bothVerify({ orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: null, message: expect.stringMatching(/^the record of purge \d+ \(\d{4}-\d\d-\d\d\) does not match its checkpoint/) },
    });
    await trails.db.$transaction([
      trails.db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      trails.db.$executeRawUnsafe('UPDATE audit_purged_sessions SET through_seq = through_seq + 1 WHERE session_id = $1::uuid', sessions.sql),
      trails.db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: true });

    // the other org's session removed whole without a purge: gone from the global chain's point of view, for everyone
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid', sessions.theirs);
    await trails.db.$executeRawUnsafe('DELETE FROM sessions WHERE id = $1::uuid', sessions.theirs);
    expect(await bothVerify({ orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: sessions.theirs, message: 'this session is sealed in the global chain but is gone: it was neither kept nor purged on record' },
    });
  });
});
