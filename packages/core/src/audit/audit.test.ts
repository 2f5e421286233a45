import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AuditSigner,
  BAD_SIGNATURE_MESSAGE,
  createDb,
  type Db,
  generateAuditKeyPair,
  parseAuditSigningKey,
  purgeExpiredAudit,
  setAuditRetention,
  type TrustedAuditKeys,
  UNSIGNED_LINK_MESSAGE,
  untrustedKeyMessage,
} from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import type { SessionUser } from '../auth/load-session-user';
import { recordSession, sqlSessionEvents, terminalSessionEvents } from '../session/session-fixtures';
import { auditOverview } from './audit-overview';
import { chainHash, eventHash, GENESIS_HASH } from './audit-hash';
import { NO_KEY, verifyAudit, verifyOrgTrail, verifySessionTrail } from './verify-audit';

/**
 * One verification serves the web app (reading through Prisma) and `hoop audit verify` (the gateway reads through a
 * node-postgres pool): both ways of reading the same database must give the same answer.
 */
const opened: { database: TestDatabase; db: Db }[] = [];
let db: Db;

afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.db.$disconnect();
    await o.database.drop();
  }
});

/** A fresh database with two orgs' sessions recorded and sealed (signed with `signer`): each test tampers with its own. */
async function trail(signer?: AuditSigner) {
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
    sql: await recordSession(db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(t0), events: sqlSessionEvents(), signer }),
    theirs: await recordSession(db, {
      orgId: otherOrg,
      userId: outsider.id,
      connectionId: theirs,
      startedAt: new Date(t0 + 1000),
      events: sqlSessionEvents(),
      signer,
    }),
    term: await recordSession(db, {
      orgId,
      userId: dev.id,
      connectionId: box,
      mode: 'connect',
      startedAt: new Date(t0 + 2000),
      events: terminalSessionEvents(),
      signer,
    }),
    open: await recordSession(db, {
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
    recordSession(db, { orgId, userId: dev.id, connectionId: pg, startedAt: new Date(Date.now() - 60_000), events: sqlSessionEvents(), signer });
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
  const pool = { query: async (sql: string, params: unknown[] = []) => ({ rows: await db.$queryRawUnsafe<unknown[]>(sql, ...params) }) };
  return verifyAudit(pool, { ...opts, noKey: NO_KEY.gateway });
}

/** Both verifications, reduced to what they must agree on. */
async function bothVerify(opts: { orgId: string; sessionId?: string; keys?: TrustedAuditKeys | null }) {
  const [web, gateway] = await Promise.all([verifyAudit(db, opts), gatewayVerify(opts)]);
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
    expect(await auditOverview(db, orgId)).toMatchObject({
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
    await expect(db.$executeRawUnsafe('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    const r = await bothVerify({ orgId });
    expect(r).toMatchObject({ ok: false, problem: { sessionId: sessions.sql, seq: 3, message: 'event 3 was altered (its content does not match its hash)' } });
    expect(await verifySessionTrail(db, audrey, sessions.sql)).toMatchObject({ ok: false, problem: { seq: 3 } });
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
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_chain DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('DELETE FROM audit_chain WHERE session_id = $1::uuid', fresh.sessions.theirs),
      db.$executeRawUnsafe('ALTER TABLE audit_chain ENABLE TRIGGER USER'),
    ]);
    // another org's entry is gone: this org's chain no longer links either
    expect(await bothVerify({ orgId: fresh.orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: fresh.sessions.term, message: 'the global chain is broken at this session (an entry was altered or removed)' },
    });
  });

  it('verifies only sessions the viewer may see', async () => {
    const { sessions, dev } = await trail();
    const theirs = await verifySessionTrail(db, dev, sessions.theirs).then(
      () => 'ok',
      (err: unknown) => (err instanceof AppError ? err.code : String(err)),
    );
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
    expect(await bothVerify({ orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: null, message: expect.stringMatching(/^the record of purge \d+ \(\d{4}-\d\d-\d\d\) does not match its checkpoint/) },
    });
    await db.$transaction([
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER'),
      db.$executeRawUnsafe('UPDATE audit_purged_sessions SET through_seq = through_seq + 1 WHERE session_id = $1::uuid', sessions.sql),
      db.$executeRawUnsafe('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER'),
    ]);
    expect(await bothVerify({ orgId })).toMatchObject({ ok: true });

    // the other org's session removed whole without a purge: gone from the global chain's point of view, for everyone
    await tamper('DELETE FROM audit_events WHERE session_id = $1::uuid', sessions.theirs);
    await db.$executeRawUnsafe('DELETE FROM sessions WHERE id = $1::uuid', sessions.theirs);
    expect(await bothVerify({ orgId })).toMatchObject({
      ok: false,
      problem: { sessionId: sessions.theirs, message: 'this session is sealed in the global chain but is gone: it was neither kept nor purged on record' },
    });
  });
});

