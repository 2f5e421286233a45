import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditSigner,
  BAD_SIGNATURE_MESSAGE,
  generateAuditKeyPair,
  parseAuditSigningKey,
  type TrustedAuditKeys,
  UNSIGNED_LINK_MESSAGE,
  untrustedKeyMessage,
} from '@hoop/db';
import { createTargetDatabase, freePort, startGatewayService, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { chainHash, eventHash, GENESIS_HASH } from '@hoop/core/audit/audit-hash';
import { NO_KEY, verifyAudit } from '@hoop/core/audit/verify-audit';

/**
 * The global chain signed with a key outside the database, through the real gateway and `hoop audit verify`: a stack
 * that starts without a key (older trails), then gets one, then a rotated one. Tampering is done as the database's
 * owner would: rows rewritten and every hash recomputed with the gateway's own functions, the triggers bypassed.
 */

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let admin: pg.Client;
let dir: string;
const attacker = parseAuditSigningKey(generateAuditKeyPair().privateKeyPem);
const firstPair = generateAuditKeyPair();
const k1 = parseAuditSigningKey(firstPair.privateKeyPem);
const k2Pair = generateAuditKeyPair();
const k2 = parseAuditSigningKey(k2Pair.privateKeyPem);
/** sessions in the order they were sealed */
const sealed: string[] = [];

const trusting = (...keys: AuditSigner[]): TrustedAuditKeys => new Map(keys.map((k) => [k.keyId, k.publicKey]));

beforeAll(async () => {
  target = await createTargetDatabase('auditsig');
  await target.query('create table t (id int)');
  stack = await startTestStack({ auditSigning: false });
  await stack.addPostgresConnection('signed', target.url);
  await stack.startAgent();
  admin = new pg.Client({ connectionString: stack.dbUrl });
  await admin.connect();
  dir = await mkdtemp(path.join(tmpdir(), 'hoop-audit-keys-'));
});

afterAll(async () => {
  await admin?.end();
  await stack?.stop();
  await target?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** one `hoop exec` session, waited for until it is sealed in the global chain */
async function session(sql: string): Promise<string> {
  const r = await stack.cli(['exec', 'signed', '-i', sql]);
  expect(r.code, r.stderr).toBe(0);
  const n = sealed.length + 1;
  const link = await waitFor(`session ${n} to be sealed`, async () => (await stack.db.auditChain.findMany({ orderBy: { id: 'asc' } }))[n - 1] ?? null, {
    timeoutMs: 20_000,
  });
  sealed.push(link.sessionId);
  return link.sessionId;
}

/** the gateway stopped and started again with these audit settings; resolves once the agent is back */
async function restartGateway(env: NodeJS.ProcessEnv): Promise<void> {
  await stack.gateway.stop();
  const since = new Date();
  stack.gateway = await startGatewayService({
    databaseUrl: stack.dbUrl,
    port: stack.gatewayPort,
    encryptionKey: stack.encryptionKey,
    webUrl: 'http://localhost:3999',
    env,
  });
  await waitFor(
    'the agent to reconnect',
    async () => {
      const a = await stack.db.agent.findUnique({ where: { id: stack.agentId } });
      return a?.connectedAt && a.connectedAt >= since ? true : null;
    },
    { timeoutMs: 30_000 },
  );
}

const verifyHere = (keys: TrustedAuditKeys | null) => verifyAudit(admin, { orgId: stack.orgId, keys, noKey: NO_KEY.gateway });

/**
 * What the database's owner can do without the signing key: rewrite a statement, then recompute every hash after it
 * (its session's events and head, the global chain from its link on). From that link on, signatures are kept,
 * removed, or made with another key. Runs in the caller's transaction.
 */
async function rewriteAndRehash(sessionId: string, signatures: 'keep' | 'strip' | AuditSigner = 'keep'): Promise<void> {
  await admin.query('SET LOCAL session_replication_role = replica');
  const {
    rows: [stmt],
  } = await admin.query<{ seq: number }>(`SELECT seq FROM audit_events WHERE session_id = $1 AND type = 'statement' ORDER BY seq LIMIT 1`, [sessionId]);
  await admin.query(`UPDATE audit_events SET data = jsonb_set(data, '{sql}', '"select 1"') WHERE session_id = $1 AND seq = $2`, [sessionId, stmt!.seq]);
  const events = await admin.query<{ seq: number; type: string; at: Date; data: Record<string, unknown> }>(
    'SELECT seq, type, at, data FROM audit_events WHERE session_id = $1 ORDER BY seq',
    [sessionId],
  );
  let prev = GENESIS_HASH;
  for (const e of events.rows) {
    const hash = eventHash(prev, sessionId, e.seq, { type: e.type, at: e.at.toISOString(), data: e.data });
    await admin.query('UPDATE audit_events SET prev_hash = $3, hash = $4 WHERE session_id = $1 AND seq = $2', [sessionId, e.seq, prev, hash]);
    prev = hash;
  }
  await admin.query('UPDATE sessions SET last_hash = $2 WHERE id = $1', [sessionId, prev]);
  const links = await admin.query<{
    id: string;
    session_id: string;
    final_seq: number;
    final_hash: string;
    hash: string;
    signature: string | null;
    key_id: string | null;
  }>('SELECT id::text AS id, session_id, final_seq, final_hash, hash, signature, key_id FROM audit_chain ORDER BY audit_chain.id');
  let before = GENESIS_HASH;
  let from = false;
  for (const l of links.rows) {
    from ||= l.session_id === sessionId;
    if (!from) {
      before = l.hash;
      continue;
    }
    const finalHash = l.session_id === sessionId ? prev : l.final_hash;
    const hash = chainHash(before, l.session_id, l.final_seq, finalHash);
    const signed = signatures === 'keep' ? [l.signature, l.key_id] : signatures === 'strip' ? [null, null] : [signatures.sign(hash), signatures.keyId];
    await admin.query('UPDATE audit_chain SET final_hash = $2, prev_hash = $3, hash = $4, signature = $5, key_id = $6 WHERE id = $1', [
      l.id,
      finalHash,
      before,
      hash,
      ...signed,
    ]);
    before = hash;
  }
}

/** runs `fn` on a copy of the trail that is thrown away afterwards */
async function inTransaction(fn: () => Promise<void>): Promise<void> {
  await admin.query('BEGIN');
  try {
    await fn();
  } finally {
    await admin.query('ROLLBACK');
  }
}

const logged = (what: string) =>
  stack.gateway
    .output()
    .split('\n')
    .filter((l) => l.includes(what))
    .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, string>);

describe('signed audit chain', () => {
  it('without a key, the gateway says once that links are unsigned, and verify says signatures were not checked', async () => {
    await session('select 1');
    expect(logged('HOOP_AUDIT_SIGNING_KEY is not set')).toHaveLength(1);
    expect(logged('HOOP_AUDIT_SIGNING_KEY is not set')[0]!.msg).not.toContain('already has signed links');
    expect(await stack.db.auditChain.findFirstOrThrow({ where: { sessionId: sealed[0] } })).toMatchObject({ signature: null, keyId: null });
    const r = await stack.cli(['audit', 'verify']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('signatures were not checked: the gateway has no audit key (HOOP_AUDIT_SIGNING_KEY, HOOP_AUDIT_TRUSTED_KEYS)');
  });

  it('refuses to start with a key it cannot use, saying which setting is wrong', async () => {
    const start = async (key: string) =>
      startGatewayService({
        databaseUrl: stack.dbUrl,
        port: await freePort(),
        encryptionKey: stack.encryptionKey,
        webUrl: 'http://localhost:3999',
        env: { HOOP_AUDIT_SIGNING_KEY: key },
      });
    await expect(start('file:/nonexistent/audit.pem')).rejects.toThrow(
      /exited \(code 2\)[\s\S]*HOOP_AUDIT_SIGNING_KEY: cannot read \/nonexistent\/audit\.pem: ENOENT/,
    );
    const rsa = (await import('node:crypto'))
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    await expect(start(rsa)).rejects.toThrow(/HOOP_AUDIT_SIGNING_KEY: is an rsa key; audit signing uses Ed25519/);
    await expect(start('not a key')).rejects.toThrow(/HOOP_AUDIT_SIGNING_KEY: expected a PEM key/);
  });

  it('with a key, signs every link from then on and logs each signed head; the earlier link is a note', async () => {
    const file = path.join(dir, 'audit-signing-key.pem');
    await writeFile(file, firstPair.privateKeyPem);
    await chmod(file, 0o600);
    await restartGateway({ HOOP_AUDIT_SIGNING_KEY: `file:${file}` });
    expect(logged('HOOP_AUDIT_SIGNING_KEY is not set')).toHaveLength(0);
    expect(logged('audit chain links are signed')).toMatchObject([{ keyId: k1.keyId }]);
    await session('select 2');
    await session('select 3');
    const links = await stack.db.auditChain.findMany({ orderBy: { id: 'asc' } });
    expect(links.map((l) => l.keyId)).toEqual([null, k1.keyId, k1.keyId]);
    const heads = logged('audit chain head signed');
    expect(heads.map((h) => [h.link, h.session, h.hash, h.keyId])).toEqual(links.slice(1).map((l) => [String(l.id), l.sessionId, l.hash, k1.keyId]));

    const r = await stack.cli(['audit', 'verify']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `signatures: 2 links of the global chain signed and checked (key ${k1.keyId}); 1 link sealed before signing was configured (not signed)\n`,
    );
    expect(r.stdout).toContain(`chain head: link ${links[2]!.id}, hash ${links[2]!.hash}\n`);
    const one = await stack.cli(['audit', 'verify', '--session', sealed[1]!]);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toContain('signatures: 2 links of the global chain signed and checked');
  });

  it('an event rewritten with every hash recomputed passes the hashes, not the signatures', async () => {
    await inTransaction(async () => {
      await rewriteAndRehash(sealed[1]!);
      expect(await verifyHere(null)).toMatchObject({ ok: true });
      expect(await verifyHere(trusting(k1))).toMatchObject({ ok: false, problem: { sessionId: sealed[1], message: BAD_SIGNATURE_MESSAGE } });
    });
  });

  it('a removed signature, or a link signed with a key it does not trust, breaks the chain at that session', async () => {
    await inTransaction(async () => {
      await admin.query('SET LOCAL session_replication_role = replica');
      await admin.query('UPDATE audit_chain SET signature = NULL, key_id = NULL WHERE session_id = $1', [sealed[2]]);
      expect(await verifyHere(trusting(k1))).toMatchObject({ ok: false, problem: { sessionId: sealed[2], message: UNSIGNED_LINK_MESSAGE } });
    });
    await inTransaction(async () => {
      await admin.query('SET LOCAL session_replication_role = replica');
      await admin.query('UPDATE audit_chain SET signature = NULL WHERE session_id = $1', [sealed[2]]);
      expect(await verifyHere(trusting(k1))).toMatchObject({ ok: false, problem: { sessionId: sealed[2], message: BAD_SIGNATURE_MESSAGE } });
    });
    await inTransaction(async () => {
      await rewriteAndRehash(sealed[2]!, attacker);
      expect(await verifyHere(trusting(k1))).toMatchObject({ ok: false, problem: { sessionId: sealed[2], message: untrustedKeyMessage(attacker.keyId) } });
    });
    expect(await verifyHere(trusting(k1))).toMatchObject({ ok: true });
  });

  it('after a key rotation, links signed with the earlier key pass when it is listed in HOOP_AUDIT_TRUSTED_KEYS', async () => {
    const earlier = path.join(dir, 'earlier.pub.pem');
    await writeFile(earlier, firstPair.publicKeyPem);
    await restartGateway({ HOOP_AUDIT_SIGNING_KEY: k2Pair.privateKeyPem, HOOP_AUDIT_TRUSTED_KEYS: `file:${earlier}` });
    await session('select 4');
    expect((await stack.db.auditChain.findMany({ orderBy: { id: 'asc' } })).map((l) => l.keyId)).toEqual([null, k1.keyId, k1.keyId, k2.keyId]);
    const r = await stack.cli(['audit', 'verify']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(
      `signatures: 3 links of the global chain signed and checked (key ${k1.keyId}, key ${k2.keyId}); 1 link sealed before signing was configured (not signed)`,
    );
    // without the earlier key, its links are signed by a key nobody vouches for
    expect(await verifyHere(trusting(k2))).toMatchObject({ ok: false, problem: { sessionId: sealed[1], message: untrustedKeyMessage(k1.keyId) } });
  });

  it('a gateway started without its key after links were signed says so, and its unsigned link breaks the chain', async () => {
    await restartGateway({});
    const warning = logged('HOOP_AUDIT_SIGNING_KEY is not set');
    expect(warning).toHaveLength(1);
    expect(warning[0]!.msg).toContain('The chain already has signed links');
    const unsigned = await session('select 5');
    // this gateway has no key: it cannot check signatures, and says so
    const r = await stack.cli(['audit', 'verify']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('signatures were not checked: the gateway has no audit key');
    await restartGateway({ HOOP_AUDIT_SIGNING_KEY: k2Pair.privateKeyPem, HOOP_AUDIT_TRUSTED_KEYS: firstPair.publicKeyPem });
    const broken = await stack.cli(['audit', 'verify']);
    expect(broken.code, broken.stdout).toBe(1);
    expect(broken.stdout).toBe(`audit trail BROKEN in session ${unsigned}: ${UNSIGNED_LINK_MESSAGE}\n`);
  });

  it('hoop audit verify names the session the database owner rewrote and re-hashed, which the hashes alone pass', async () => {
    await admin.query('BEGIN');
    await rewriteAndRehash(sealed[2]!);
    await admin.query('COMMIT');
    const rewritten = await admin.query<{ data: { sql: string } }>(`SELECT data FROM audit_events WHERE session_id = $1 AND type = 'statement'`, [sealed[2]]);
    expect(rewritten.rows[0]!.data.sql).toBe('select 1');
    // what verifying was before signatures: every hash holds
    const hashesOnly = await verifyHere(null);
    expect(hashesOnly).toMatchObject({ ok: true, sessions: 5 });
    const r = await stack.cli(['audit', 'verify']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toBe(`audit trail BROKEN in session ${sealed[2]}: ${BAD_SIGNATURE_MESSAGE}\n`);
  });
});
