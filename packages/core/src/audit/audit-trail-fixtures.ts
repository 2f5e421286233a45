import { type AuditSigner, createDb, type Db, type TrustedAuditKeys } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterEach, expect } from 'vitest';
import type { SessionUser } from '../auth/load-session-user';
import { recordSession, sqlSessionEvents, terminalSessionEvents } from '../session/session-fixtures';
import { NO_KEY, verifyAudit } from './verify-audit';

/**
 * Audit trails to verify and tamper with, for a test file (call it at the top: each test's databases are dropped as
 * it ends). `trail()` makes a fresh database, `db` is the last one made. One verification serves the web app (reading
 * through Prisma) and `hoop audit verify` (the gateway reads through a node-postgres pool): `bothVerify` runs both,
 * which must give the same answer.
 */
export function auditTrails() {
  const opened: { database: TestDatabase; db: Db }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.db.$disconnect();
      await o.database.drop();
    }
  });
  const t = { db: undefined as unknown as Db, trail, bothVerify, tamper };

  /** A fresh database with two orgs' sessions recorded and sealed (signed with `signer`): each test tampers with its own. */
  async function trail(signer?: AuditSigner) {
    const server = testServerUrl();
    const database = await createTestDatabase(server, 'web_audit');
    t.db = createDb(database.url, { max: 2 });
    opened.push({ database, db: t.db });
    const orgId = (await seedOrg(t.db, { name: 'Acme' })).id;
    const otherOrg = (await seedOrg(t.db, { name: 'Other' })).id;
    const dev = await seedUser(t.db, orgId, { email: 'dev@acme.test', role: 'developer' });
    const audrey = await seedUser(t.db, orgId, { email: 'audrey@acme.test', role: 'auditor' });
    const outsider = await seedUser(t.db, otherOrg, { role: 'admin' });
    const pg = (await seedConnection(t.db, orgId, { name: 'pg-prod' })).id;
    const box = (await seedConnection(t.db, orgId, { name: 'box', type: 'command' })).id;
    const theirs = (await seedConnection(t.db, otherOrg, { name: 'pg-prod' })).id;
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    const sessions = {
      sql: await recordSession(t.db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(t0), events: sqlSessionEvents(), signer }),
      theirs: await recordSession(t.db, {
        orgId: otherOrg,
        userId: outsider.id,
        connectionId: theirs,
        startedAt: new Date(t0 + 1000),
        events: sqlSessionEvents(),
        signer,
      }),
      term: await recordSession(t.db, {
        orgId,
        userId: dev.id,
        connectionId: box,
        mode: 'connect',
        startedAt: new Date(t0 + 2000),
        events: terminalSessionEvents(),
        signer,
      }),
      open: await recordSession(t.db, {
        orgId,
        userId: dev.id,
        connectionId: pg,
        status: 'open',
        startedAt: new Date(t0 + 3000),
        events: sqlSessionEvents().slice(0, 3),
        signer,
      }),
    };
    const recent = () =>
      recordSession(t.db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(Date.now() - 60_000), events: sqlSessionEvents(), signer });
    const viewer = (u: { id: string; email: string; name: string }, role: SessionUser['role']): SessionUser => ({
      id: u.id,
      orgId,
      email: u.email,
      name: u.name,
      role,
      orgName: 'Acme',
    });
    return { orgId, otherOrg, sessions, recent, dev: viewer(dev, 'developer'), audrey: viewer(audrey, 'auditor') };
  }

  /** The verification as the gateway runs it: rows through a node-postgres-shaped pool, its own words for missing keys. */
  async function gatewayVerify(opts: { orgId: string; sessionId?: string; keys?: TrustedAuditKeys | null }) {
    const pool = { query: async (sql: string, params: unknown[] = []) => ({ rows: await t.db.$queryRawUnsafe<unknown[]>(sql, ...params) }) };
    return verifyAudit(pool, { ...opts, noKey: NO_KEY.gateway });
  }

  /** Both verifications, reduced to what they must agree on. */
  async function bothVerify(opts: { orgId: string; sessionId?: string; keys?: TrustedAuditKeys | null }) {
    const [web, gateway] = await Promise.all([verifyAudit(t.db, opts), gatewayVerify(opts)]);
    const { note: _webNote, ...webSignatures } = web.signatures;
    const { note: _gatewayNote, ...gatewaySignatures } = gateway.signatures;
    expect(webSignatures).toEqual(gatewaySignatures);
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
    await t.db.$transaction([
      t.db.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER USER'),
      t.db.$executeRawUnsafe(sql, ...params),
      t.db.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER USER'),
    ]);
  }

  return t;
}