const keyPair = () => parseAuditSigningKey(generateAuditKeyPair().privateKeyPem);
const trusting = (...signers: AuditSigner[]): TrustedAuditKeys => new Map(signers.map((k) => [k.keyId, k.publicKey]));

/**
 * What the database's owner can do without the signing key: rewrite an event, then recompute every hash after it
 * with the same functions (its session's events and head, and the global chain from its link on), the append-only
 * triggers off. From that link on, signatures are kept as they were, removed, or made with another key.
 */
async function rewriteAndRehash(sessionId: string, seq: number, sql: string, signatures: 'keep' | 'strip' | AuditSigner = 'keep'): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    await tx.$executeRawUnsafe(
      `UPDATE audit_events SET data = jsonb_set(data, '{sql}', to_jsonb($3::text)) WHERE session_id = $1::uuid AND seq = $2`,
      sessionId,
      seq,
      sql,
    );
    let prev = GENESIS_HASH;
    for (const e of await tx.auditEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } })) {
      const hash = eventHash(prev, sessionId, e.seq, { type: e.type, at: e.at.toISOString(), data: e.data });
      await tx.$executeRawUnsafe('UPDATE audit_events SET prev_hash = $3, hash = $4 WHERE session_id = $1::uuid AND seq = $2', sessionId, e.seq, prev, hash);
      prev = hash;
    }
    await tx.$executeRawUnsafe('UPDATE sessions SET last_hash = $2 WHERE id = $1::uuid', sessionId, prev);
    let before = GENESIS_HASH;
    let from = false;
    for (const link of await tx.auditChain.findMany({ orderBy: { id: 'asc' } })) {
      from ||= link.sessionId === sessionId;
      if (!from) {
        before = link.hash;
        continue;
      }
      const finalHash = link.sessionId === sessionId ? prev : link.finalHash;
      const hash = chainHash(before, link.sessionId, link.finalSeq, finalHash);
      const signed = signatures === 'keep' ? [link.signature, link.keyId] : signatures === 'strip' ? [null, null] : [signatures.sign(hash), signatures.keyId];
      await tx.$executeRawUnsafe(
        'UPDATE audit_chain SET final_hash = $2, prev_hash = $3, hash = $4, signature = $5, key_id = $6 WHERE id = $1',
        link.id,
        finalHash,
        before,
        hash,
        ...signed,
      );
      before = hash;
    }
  });
}

