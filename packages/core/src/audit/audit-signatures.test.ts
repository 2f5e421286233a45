import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AuditSigner,
  BAD_SIGNATURE_MESSAGE,
  generateAuditKeyPair,
  parseAuditSigningKey,
  type TrustedAuditKeys,
  UNSIGNED_LINK_MESSAGE,
  untrustedKeyMessage,
} from '@hoop/db';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { recordSession, sqlSessionEvents } from '../session/session-fixtures';
import { chainHash, eventHash, GENESIS_HASH } from './audit-hash';
import { auditTrails } from './audit-trail-fixtures';
import { verifyOrgTrail } from './verify-audit';

/** The global chain's links signed with the gateway's key: what the hashes alone cannot show, the signatures do. */
const trails = auditTrails();
const { trail, bothVerify } = trails;

const keyPair = () => parseAuditSigningKey(generateAuditKeyPair().privateKeyPem);
const trusting = (...signers: AuditSigner[]): TrustedAuditKeys => new Map(signers.map((k) => [k.keyId, k.publicKey]));

/**
 * What the database's owner can do without the signing key: rewrite an event, then recompute every hash after it
 * with the same functions (its session's events and head, and the global chain from its link on), the append-only
 * triggers off. From that link on, signatures are kept as they were, removed, or made with another key.
 */
async function rewriteAndRehash(sessionId: string, seq: number, sql: string, signatures: 'keep' | 'strip' | AuditSigner = 'keep'): Promise<void> {
  await trails.db.$transaction(async (tx) => {
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
    expect((await trails.db.auditEvent.findFirstOrThrow({ where: { sessionId: sessions.sql, seq: 3 } })).data).toMatchObject({ sql: 'select 1' });
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
    const first = (await trails.db.auditChain.findFirstOrThrow({ orderBy: { id: 'asc' } })).sessionId;
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
      expect(await verifyOrgTrail(trails.db, audrey, { publicKeys: pair.publicKeyPem })).toMatchObject(expected);
      expect(await verifyOrgTrail(trails.db, audrey, { publicKeys: `file:${path.join(dir, 'public.pem')}` })).toMatchObject(expected);
      expect(await verifyOrgTrail(trails.db, audrey, { signingKey: pair.privateKeyPem.replace(/\n/g, '\\n') })).toMatchObject(expected);
      expect(await verifyOrgTrail(trails.db, audrey, {})).toMatchObject({ ok: true, signatures: { checked: false } });
      const wrong = await verifyOrgTrail(trails.db, audrey, { publicKeys: `file:${path.join(dir, 'missing.pem')}` }).then(
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
  const s = await trails.db.session.findUniqueOrThrow({ where: { id: like } });
  return recordSession(trails.db, { orgId, userId: s.userId!, connectionId: s.connectionId!, startedAt: new Date(), events: sqlSessionEvents(), signer });
}