describe('signatures on the global chain', () => {
  it('checks every link with the gateway’s public key, and says so when it has none', async () => {
    const gatewayKey = keyPair();
    const { orgId } = await trail(gatewayKey);
    const signed = await bothVerify({ orgId, keys: trusting(gatewayKey) });
    expect(signed).toMatchObject({ ok: true, chainLinks: 3, signatures: { checked: true, signed: 3, keyIds: [gatewayKey.keyId], unsigned: 0 } });
    expect(signed.signatures.note).toBe(`3 links of the global chain signed and checked (key ${gatewayKey.keyId})`);
    const unchecked = await bothVerify({ orgId });
    expect(unchecked).toMatchObject({ ok: true, signatures: { checked: false, signed: 0 } });
    expect(unchecked.signatures.note).toBe(
      'signatures were not checked: the web app has no audit public key (HOOP_AUDIT_PUBLIC_KEY, the gateway’s public key)',
    );
  });

  it('finds an event rewritten with every hash recomputed, which the hashes alone no longer can', async () => {
    const gatewayKey = keyPair();
    const { orgId, sessions } = await trail(gatewayKey);
    await rewriteAndRehash(sessions.sql, 3, 'select 1');
    expect((await db.auditEvent.findFirstOrThrow({ where: { sessionId: sessions.sql, seq: 3 } })).data).toMatchObject({ sql: 'select 1' });
    // before signatures: every hash matches, the rewrite passes
    expect(await bothVerify({ orgId })).toMatchObject({ ok: true, problem: null });
    // with the key: the rewritten session's link no longer carries a signature over its hash
    expect(await bothVerify({ orgId, keys: trusting(gatewayKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: sessions.sql, seq: null, message: BAD_SIGNATURE_MESSAGE },
    });
    expect(await bothVerify({ orgId, sessionId: sessions.term, keys: trusting(gatewayKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: sessions.sql, message: BAD_SIGNATURE_MESSAGE },
    });
  });

  it('finds a signature removed, and a link signed with a key it does not trust', async () => {
    const gatewayKey = keyPair();
    const first = await trail(gatewayKey);
    // the middle link (the other org's session) rewritten, its signature and the ones after it removed
    await rewriteAndRehash(first.sessions.theirs, 2, 'select 2', 'strip');
    expect(await bothVerify({ orgId: first.orgId })).toMatchObject({ ok: true });
    expect(await bothVerify({ orgId: first.orgId, keys: trusting(gatewayKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: first.sessions.theirs, message: UNSIGNED_LINK_MESSAGE },
    });

    const second = await trail(gatewayKey);
    const theirKey = keyPair();
    await rewriteAndRehash(second.sessions.term, 3, 'select 3', theirKey);
    expect(await bothVerify({ orgId: second.orgId, keys: trusting(gatewayKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: second.sessions.term, message: untrustedKeyMessage(theirKey.keyId) },
    });
    // their key, once trusted, is as good as any: which keys to trust is the verifier's setting, never the database's
    expect(await bothVerify({ orgId: second.orgId, keys: trusting(gatewayKey, theirKey) })).toMatchObject({
      ok: true,
      signatures: { signed: 3, keyIds: [gatewayKey.keyId, theirKey.keyId] },
    });
  });

  it('notes links sealed before signing, trusts rotated keys it is given, and refuses an unsigned link after a signed one', async () => {
    const oldKey = keyPair();
    const newKey = keyPair();
    const { orgId, sessions, recent } = await trail();
    const ids = [await recordAnother(orgId, sessions.sql, oldKey), await recordAnother(orgId, sessions.sql, newKey)];
    const r = await bothVerify({ orgId, keys: trusting(newKey, oldKey) });
    expect(r).toMatchObject({ ok: true, chainLinks: 5, signatures: { checked: true, signed: 2, keyIds: [oldKey.keyId, newKey.keyId], unsigned: 3 } });
    expect(r.signatures.note).toBe(
      `2 links of the global chain signed and checked (key ${oldKey.keyId}, key ${newKey.keyId}); 3 links sealed before signing was configured (not signed)`,
    );
    expect(await bothVerify({ orgId, keys: trusting(newKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: ids[0], message: untrustedKeyMessage(oldKey.keyId) },
    });
    // a gateway without its key seals the next session unsigned: after signed links, that breaks the chain
    const unsigned = await recent();
    expect(await bothVerify({ orgId, keys: trusting(newKey, oldKey) })).toMatchObject({
      ok: false,
      problem: { sessionId: unsigned, message: UNSIGNED_LINK_MESSAGE },
    });
  });

  it('cannot tell a chain stripped of every signature from one sealed before signing: the count of such links says it', async () => {
    const gatewayKey = keyPair();
    const { orgId, sessions } = await trail(gatewayKey);
    const first = (await db.auditChain.findFirstOrThrow({ orderBy: { id: 'asc' } })).sessionId;
    expect(first).toBe(sessions.sql);
    await rewriteAndRehash(first, 3, 'select 1', 'strip');
    expect(await bothVerify({ orgId, keys: trusting(gatewayKey) })).toMatchObject({ ok: true, signatures: { checked: true, signed: 0, unsigned: 3 } });
  });

  it('reads the keys from the web app’s settings: PEM text or file:, the signing key’s public half, and says what is wrong with one', async () => {
    const pair = generateAuditKeyPair();
    const { audrey } = await trail(parseAuditSigningKey(pair.privateKeyPem));
    const dir = await mkdtemp(path.join(tmpdir(), 'hoop-audit-key-'));
    try {
      await writeFile(path.join(dir, 'public.pem'), pair.publicKeyPem);
      const expected = { ok: true, signatures: { checked: true, signed: 3, keyIds: [pair.keyId] } };
      expect(await verifyOrgTrail(db, audrey, { publicKeys: pair.publicKeyPem })).toMatchObject(expected);
      expect(await verifyOrgTrail(db, audrey, { publicKeys: `file:${path.join(dir, 'public.pem')}` })).toMatchObject(expected);
      expect(await verifyOrgTrail(db, audrey, { signingKey: pair.privateKeyPem.replace(/\n/g, '\\n') })).toMatchObject(expected);
      expect(await verifyOrgTrail(db, audrey, {})).toMatchObject({ ok: true, signatures: { checked: false } });
      const wrong = await verifyOrgTrail(db, audrey, { publicKeys: `file:${path.join(dir, 'missing.pem')}` }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(wrong).toBeInstanceOf(AppError);
      expect((wrong as AppError).message).toBe(
        `The audit trail cannot be verified: the web app's audit key setting is wrong. ` +
          `HOOP_AUDIT_PUBLIC_KEY: cannot read ${path.join(dir, 'missing.pem')}: ENOENT`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** One more closed session of the org, on the same connection as `like`, sealed with `signer`. */
async function recordAnother(orgId: string, like: string, signer: AuditSigner): Promise<string> {
  const s = await db.session.findUniqueOrThrow({ where: { id: like } });
  return recordSession(db, { orgId, userId: s.userId!, connectionId: s.connectionId!, startedAt: new Date(), events: sqlSessionEvents(), signer });
}
